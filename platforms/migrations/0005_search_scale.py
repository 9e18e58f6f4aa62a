"""Search at national scale (issue 14): an index for the exact-name candidates that ranking
always includes (``UPPER(name) = UPPER(query)``, what Django's ``iexact`` writes on PostgreSQL).
PostgreSQL only, and outside the model state: SQLite searches through its own full-text tables."""

from django.db import migrations

CREATE = 'CREATE INDEX IF NOT EXISTS platform_name_upper ON platforms_platform (UPPER("name"))'
DROP = "DROP INDEX IF EXISTS platform_name_upper"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0004_merge_0003_platform_kind_0003_scale"),
    ]

    operations = [migrations.RunPython(create, drop)]
