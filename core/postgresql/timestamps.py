"""timestamptz values read by psycopg's compiled loader.

Django's backend reads every timestamptz with a loader of its own: a subclass of psycopg's
pure-Python one that sets the connection's time zone on each value. Parsing every timestamp in
Python was about 4 % of the web process's CPU over the write path (py-spy, issue #18). This
system's connections talk to PostgreSQL in UTC (USE_TZ, the database's TIME_ZONE unset: Django
sets the session's TimeZone to UTC), and then psycopg's compiled loader returns what Django's
does, an aware datetime in datetime.UTC. So that one reads them, behind the `timezone`
attribute that Django's `create_cursor` compares with the connection's.
"""

import datetime

import psycopg
from psycopg import adapt, postgres, pq

# Compiled when psycopg's C implementation is installed (psycopg[binary]), else psycopg's own.
_PSYCOPG_LOADER = psycopg.adapters.get_loader(postgres.types["timestamptz"].oid, pq.Format.TEXT)


class UtcTimestamptzLoader(adapt.Loader):
    timezone = datetime.UTC

    def __init__(self, oid: int, context=None):
        super().__init__(oid, context)
        self._load = _PSYCOPG_LOADER(oid, context).load

    def load(self, data) -> datetime.datetime:
        return self._load(data)
