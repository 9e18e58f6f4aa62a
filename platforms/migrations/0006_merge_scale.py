from django.db import migrations


class Migration(migrations.Migration):
    """Joins the national-scale branches: the list-order index, the SQLite full-text trigger and
    the PostgreSQL name index."""

    dependencies = [
        ("platforms", "0005_fts_scale"),
        ("platforms", "0005_platform_sort_name_index"),
        ("platforms", "0005_search_scale"),
    ]

    operations = []
