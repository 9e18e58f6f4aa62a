from django.db import migrations, models


def fill(apps, schema_editor):
    """Nothing now: ``0015_home_counts`` counts the figures of the catalogue already there (the
    new column with them), once the tables have every column the current
    ``insight_figures.rebuild`` writes."""


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
