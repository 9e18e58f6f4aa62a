"""The admin's adoption search at national scale (issue 14), on PostgreSQL.

The adoption changelist's search matches each word against the platform's name, the
organisation's name, the use case and the evidence's name. The names are matched on their own
small tables (the platform's through its trigram index); the two adoption columns need trigram
indexes of their own, or every search reads all 1,000,000 adoptions (700 ms at 100,000
platforms): with them, PostgreSQL combines the four matches in one bitmap (BitmapOr) and reads
only the rows found. PostgreSQL only, outside the model state, as the other search indexes:
SQLite reads its few rows. And an index on the evidence's source, for the changelist's filter.
"""

from django.db import migrations

COLUMNS = ("use_case", "evidence_name")
CREATE = [
    f"CREATE INDEX IF NOT EXISTS adoption_{column}_trgm ON platforms_adoption "
    f"USING gin ({column} gin_trgm_ops)"
    for column in COLUMNS
]
DROP = [f"DROP INDEX IF EXISTS adoption_{column}_trgm" for column in COLUMNS]
# The changelist's filter on the evidence's source lists the sources by walking this index from
# one value to the next (a few lookups, not a DISTINCT over every adoption): on every database.
SOURCES = (
    "CREATE INDEX IF NOT EXISTS adoption_evidence_source ON platforms_adoption (evidence_source)"
)


def create(apps, schema_editor):
    schema_editor.execute(SOURCES)
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS adoption_evidence_source")
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0010_merge_round2"),
    ]

    operations = [migrations.RunPython(create, drop)]
