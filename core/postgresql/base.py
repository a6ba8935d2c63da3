"""Django's PostgreSQL backend (ENGINE "core.postgresql"), with three additions: a commit whose
answer was lost is resolved before anyone is told it failed, a pooled connection is checked
without a round trip, and timestamps are read by psycopg's compiled loader (timestamps.py).

When PostgreSQL stops (a crash, an immediate restart) or the network drops while a COMMIT is on
its way, the client cannot tell from the error whether the commit happened: the server may have
made it durable and died before answering. Django then reports an error for a write that is in
fact stored, and the caller sees a 5xx for it (a "false 500"; the fault drill
`c_postgres_restart` counts them). The telephony adapter's retry would be told "nothing
changed", a call-taker would see an error for a call they did take.

So a service's transaction names a witness before it commits (`core.db.witness_commit`): a
statement that finds a row only that transaction wrote; for every write of this system, its last
event's sequence number and hash (incidents.events). When the connection is lost during the
commit, the backend asks a new connection, as soon as the database answers again and for at
most COMMIT_IN_DOUBT_WAIT_S, whether the witness is there. Found: the commit happened, and the
transaction ends as committed (its on-commit work, the live push, runs on a fresh connection).
Not found, or no answer in time, or no witness: the error goes to the caller as before, and
nothing was stored (or, past the wait, the caller is told it failed and its retry finds out).

A connection taken from the pool may have been cut while it was idle (the database restarted).
psycopg's pool can check each one with an empty statement, a round trip on every request. Here
the check first looks at the connection's socket: an idle connection has nothing to read unless
the server has spoken since (its goodbye when it stopped, or a notice), so only then is the
empty statement sent; a connection that fails it is handed back, which discards it, and the
next one is taken. (A peer that vanished without a word fails the request's first statement
instead; the empty statement would have waited for it as long.)
"""

import datetime
import logging
import select
import time

import psycopg
from django.conf import settings
from django.db import DatabaseError
from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool

from core.postgresql.timestamps import UtcTimestamptzLoader

logger = logging.getLogger(__name__)

# Between two attempts to reach a database that does not answer yet.
RETRY_PAUSE_S = 0.25


class DatabaseWrapper(base.DatabaseWrapper):
    commit_witness: tuple[str, list] | None = None

    def get_connection_params(self):
        params = super().get_connection_params()
        if self.timezone is datetime.UTC:  # else Django's loader sets the zone on each value
            params["context"].register_loader("timestamptz", UtcTimestamptzLoader)
        return params

    def get_new_connection(self, conn_params):
        while True:
            connection = super().get_new_connection(conn_params)
            if self.pool is None or _usable(connection):
                return connection
            self.pool.putconn(connection)  # broken by the failed check: the pool discards it

    def _commit(self):
        witness, self.commit_witness = self.commit_witness, None
        try:
            return super()._commit()
        except DatabaseError:
            if witness is None or self.connection is None or not self.connection.broken:
                raise
            if not self._committed(witness):
                raise
            logger.warning(
                "the connection was lost while committing; the transaction's witness shows "
                "the commit happened, so it stands"
            )
            # The broken connection goes back to the pool, which discards it. Closing drops
            # the on-commit callbacks, which are still to run on the next connection.
            callbacks = self.run_on_commit
            self.close()
            self.run_on_commit = callbacks

    def _rollback(self):
        self.commit_witness = None
        return super()._rollback()

    def _committed(self, witness: tuple[str, list]) -> bool:
        """Whether the witness's row is stored: asked on a new connection, again and again
        while the database does not answer, for at most COMMIT_IN_DOUBT_WAIT_S."""
        sql, params = witness
        deadline = time.monotonic() + settings.COMMIT_IN_DOUBT_WAIT_S
        while True:
            try:
                with psycopg.connect(**self.get_connection_params(), autocommit=True) as conn:
                    return conn.execute(sql, params).fetchone() is not None
            except psycopg.OperationalError as exc:
                if time.monotonic() + RETRY_PAUSE_S >= deadline:
                    logger.error("a commit stays in doubt: the database did not answer (%s)", exc)
                    return False
                time.sleep(RETRY_PAUSE_S)


def _usable(connection: psycopg.Connection) -> bool:
    """Whether an idle pooled connection still works: without a round trip when the server has
    sent it nothing since it was last used, else by an empty statement."""
    poll = select.poll()
    poll.register(connection.fileno(), select.POLLIN)
    if not poll.poll(0):
        return True
    try:
        ConnectionPool.check_connection(connection)
    except psycopg.Error:
        logger.info("a pooled connection was cut while idle; taking another")
        return False
    return True
