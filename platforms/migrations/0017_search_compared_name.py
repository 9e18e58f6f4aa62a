# ruff: noqa: S608 - the SQL is fixed text: no input
"""The name a platform is compared by, kept on its search row (issue 14: similar platforms at
100,000 platforms). PostgreSQL only, like 0007.

A draft's or a saved platform's similar platforms are scored on the similarity of its name and
theirs, both without the brand most names share ("GOV.UK", "NHS") and without the generic words
("service", "platform", "the"...): ``platforms.search.text.BRANDS_PG`` and ``GENERIC_PG``. Two
``regexp_replace`` of every candidate's name (about 770 for GOV.UK Notify) were 10-12 ms of each
comparison; ``platforms_search_row.compared_name`` holds the result, a stored generated column,
computed by PostgreSQL whenever the row is written (by the triggers and the bulk refill alike),
so that a comparison reads it.

The two patterns are frozen here as they are today. ``tests/scale/test_search_pg.py`` compares
the column with the patterns of ``platforms.search.text``: a change of the generic words needs a
migration that redefines the column with the new pattern.
"""

from django.db import migrations

BRANDS = r"\m(gov\.uk|govuk|gov uk|nhs)\M"
GENERIC = (
    r"\m(?:a(?:bout|n(?:d|y)?|re|s|t)?|b(?:e|y)|c(?:an|ouncils?)|d(?:epartment|igital|o(?:"
    r"es)?)|f(?:or|rom)|g(?:et|ov(?:ernment|uk)?)|how|i(?:n(?:to)?|s|ts?)?|m(?:e|y)|n(?:ee"
    r"ds?|hs)|o(?:f|n(?:line)?|r|u(?:r|t))|p(?:latforms?|ublic)|s(?:e(?:ctor|rvices?)|yste"
    r"ms?)|t(?:eams?|h(?:at|e(?:ir|m|y)?|is)|o)|u(?:k|p|s(?:e(?:d|rs?|s)?|ing)?)|w(?:ant|e"
    r"|h(?:at|ich|o)|i(?:ll|th))|your?)\M"
)
COMPARED_NAME = (
    "regexp_replace(regexp_replace(lower(name::text), '"
    + BRANDS
    + "', ' ', 'g'), '"
    + GENERIC
    + "', ' ', 'g')"
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE platforms_search_row ADD COLUMN compared_name text "
            f"GENERATED ALWAYS AS ({COMPARED_NAME}) STORED"
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE platforms_search_row DROP COLUMN compared_name")


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0016_search_refill_once"),
    ]

    operations = [migrations.RunPython(forward, backward)]
