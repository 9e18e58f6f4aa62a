"""Issue 14: a plain index on the platform's kind again (0018 dropped it with its
``varchar_pattern_ops`` copy, having seen no scan of it in the benchmark). A rare kind's list
(the 145 APIs among 100,000 platforms) walked the name order over every other platform without
it: 104 ms, 4 ms with it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0018_fewer_platform_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="platform",
            index=models.Index(fields=["kind"], name="platform_kind"),
        ),
    ]
