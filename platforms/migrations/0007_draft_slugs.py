# Unpublished platforms no longer hold a slug others cannot take: unique among published
# platforms and within an owner (see Platform.Meta.constraints).

from django.db import migrations, models


def search_triggers(apps, schema_editor):
    """SQLite only: altering the slug rebuilds the platform table (SQLite cannot drop a column's
    UNIQUE in place), which drops its triggers; put back the one that keeps the full-text index
    true (``platforms.search.portable``, first made in 0005_fts_scale)."""
    if schema_editor.connection.vendor != "sqlite":
        return
    from platforms.search import portable

    with schema_editor.connection.cursor() as cursor:
        for statement in portable.TRIGGERS:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0006_merge_scale"),
    ]

    operations = [
        # Backwards, the table is rebuilt again: this (run last then) puts the trigger back.
        migrations.RunPython(migrations.RunPython.noop, search_triggers),
        migrations.AlterField(
            model_name="historicalplatform",
            name="slug",
            field=models.SlugField(
                help_text="Its address in the catalogue: unique among published platforms and within the owner's own.",
                max_length=120,
            ),
        ),
        migrations.AlterField(
            model_name="platform",
            name="slug",
            field=models.SlugField(
                help_text="Its address in the catalogue: unique among published platforms and within the owner's own.",
                max_length=120,
            ),
        ),
        migrations.AddConstraint(
            model_name="platform",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state", "published")),
                fields=("slug",),
                name="platform_published_slug_unique",
                violation_error_message="A published platform already has this slug.",
            ),
        ),
        migrations.AddConstraint(
            model_name="platform",
            constraint=models.UniqueConstraint(
                fields=("owner", "slug"),
                name="platform_owner_slug_unique",
                violation_error_message="The organisation already has a platform with this slug.",
            ),
        ),
        migrations.RunPython(search_triggers, migrations.RunPython.noop),
    ]
