# Joins this round's migrations (issue 14: the import's search rows filled once; the search's
# word list), each made from 0008_merge_round.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0009_import_speed"),
        ("platforms", "0009_search_words"),
    ]

    operations = []
