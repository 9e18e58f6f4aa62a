# ruff: noqa: S608 - the SQL is fixed text: table and column names from 0007, no input
"""The search rows of a bulk write filled from one read of the platforms (issue 14: importing
100,000 platforms). PostgreSQL only, like 0007 and 0009.

``search_rows_refill(ids)`` (``0009_import_speed``) read the platforms of ``ids`` twice, once
per table, each time with their capability and standard ids and sorted in the search's walk
order; and ``search_name_words`` (``0009_search_words``, made beside 0009_import_speed) took
each name's words one at a time (``fastupdate = off``). At 100,000 new platforms that was 16.5 s
of a 71 s import: the second read and sort 2.5 s, the names' words 3 s, the two look-ups of
platforms no longer there (none, for new ones) 1 s. Now:

- the rows written to ``platforms_search_row`` are the ones ``platforms_search_name`` gets (the
  same columns but the document, from the same platforms in the same statement: ``RETURNING``
  of the first insert feeds the second, sorted again in the walk order on its narrow rows);
- the ids no longer in the catalogue are found once, and the deletes run only when there are
  some;
- ``search_name_words`` takes its entries in its pending list, like the two other GIN indexes
  of the search rows, and ``search_rows_clean_pending`` (called by every trigger that writes
  search rows, and by the refill) empties it too, so no search ever reads a pending list.

The rows written are the same as before (``tests/scale/test_search_speed.py`` compares them
with rows counted from scratch after a bulk import).
"""

import importlib

from django.db import migrations

search_speed = importlib.import_module("platforms.migrations.0007_search_speed")
import_speed = importlib.import_module("platforms.migrations.0009_import_speed")
ROWS, NAMES, TABLES = search_speed.ROWS, search_speed.NAMES, search_speed.TABLES
WORDS_INDEX = "search_name_words"


def _cleaner(indexes: tuple[str, ...]) -> str:
    """0009's ``search_rows_clean_pending``, emptying the pending lists of ``indexes``."""
    return f"""CREATE OR REPLACE FUNCTION search_rows_clean_pending() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    BEGIN
        {" ".join(f"PERFORM gin_clean_pending_list('{index}'::regclass);" for index in indexes)}
    END $$"""


def _upsert(columns: str) -> str:
    every = columns + ", capability_ids, standard_ids"
    return (
        f"ON CONFLICT (id) DO UPDATE SET ({every}) = "
        f"({search_speed._prefixed(every, 'EXCLUDED')})"
    )


# The rows of ``ids`` as the platforms and their links are now: gone ones dropped, the others
# written in the order the search walks them (state, reuse count, slug), as 0007 filled them.
REFILL = f"""CREATE OR REPLACE FUNCTION search_rows_refill(ids bigint[]) RETURNS void
    LANGUAGE plpgsql AS $$
    DECLARE
        gone bigint[] := ARRAY(
            SELECT i FROM unnest(ids) i
            WHERE NOT EXISTS (SELECT 1 FROM platforms_platform p WHERE p.id = i)
        );
    BEGIN
        IF cardinality(gone) > 0 THEN
            DELETE FROM {ROWS} s WHERE s.id = ANY(gone);
            DELETE FROM {NAMES} s WHERE s.id = ANY(gone);
        END IF;
        WITH written AS (
            INSERT INTO {ROWS} {search_speed._select(TABLES[ROWS])}
                FROM platforms_platform p WHERE p.id IN (SELECT unnest(ids))
                ORDER BY p.state, p.reuse_count DESC, p.slug
                {_upsert(TABLES[ROWS])}
                RETURNING {TABLES[NAMES]}, capability_ids, standard_ids
        )
        INSERT INTO {NAMES} SELECT * FROM written p
            ORDER BY p.state, p.reuse_count DESC, p.slug
            {_upsert(TABLES[NAMES])};
        PERFORM search_rows_clean_pending();
    END $$"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in [
            _cleaner((*import_speed.GIN_INDEXES, WORDS_INDEX)),
            REFILL,
            f"ALTER INDEX {WORDS_INDEX} SET (fastupdate = on)",
        ]:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in [
            f"SELECT gin_clean_pending_list('{WORDS_INDEX}'::regclass)",
            f"ALTER INDEX {WORDS_INDEX} SET (fastupdate = off)",
            import_speed.CLEANER,
            "DROP FUNCTION IF EXISTS search_rows_refill(bigint[])",
            import_speed.REFILL,
        ]:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0015_home_counts"),
    ]

    operations = [migrations.RunPython(forward, backward)]
