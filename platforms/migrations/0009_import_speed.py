# ruff: noqa: S608 - the SQL is fixed text: table and column names from 0007, no input
"""Bulk writes fill the search rows once, at their end (issue 14: importing 100k platforms).

The triggers of ``0007_search_speed`` keep ``platforms_search_row`` and ``platforms_search_name``
right after every statement. A bulk writer (``import_catalogue``, ``generate_catalogue``) writes
the same platforms several times in one transaction (the rows, their links, their reuse counts,
their documents), and every one of those statements rewrote the search rows and their GIN
entries: 27 s of a 70 s import of 100,000 platforms.

So the trigger functions return at once when the transaction has set
``catalogue.bulk_search_rows`` to ``on`` (``SET LOCAL``: that transaction only, no DDL, no lock
that would keep a reader waiting), and ``search_rows_refill(ids)`` writes the search rows of
``ids`` from the platforms as they are now, in one statement per table, exactly as the triggers
would have left them (and drops those of ids no longer in the catalogue). The bulk writer calls
it for the platforms it wrote, then sets the setting back (``platforms.importers.search_rows``).
The TRUNCATE trigger never skips. PostgreSQL only, like 0007.

Most of that cost was the two GIN indexes (the documents, the names' trigrams), built with
``fastupdate = off``: each row's thirty to sixty keys inserted one at a time (24 million buffer
reads for 100,000 rows). They now take new entries in their pending list, merged into the index
in one sorted pass, and every writer empties that list before it commits
(``gin_clean_pending_list`` after each trigger's writes, and after the refill, as the
indexes' owner): a single write
costs what it did, a search still finds no pending list to read, and a bulk write merges up to
``gin_pending_list_limit`` of entries at a time (the bulk writer raises it for its transaction).
"""

import importlib

from django.db import migrations

search_speed = importlib.import_module("platforms.migrations.0007_search_speed")
TABLES = search_speed.TABLES
SETTING = "catalogue.bulk_search_rows"
GUARD = f"""IF current_setting('{SETTING}', true) = 'on' THEN
            RETURN NULL;  -- the bulk writer fills the rows itself (search_rows_refill)
        END IF;"""


GIN_INDEXES = ("search_row_document", "search_name_trgm")
# Empty the GIN pending lists, merging their entries into the indexes in one pass. Only the
# indexes' owner may (the role that ran the migrations): SECURITY DEFINER, so that a service
# connecting as another role can write platforms too.
CLEANER = f"""CREATE OR REPLACE FUNCTION search_rows_clean_pending() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    BEGIN
        {" ".join(f"PERFORM gin_clean_pending_list('{index}'::regclass);" for index in GIN_INDEXES)}
    END $$"""
CLEAN = "PERFORM search_rows_clean_pending();"


def _function(name: str, body: str, guard: str, clean: str = "") -> str:
    return f"""CREATE OR REPLACE FUNCTION search_row_{name}() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        {guard}
        {body}
        {clean}
        RETURN NULL;
    END $$"""


def _functions(guard: str, clean: str) -> list[str]:
    """The trigger functions of 0007, with ``guard`` first and ``clean`` after the writes that
    add GIN entries (neither: as 0007 made them)."""
    prefixed, select, link_arrays = (
        search_speed._prefixed,
        search_speed._select,
        search_speed.LINK_ARRAYS,
    )
    functions = [
        _function(
            "insert",
            "\n".join(
                f"""INSERT INTO {table} {select(columns)} FROM new_rows p
                ON CONFLICT (id) DO UPDATE SET ({columns}, capability_ids, standard_ids) =
                    ({prefixed(columns + ", capability_ids, standard_ids", "EXCLUDED")});"""
                for table, columns in TABLES.items()
            ),
            guard,
            clean,
        ),
        _function(
            "update",
            "\n".join(
                f"UPDATE {table} s SET ({columns}) = ({prefixed(columns, 'p')}) "
                "FROM new_rows p WHERE s.id = p.id;"
                for table, columns in TABLES.items()
            ),
            guard,
            clean,
        ),
        _function(
            "delete",
            "\n".join(
                f"DELETE FROM {table} s USING old_rows o WHERE s.id = o.id;" for table in TABLES
            ),
            guard,
        ),
    ]
    for name, changed in (
        ("new", "SELECT platform_id FROM new_links"),
        ("old", "SELECT platform_id FROM old_links"),
        ("both", "SELECT platform_id FROM new_links UNION SELECT platform_id FROM old_links"),
    ):
        functions.append(
            _function(
                f"links_{name}",
                "\n".join(
                    f"UPDATE {table} s SET {link_arrays} WHERE s.id IN ({changed});"
                    for table in TABLES
                ),
                guard,
                clean,
            )
        )
    return functions


# The rows of ``ids`` as the platforms and their links are now: gone ones dropped, the others
# written in the order the search walks them (state, reuse count, slug), as 0007 filled them.
def _refill(table: str, columns: str) -> str:
    every = columns + ", capability_ids, standard_ids"
    return f"""
        DELETE FROM {table} s WHERE s.id IN (SELECT unnest(ids))
            AND NOT EXISTS (SELECT 1 FROM platforms_platform p WHERE p.id = s.id);
        INSERT INTO {table} {search_speed._select(columns)}
            FROM platforms_platform p WHERE p.id IN (SELECT unnest(ids))
            ORDER BY p.state, p.reuse_count DESC, p.slug
            ON CONFLICT (id) DO UPDATE SET ({every}) = ({search_speed._prefixed(every, "EXCLUDED")});"""


REFILL = f"""CREATE FUNCTION search_rows_refill(ids bigint[]) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
        {"".join(_refill(table, columns) for table, columns in TABLES.items())}
        {CLEAN}
    END $$"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in [
            CLEANER,
            *_functions(GUARD, CLEAN),
            REFILL,
            *(f"ALTER INDEX {index} SET (fastupdate = on)" for index in GIN_INDEXES),
        ]:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in [
            *(f"ALTER INDEX {index} SET (fastupdate = off)" for index in GIN_INDEXES),
            *_functions("", ""),
            "DROP FUNCTION IF EXISTS search_rows_refill(bigint[])",
            "DROP FUNCTION IF EXISTS search_rows_clean_pending()",
        ]:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0008_merge_round"),
    ]

    operations = [migrations.RunPython(forward, backward)]
