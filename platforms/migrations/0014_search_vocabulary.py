# ruff: noqa: S608 - the SQL is fixed text: table and column names from this module, no input
"""Typos corrected against the words of the whole catalogue (PostgreSQL), as SQLite does.

``platforms_search_vocabulary``: every lexeme of the search documents once (the stemmed words a
search matches: names, summaries, capabilities, standards, tags, descriptions, owners), letters
and digits only, numbers left out, with a trigram index. A query word whose lexeme it does not
hold matches no document: its nearest lexemes are found there by trigram similarity, and the
search looks for the word or them (``platforms.search.postgres``). At 100,000 generated
platforms it holds 1,798 words (of 101,975 lexemes, most of them numbers and hyphenated words).

Filled with ``ts_stat`` over the documents, and kept by statement-level triggers on the
platforms: an insert adds the lexemes of the new documents, an update those of the documents
it changed (compared with the old ones, so that a reuse recount of every platform reads no
document), one statement per statement, so a bulk import or generation costs one pass over
its documents. ``ts_stat`` gathers the distinct lexemes in C: over 100,000 documents (4.6
million lexemes) it took 2.2-3.5 s where ``SELECT DISTINCT unnest(tsvector_to_array(...))``
took 2.9-4.9 s in the same minutes; it runs its own query, so the triggers hand it the ids of
the rows (it cannot read a transition table). A lexeme no document holds any more stays and
only adds a correction that finds nothing; ``search.reindex_all()`` fills the table again from
the documents. PostgreSQL only: SQLite has its own word tables (``0003_scale``).
"""

from django.db import migrations

VOCABULARY = "platforms_search_vocabulary"
# Lexemes worth correcting to: letters and digits only (a hyphenated or dotted word is held by
# its parts too), not a number.
WORTH = r"l ~ '^[[:alnum:]]+$' AND l !~ '^[0-9]+$'"
FILL = f"""INSERT INTO {VOCABULARY}
    SELECT l FROM ts_stat('SELECT search_vector FROM platforms_platform') s(l, ndoc, nentry)
    WHERE {WORTH} ON CONFLICT (word) DO NOTHING"""


def _function(name: str, rows: str) -> str:
    """The trigger function adding the lexemes of the documents of ``rows`` (a transition
    table, ``p``): ``ts_stat`` over those platforms, by id (it runs its own query, which cannot
    read a transition table)."""
    return f"""CREATE FUNCTION search_vocabulary_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        ids bigint[] := ARRAY(SELECT p.id FROM {rows} WHERE p.search_vector IS NOT NULL);
    BEGIN
        IF cardinality(ids) > 0 THEN
            INSERT INTO {VOCABULARY} SELECT l FROM ts_stat(format(
                'SELECT search_vector FROM platforms_platform WHERE id = ANY(%%L::bigint[])', ids
            )) s(l, ndoc, nentry) WHERE {WORTH} ON CONFLICT (word) DO NOTHING;
        END IF;
        RETURN NULL;
    END $$"""


CREATE = [
    f"CREATE TABLE {VOCABULARY} (word text PRIMARY KEY)",
    FILL,
    f"CREATE INDEX search_vocabulary_trgm ON {VOCABULARY} USING gin (word gin_trgm_ops)",
    _function("insert", "new_rows p"),
    # Only the documents changed: an update of other columns (a reuse recount of every
    # platform) reads no document.
    _function(
        "update",
        "new_rows p JOIN old_rows o ON o.id = p.id "
        "AND o.search_vector IS DISTINCT FROM p.search_vector",
    ),
    """CREATE TRIGGER search_vocabulary_insert AFTER INSERT ON platforms_platform
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
        EXECUTE FUNCTION search_vocabulary_insert()""",
    """CREATE TRIGGER search_vocabulary_update AFTER UPDATE ON platforms_platform
        REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT
        EXECUTE FUNCTION search_vocabulary_update()""",
    f"ANALYZE {VOCABULARY}",
]

DROP = [
    "DROP TRIGGER IF EXISTS search_vocabulary_insert ON platforms_platform",
    "DROP TRIGGER IF EXISTS search_vocabulary_update ON platforms_platform",
    "DROP FUNCTION IF EXISTS search_vocabulary_insert()",
    "DROP FUNCTION IF EXISTS search_vocabulary_update()",
    f"DROP TABLE IF EXISTS {VOCABULARY}",
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
        ("platforms", "0013_merge_round3"),
    ]

    operations = [migrations.RunPython(create, drop)]
