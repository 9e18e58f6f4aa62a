"""The fast import of a whole catalogue (issue 14, "importing 100k platforms from CSV < 60 s"):
on PostgreSQL new platforms are written once, with their search document, links and history,
from a staging table; everywhere the rows are checked without a model instance each. What a
user sees must not change: search finds them by every word it indexes, links and history are
recorded, and a bad row anywhere stops everything and says where."""

from __future__ import annotations

import pytest
from django.db import connection

from platforms import search
from platforms.importers import run_import
from platforms.models import Platform
from tests.factories import OrganisationFactory, editor_of

pytestmark = pytest.mark.django_db

HEADER = "slug,name,summary,owner,phase,replaced_by,capabilities,standards,tags,description"


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def _import(body: bytes, actor=None):
    plan = run_import([("platforms.csv", body)], "csv", None, actor, dry_run=False)
    assert plan.applied, [str(p) for p in plan.errors]
    return plan


def _slugs(query: str) -> list[str]:
    return [p.slug for p in search.search(Platform.objects.all(), query)[:10]]


def test_search_finds_imported_platforms_by_every_part_of_their_document(harbour_taxonomy):
    _import(
        _csv(
            "lighthouse-pay,Lighthouse.Pay,Takes card payments.,harbour-office,live,,"
            'payments;geocoding,wcag-22,marinetag,"Settles tolls for ferries."',
            "quay-notes,Quay Notes,Sends letters.,harbour-office,beta,,,,,",
        )
    )
    assert _slugs("lighthouse")[0] == "lighthouse-pay"  # the name
    assert _slugs("LighthousePay")[0] == "lighthouse-pay"  # the name without its dots
    assert "lighthouse-pay" in _slugs("geocoding")  # a capability's name
    assert "lighthouse-pay" in _slugs("marinetag")  # a tag
    assert "lighthouse-pay" in _slugs("ferries")  # the description
    assert set(_slugs("harbour")) >= {"lighthouse-pay", "quay-notes"}  # the owner's name


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the stored tsvector: PostgreSQL")
def test_the_document_written_by_the_import_is_the_one_reindex_writes(harbour_taxonomy):
    from platforms.search.postgres import document

    _import(
        _csv(
            "lighthouse-pay,Lighthouse.Pay,Takes card payments.,harbour-office,live,,"
            'payments;geocoding,wcag-22,marinetag;ferry,"Settles tolls for ferries."',
            "quay-notes,Quay Notes,Sends letters.,harbour-office,beta,,,,,",
            'dock-data,Dock-Data,"Berths, tides.",harbour-office,alpha,,geocoding,,,',
        )
    )
    rows = (
        Platform.objects.filter(slug__in=["lighthouse-pay", "quay-notes", "dock-data"])
        .annotate(fresh=document())
        .values_list("slug", "search_vector", "fresh")
    )
    assert len(rows) == 3
    for slug, stored, fresh in rows:
        assert stored and stored == fresh, slug


def test_a_new_platform_replaced_by_another_of_the_same_file_is_linked_and_recorded(
    harbour_taxonomy,
):
    user = editor_of(OrganisationFactory(slug="harbour-office"))
    _import(
        _csv(
            "old-ferry-pay,Old Ferry Pay,Took payments.,harbour-office,retired,new-ferry-pay,"
            "payments,,,",
            "new-ferry-pay,New Ferry Pay,Takes payments.,harbour-office,live,,payments,wcag-22,,",
        ),
        actor=None,
    )
    old = Platform.objects.get(slug="old-ferry-pay")
    new = Platform.objects.get(slug="new-ferry-pay")
    assert old.replaced_by == new
    (record,) = Platform.history.filter(id=old.pk)
    assert record.history_type == "+" and record.replaced_by_id == new.pk
    (record,) = Platform.history.filter(id=new.pk)
    assert [s.standard_id for s in record.standards.all()] == list(
        new.standards.values_list("pk", flat=True)
    )
    # A second import in the same transaction (the staging table is gone, not in the way).
    _import(_csv("third-pier,Third Pier,Moors boats.,harbour-office,live,,,,,"), actor=user)
    assert Platform.objects.get(slug="third-pier").state == Platform.State.DRAFT


def test_a_bad_row_at_the_end_of_a_large_file_is_named_and_nothing_is_written(harbour_taxonomy):
    rows = [
        f"pier-{n},Pier {n},Moors boats number {n}.,harbour-office,live,,payments,,,"
        for n in range(3_000)
    ]
    rows.append("pier-last,Pier last,Moors boats.,harbour-office,sunken,,,,,")
    rows.append("pier-after,Pier after,Moors boats.,harbour-office,live,,,,,")
    plan = run_import([("platforms.csv", _csv(*rows))], "csv", None, None, dry_run=False)
    assert not plan.applied
    (error,) = plan.errors
    assert (error.line, error.field) == (3_002, "phase")
    assert "sunken" in error.message
    assert not Platform.objects.filter(slug__startswith="pier-").exists()


def test_a_field_the_model_refuses_is_named_with_its_line(harbour_taxonomy):
    plan = run_import(
        [
            (
                "platforms.csv",
                _csv(
                    "good-pier,Good Pier,Moors boats.,harbour-office,live,,,,,",
                    "bad-pier,Bad Pier,Moors boats.,harbour-office,live,,,,,",
                ).replace(b"bad-pier,Bad Pier", b"bad-pier," + b"B" * 201),
            )
        ],
        "csv",
        None,
        None,
        dry_run=False,
    )
    assert not plan.applied
    (error,) = plan.errors
    assert (error.line, error.field) == (3, "name")
    assert "200 characters" in error.message
    assert not Platform.objects.filter(slug__in=["good-pier", "bad-pier"]).exists()


def test_every_row_with_a_value_the_model_refuses_is_named_even_when_it_repeats(harbour_taxonomy):
    # Checks remember the values they have seen: a refused value is refused on every row.
    emails = ["pier@harbour.example", "not an address", "pier@harbour.example", "not an address"]
    lines = ["slug,name,summary,owner,contact_email"] + [
        f"pier-{n},Pier {n},Moors boats.,harbour-office,{email}" for n, email in enumerate(emails)
    ]
    body = ("\n".join(lines) + "\n").encode()
    plan = run_import([("platforms.csv", body)], "csv", None, None, dry_run=False)
    assert not plan.applied
    assert [(e.line, e.field) for e in plan.errors] == [(3, "contact_email"), (5, "contact_email")]
    assert "valid email" in plan.errors[0].message.lower()
    assert not Platform.objects.filter(slug__startswith="pier-").exists()


def test_imported_adoptions_and_owners_keep_the_stored_reuse_counts_fresh(harbour_taxonomy):
    from tests.scale.test_reuse_count import assert_counts_fresh

    for slug in ("north-council", "south-council"):
        OrganisationFactory(slug=slug, name=slug.replace("-", " ").title())
    _import(_csv("ferry-pay,Ferry Pay,Takes payments.,harbour-office,live,,,,,"))
    adoptions = (
        b"platform,organisation,status\n"
        b"ferry-pay,north-council,in_use\n"
        b"ferry-pay,south-council,in_use\n"
        b"ferry-pay,harbour-office,in_use\n"
    )
    _import(adoptions)
    assert Platform.objects.get(slug="ferry-pay").reuse_count == 2  # the owner's own use aside
    assert_counts_fresh()

    # Given to one of its adopters: that body's use is no longer reuse.
    plan = run_import(
        [("platforms.csv", _csv("ferry-pay,Ferry Pay,Takes payments.,north-council,live,,,,,"))],
        "csv",
        None,
        None,
        dry_run=False,
    )
    assert plan.applied, [str(p) for p in plan.errors]
    assert Platform.objects.get(slug="ferry-pay").reuse_count == 2  # south and harbour
    assert_counts_fresh()
