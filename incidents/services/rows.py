"""Plain-SQL reads on the telephony hot path (issue #18).

Every call action reads its call locked with the rows its events show (caller, who took and
answered it, where), and the presence of who acts. Composing such a query costs the ORM about
3 ms of CPU, ten times the database's own work, so it is read through `core.db.read_row`, and
the rows come back as the ORM builds them. The call-taker's writes store their rows with
`core.db.insert_row` and `save_fields`.
"""

from core.db import read_row
from incidents.models import Call


def locked_call(relations: tuple[str, ...], *, key: str, value) -> Call | None:
    """The call whose `key` column is `value`, its row alone locked, with these relations (each
    a nullable foreign key of the call) read in the same query; None for no such call."""
    column = Call._meta.get_field(key).column
    return read_row(Call, relations, where=f"t.{column} = %s", params=[value], lock=True)
