# SQLite only (the embedded default): the full-text index forgets a deleted platform at once (a
# trigger), the rows of platforms deleted before are removed, and FTS5 merges its index segments
# (``optimize``) so that a search reads one b-tree per term. Nothing changes on PostgreSQL.

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    from platforms.search import portable

    with schema_editor.connection.cursor() as cursor:
        for statement in portable.TRIGGERS:
            cursor.execute(statement)
        cursor.execute(
            f"DELETE FROM {portable.INDEX} WHERE rowid NOT IN (SELECT id FROM {portable.TABLE})"
        )
        cursor.execute(f"INSERT INTO {portable.INDEX} ({portable.INDEX}) VALUES ('optimize')")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    from platforms.search import portable

    with schema_editor.connection.cursor() as cursor:
        for statement in portable.DROP_TRIGGERS:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0004_merge_0003_platform_kind_0003_scale"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
