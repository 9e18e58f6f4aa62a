from django.db import migrations


class Migration(migrations.Migration):
    """Joins the national-scale branches: the list-order index, the SQLite full-text trigger, the
    PostgreSQL name index and the impact walk's indexes."""

    dependencies = [
        ("platforms", "0005_fts_scale"),
        ("platforms", "0005_platform_sort_name_index"),
        ("platforms", "0005_search_scale"),
        ("platforms", "0005_impact"),
    ]

    operations = []
