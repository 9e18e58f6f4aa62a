"""The throttles' counts in a table of their own (api.models.ThrottleCount): one statement per
request instead of the database cache's four. UNLOGGED on PostgreSQL: the counts need no
write-ahead log (no disk flush per request); a crash empties the table, which only forgives the
requests of the current window."""

from django.db import migrations, models


def unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE api_throttle_count SET UNLOGGED")


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_cache_table"),
    ]

    operations = [
        migrations.CreateModel(
            name="ThrottleCount",
            fields=[
                ("key", models.CharField(max_length=255, primary_key=True, serialize=False)),
                ("count", models.PositiveIntegerField()),
                ("expires", models.FloatField(db_index=True)),
            ],
            options={
                "db_table": "api_throttle_count",
            },
        ),
        migrations.RunPython(unlogged, migrations.RunPython.noop),
    ]
