"""The cursor of PostgreSQL connections: Django's, with server-side binding, whose row count
waits for its statement's answer in pipeline mode (core.db.pipelined).

In pipeline mode a statement is sent without waiting for its answer; psycopg fetches answers
when rows are fetched, but not when the row count is read, which stays -1 until then. Django
reads the row count after every change or removal of rows through the ORM
(`Model.save(update_fields=…)` refuses a count below 1), so here reading it fetches the answers
up to this statement's, one round trip, as outside a pipeline.
"""

from django.db.backends.postgresql.base import ServerBindingCursor


class PipelineCursor(ServerBindingCursor):
    @property
    def rowcount(self) -> int:
        self._fetch_pipeline()  # psycopg's own step before fetching rows; a no-op outside one
        return super().rowcount
