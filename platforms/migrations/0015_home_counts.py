from django.db import migrations, models


def fill(apps, schema_editor):
    """Count the kept figures of the catalogue already there again, set-based (a second or two
    at 100,000 platforms), the new column with them, and the rows of the capabilities met only by
    platforms in discovery or alpha, which held nothing to count until now. (``0012_admin_home``
    counted them before; it leaves that to this migration, so that the current code's rebuild
    finds every column.)"""
    from platforms import insight_figures

    insight_figures.rebuild(facets=False)


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0014_search_vocabulary"),
    ]

    operations = [
        migrations.AddField(
            model_name="capabilitycount",
            name="platforms",
            field=models.IntegerField(
                default=0, help_text="Of every phase (the home page's tiles)."
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
