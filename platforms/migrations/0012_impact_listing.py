"""Impact analysis with nothing kept (issue 14): the dependents each organisation listed has in
use, read for those organisations only, in platform order (``platforms/selectors/impact.py``),
instead of going over every in-use adoption of the dependents a second time."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0011_adoption_search"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="adoption",
            index=models.Index(
                condition=models.Q(("status", "in_use")),
                fields=["organisation", "platform"],
                name="adoption_in_use_by_org",
            ),
        ),
    ]
