# ruff: noqa: S608 - the SQL is fixed text: table and column names from this module, no input
"""Search at national scale (issue 14): the typo rescue looks words up, not names (PostgreSQL).

A query word the catalogue does not hold ("notfy") was rescued by comparing it with every
platform name its trigrams point to: at 100,000 platforms, 5,675 names for "notfy", each read
and compared (``word_similarity``), 25-50 ms of a search. Now:

- ``platforms_search_name_word``: every word of the platform names once (lower case, split on what
  is not a letter or digit, as pg_trgm splits; numbers left out), a few hundred rows, with a
  trigram index: the words alike ("notify", "notifications", "notice") are found there;
- ``search_name_words``: a GIN index on the words of each name in ``platforms_search_name``
  (the same split, as an array), which finds the names holding those words exactly, without
  comparing any;
- ``organisation_abbreviation_trgm``: the owners whose abbreviation is like the query, which
  every search looks up, from an index instead of comparing all of them.

The words are added by a statement-level trigger on every insert and update of platforms (one
set-based statement per statement, as the search rows' triggers); a word no name holds any
more stays and finds nothing. PostgreSQL only: SQLite has its own word table (``0003_scale``).
"""

from django.db import migrations

WORDS = "platforms_search_name_word"
# The words of a name, as the search asks for them (platforms.search.postgres.NAME_WORDS).
SPLIT = r"regexp_split_to_array(lower({name}), '[^[:alnum:]]+')"
# Words worth looking up: not empty, not a number.
WORTH = r"w <> '' AND w !~ '^[0-9]+$'"
OF_NAME, OF_ROW = SPLIT.format(name="name"), SPLIT.format(name="p.name")

CREATE = [
    f"CREATE TABLE {WORDS} (word text PRIMARY KEY)",
    f"""INSERT INTO {WORDS} SELECT DISTINCT w FROM platforms_platform p,
        unnest({OF_ROW}) w WHERE {WORTH}""",
    f"CREATE INDEX search_word_trgm ON {WORDS} USING gin (word gin_trgm_ops)",
    "CREATE INDEX search_name_words ON platforms_search_name USING gin "
    f"(({OF_NAME})) WITH (fastupdate = off)",
    "CREATE INDEX organisation_abbreviation_trgm ON platforms_organisation "
    "USING gin (abbreviation gin_trgm_ops)",
    *(
        f"""CREATE FUNCTION search_word_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO {WORDS} SELECT DISTINCT w FROM {rows},
                unnest({OF_ROW}) w WHERE {WORTH}
            ON CONFLICT (word) DO NOTHING;
            RETURN NULL;
        END $$"""
        for name, rows in (
            ("insert", "new_rows p"),
            # Only the renamed: an update of other columns (a reuse recount of every platform)
            # splits no name.
            (
                "update",
                "new_rows p JOIN old_rows o ON o.id = p.id AND o.name IS DISTINCT FROM p.name",
            ),
        )
    ),
    """CREATE TRIGGER search_word_insert AFTER INSERT ON platforms_platform
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
        EXECUTE FUNCTION search_word_insert()""",
    """CREATE TRIGGER search_word_update AFTER UPDATE ON platforms_platform
        REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT
        EXECUTE FUNCTION search_word_update()""",
    f"ANALYZE {WORDS}",
    "ANALYZE platforms_search_name",
]

DROP = [
    "DROP TRIGGER IF EXISTS search_word_insert ON platforms_platform",
    "DROP TRIGGER IF EXISTS search_word_update ON platforms_platform",
    "DROP FUNCTION IF EXISTS search_word_insert()",
    "DROP FUNCTION IF EXISTS search_word_update()",
    "DROP INDEX IF EXISTS organisation_abbreviation_trgm",
    "DROP INDEX IF EXISTS search_name_words",
    f"DROP TABLE IF EXISTS {WORDS}",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0008_merge_round"),
    ]

    operations = [migrations.RunPython(create, drop)]
