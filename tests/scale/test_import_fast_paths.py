"""The shortcuts of the 100k-platform import (issue 14, "importing 100k platforms from CSV
< 60 s") change nothing a user sees: a text the model refuses is refused with the model's own
message and its line, a quick check never lets through what ``Field.clean`` would refuse, the
search documents computed by PostgreSQL's parallel workers are those ``search.reindex`` writes,
and the import's working tables are never left behind."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from platforms import services
from platforms.importers import run_import
from platforms.importers.apply import _passes_text_checks
from platforms.models import Platform
from tests.factories import (
    OrganisationFactory,
    PublishedPlatformFactory,
)

HEADER = "slug,name,summary,owner,phase,capabilities,standards,tags,description,licence"


def _import(*rows: str, dry_run: bool = False):
    body = ("\n".join([HEADER, *rows]) + "\n").encode()
    return run_import([("platforms.csv", body)], "csv", None, None, dry_run=dry_run)


def _model_message(field: str, value: str) -> str:
    with pytest.raises(ValidationError) as refused:
        Platform._meta.get_field(field).clean(value, None)
    return refused.value.messages[0]


@pytest.mark.django_db
def test_a_text_too_long_for_the_model_is_refused_with_its_message_and_line(harbour_taxonomy):
    name, licence = "N" * 201, "L" * 65
    plan = _import(
        "good-one,Good One,Fine.,harbour-office,live,,,,,MIT",
        f"long-name,{name},Fine.,harbour-office,live,,,,,MIT",
        f"long-licence,Long Licence,Fine.,harbour-office,live,,,,,{licence}",
    )
    assert not plan.applied and not Platform.objects.filter(slug="good-one").exists()
    found = {(p.line, p.field): p.message for p in plan.errors}
    assert found == {
        (3, "name"): f"{name}: {_model_message('name', name)}",
        (4, "licence"): f"Long Licence: {_model_message('licence', licence)}",
    }


@pytest.mark.django_db
def test_a_row_after_a_blank_line_is_named_by_its_own_line(harbour_taxonomy):
    plan = _import("good-one,Good One,Fine.,harbour-office,live,,,,,", "", "no-summary,No Summary")
    assert [(p.line, p.field) for p in plan.errors] == [(4, "summary")]


# Every text field of a platform that has a quick check, and values around its limits.
QUICK_FIELDS = [
    f.name
    for f in Platform._meta.concrete_fields
    if _passes_text_checks(f) is not None and not f.generated
]


def test_the_quick_checks_cover_the_names_slugs_and_texts_of_every_row():
    assert {"name", "slug", "summary", "description", "licence"} <= set(QUICK_FIELDS)
    assert "contact_email" not in QUICK_FIELDS  # an e-mail validator: Field.clean each time
    assert "phase" not in QUICK_FIELDS  # choices: Field.clean (once per value)


@settings(max_examples=300, deadline=None)
@given(
    field=st.sampled_from(QUICK_FIELDS),
    value=st.one_of(
        st.text(max_size=320),
        st.text(alphabet="abcXYZ019-_ .\x00é", max_size=20),
        st.integers(min_value=195, max_value=305).map(lambda n: "x" * n),
    ),
)
def test_a_value_the_quick_check_passes_is_one_field_clean_keeps_unchanged(field, value):
    model_field = Platform._meta.get_field(field)
    if _passes_text_checks(model_field)(value):
        assert model_field.clean(value, None) == value


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's parallel query")
def test_documents_computed_by_parallel_workers_are_those_reindex_writes(harbour_taxonomy):
    from platforms.search.postgres import document

    with connection.cursor() as cursor:  # parallel workers even for a few rows
        for setting in (
            "parallel_setup_cost",
            "parallel_tuple_cost",
            "min_parallel_table_scan_size",
        ):
            cursor.execute(f"SET LOCAL {setting} = 0")
    rows = [
        f"p-{n},Platform.{n} Pay,Takes card payments {n}.,harbour-office,live,"
        f"{'payments;geocoding' if n % 2 else 'geocoding'},{'wcag-22' if n % 3 else ''},"
        f'tag{n},"Settles tolls for ferry {n}.",MIT'
        for n in range(60)
    ]
    plans: list[str] = []

    def explained(execute, sql, params, many, context):
        if sql.startswith("CREATE UNLOGGED TABLE") and " AS document " in sql:
            context["cursor"].execute("EXPLAIN " + sql, params)
            plans.extend(line for (line,) in context["cursor"].fetchall())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explained):
        plan = _import(*rows)
    assert plan.applied, [str(p) for p in plan.errors]
    assert any("Gather" in line for line in plans), plans  # the workers computed them
    stored = Platform.objects.filter(slug__startswith="p-").annotate(fresh=document())
    pairs = list(stored.values_list("slug", "search_vector", "fresh"))
    assert len(pairs) == 60
    assert all(vector and vector == fresh for _, vector, fresh in pairs)


def _working_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname LIKE %s", [f"{services.STAGING_TABLE}%"]
        )
        return [name for (name,) in cursor.fetchall()]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's working tables")
def test_the_working_tables_are_gone_after_an_import_and_after_a_refused_write(harbour_taxonomy):
    assert _import("kept-one,Kept One,Fine.,harbour-office,live,,,,,").applied
    assert _working_tables() == []

    owner = OrganisationFactory(slug="my-office")
    PublishedPlatformFactory(slug="taken-meanwhile", owner=owner)
    batch = services.ImportBatch()
    batch.new_platforms = [
        (Platform(owner=owner, name="Clash", slug="taken-meanwhile", summary="New."), [], [])
    ]
    with pytest.raises(services.Conflict):
        services.catalogue_import(actor=None, batch=batch)
    assert _working_tables() == []


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's working tables")
def test_a_role_that_may_not_create_tables_imports_through_temporary_ones(harbour_taxonomy):
    from platforms.search.postgres import document

    created: list[str] = []

    def without_create(execute, sql, params, many, context):
        if "has_schema_privilege" in sql:  # as for a role without CREATE on its schema
            sql = "SELECT pg_backend_pid(), false"
        if sql.startswith("CREATE "):
            created.append(sql.split(" TABLE ")[0])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(without_create):
        plan = _import(
            "temp-one,Temp.One,Takes payments.,harbour-office,live,payments,wcag-22,,Tolls.,MIT"
        )
    assert plan.applied, [str(p) for p in plan.errors]
    assert created and set(created) == {"CREATE TEMPORARY"}
    stored, fresh = (
        Platform.objects.annotate(fresh=document())
        .values_list("search_vector", "fresh")
        .get(slug="temp-one")
    )
    assert stored and stored == fresh
    assert _working_tables() == []
