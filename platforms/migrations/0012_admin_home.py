from django.db import migrations, models


def fill(apps, schema_editor):
    """Count the kept figures of the catalogue already there again, set-based (a few seconds at
    100,000 platforms), the new column with them. (``0007_insights_speed`` counted them first;
    it leaves that to this migration, so that the current code's rebuild finds every column.)"""
    from platforms import insight_figures

    insight_figures.rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0011_adoption_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisationuse",
            name="in_use",
            field=models.IntegerField(
                default=0,
                help_text="Its adoptions in use, of any platform (its own too), one per use case.",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
