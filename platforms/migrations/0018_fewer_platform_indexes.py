"""Issue 14: fewer indexes on the platforms and their versions, each one written on every
insert (a 100k import wrote 28 + 15 index entries a platform).

- The platform's ``name`` and ``slug`` keep one plain index each (``Meta.indexes``), without the
  ``varchar_pattern_ops`` copy ``db_index`` adds on PostgreSQL for ``LIKE 'x%'`` (nothing asks it).
- ``kind`` loses its two (its plain index comes back in 0019, named), ``owner`` its own (the
  indexes (owner, state) and the unique (owner, slug) begin with it).
- The historical platform keeps its id, date and changer indexes; nothing looks its other
  columns up.

The old indexes are dropped by name, not by ``AlterField``: on PostgreSQL, ``AlterField`` to
``db_index=False`` drops every single-column index on the column that is not in
``Meta.indexes``, and it took the partial unique index ``platform_published_slug_unique`` (a
``UniqueConstraint`` with a condition) with the slug's own.
"""

import django.db.models.deletion
from django.db import migrations, models

# (table, index, column, PostgreSQL's LIKE copy too): Django's own names for db_index, the same
# on every database (a hash of the table and column).
DROPPED = [
    ("platforms_platform", "platforms_platform_name_854db3cc", "name", True),
    ("platforms_platform", "platforms_platform_slug_bb9b6a22", "slug", True),
    ("platforms_platform", "platforms_platform_kind_d30ceb19", "kind", True),
    ("platforms_platform", "platforms_platform_owner_id_36d22416", "owner_id", False),
    ("platforms_historicalplatform", "platforms_historicalplatform_name_1a72ef82", "name", True),
    ("platforms_historicalplatform", "platforms_historicalplatform_slug_ecb3fdba", "slug", True),
    ("platforms_historicalplatform", "platforms_historicalplatform_kind_6d6be7dc", "kind", True),
    (
        "platforms_historicalplatform",
        "platforms_historicalplatform_owner_id_7e541390",
        "owner_id",
        False,
    ),
    (
        "platforms_historicalplatform",
        "platforms_historicalplatform_replaced_by_id_a28140d3",
        "replaced_by_id",
        False,
    ),
    (
        "platforms_historicalplatform",
        "platforms_historicalplatform_part_of_id_75124bf9",
        "part_of_id",
        False,
    ),
    (
        "platforms_historicalplatform",
        "platforms_historicalplatform_created_at_f96824b7",
        "created_at",
        False,
    ),
    (
        "platforms_historicalplatform",
        "platforms_historicalplatform_updated_at_9047f802",
        "updated_at",
        False,
    ),
]


def drop_indexes(apps, schema_editor):
    for _table, name, _column, like in DROPPED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
        if like:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}_like"')


def create_indexes(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for table, name, column, like in DROPPED:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")')
        if like and postgres:
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}_like" ON "{table}" '
                f'("{column}" varchar_pattern_ops)'
            )


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0017_search_compared_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="historicalplatform",
                    name="created_at",
                    field=models.DateTimeField(blank=True, editable=False),
                ),
                migrations.AlterField(
                    model_name="historicalplatform",
                    name="kind",
                    field=models.CharField(
                        choices=[
                            ("service_platform", "Service platform"),
                            ("api", "API"),
                            ("software_component", "Software component"),
                            ("data_register", "Data or register"),
                        ],
                        default="service_platform",
                        help_text="A service platform, an API, a software component or a data register.",
                        max_length=30,
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalplatform",
                    name="name",
                    field=models.CharField(max_length=200),
                ),
                migrations.AlterField(
                    model_name="historicalplatform",
                    name="owner",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        help_text="The organisation that runs the platform and answers for it.",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="platforms.organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalplatform",
                    name="part_of",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        help_text="The system this platform is part of (Backstage spec.system/subcomponentOf).",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="platforms.platform",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalplatform",
                    name="replaced_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        help_text="Only for a retiring or retired platform: what to use instead.",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="platforms.platform",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalplatform",
                    name="slug",
                    field=models.SlugField(
                        db_index=False,
                        help_text="Its address in the catalogue: unique among published platforms and within the owner's own.",
                        max_length=120,
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalplatform",
                    name="updated_at",
                    field=models.DateTimeField(blank=True, editable=False),
                ),
                migrations.AlterField(
                    model_name="platform",
                    name="kind",
                    field=models.CharField(
                        choices=[
                            ("service_platform", "Service platform"),
                            ("api", "API"),
                            ("software_component", "Software component"),
                            ("data_register", "Data or register"),
                        ],
                        default="service_platform",
                        help_text="A service platform, an API, a software component or a data register.",
                        max_length=30,
                    ),
                ),
                migrations.AlterField(
                    model_name="platform",
                    name="name",
                    field=models.CharField(max_length=200),
                ),
                migrations.AlterField(
                    model_name="platform",
                    name="owner",
                    field=models.ForeignKey(
                        db_index=False,
                        help_text="The organisation that runs the platform and answers for it.",
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="platforms",
                        to="platforms.organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="platform",
                    name="slug",
                    field=models.SlugField(
                        db_index=False,
                        help_text="Its address in the catalogue: unique among published platforms and within the owner's own.",
                        max_length=120,
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        ),
        migrations.AddIndex(
            model_name="platform",
            index=models.Index(fields=["name"], name="platform_name"),
        ),
        migrations.AddIndex(
            model_name="platform",
            index=models.Index(fields=["slug"], name="platform_slug"),
        ),
    ]
