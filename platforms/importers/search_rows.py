"""The search rows of a bulk write, filled once at its end (PostgreSQL; migration
``0009_import_speed``).

Inside ``bulk_search_rows()`` the search rows' triggers do nothing for this transaction
(``SET LOCAL``, no DDL: readers keep searching the rows as they were); the writer adds the ids
of every platform it wrote (rows, links, reuse counts, documents) to the set it is given, and
on leaving, ``search_rows_refill`` writes their search rows in one statement per table, exactly
as the triggers would have, then the setting goes back to ``off`` before the commit. Elsewhere
(SQLite: its full-text tables are kept by their own triggers) it only hands out the set.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

SETTING = "catalogue.bulk_search_rows"
GIN_PENDING = "64MB"


@contextmanager
def bulk_search_rows() -> Iterator[set[int | None]]:
    """A transaction whose platform writes leave the search rows to the end; add to the set
    the ids of the platforms written. ``None`` in the set means every platform."""
    written: set[int | None] = set()
    if connection.vendor != "postgresql":
        yield written
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL {SETTING} = 'on'")
        # The GIN entries of the rows gathered in their pending lists and merged in a few large
        # sorted passes (``search_rows_refill`` empties the lists before the commit).
        cursor.execute(f"SET LOCAL gin_pending_list_limit = '{GIN_PENDING}'")
        cursor.execute(f"SET LOCAL work_mem = '{GIN_PENDING}'")
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{GIN_PENDING}'")
        yield written
        refill(written, cursor)
        cursor.execute(f"SET LOCAL {SETTING} = 'off'")


def refill(ids: set[int | None], cursor) -> None:
    """Write the search rows of ``ids`` (every platform when the set holds ``None``)."""
    if None in ids:
        cursor.execute("SELECT search_rows_refill(ARRAY(SELECT id FROM platforms_platform))")
    elif ids:
        cursor.execute("SELECT search_rows_refill(%s::bigint[])", [sorted(ids)])
