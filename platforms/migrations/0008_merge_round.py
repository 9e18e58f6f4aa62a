# Joins this round's migrations (issue 14: search and insights speed; the draft slugs), each made from 0006_merge_scale.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0007_draft_slugs"),
        ("platforms", "0007_search_speed"),
        ("platforms", "0007_insights_speed"),
    ]

    operations = []
