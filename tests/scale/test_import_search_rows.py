"""The search rows after a bulk import (issue 14, "importing 100k platforms from CSV < 60 s"):
on PostgreSQL the import leaves the search rows' triggers idle for its transaction and fills
the rows of the platforms it wrote at its end, in one statement. They must be exactly the rows
counted from scratch, and every write after the import (even in the same transaction) must
keep them right through the triggers again."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from platforms import services
from platforms.importers import run_import
from platforms.importers.search_rows import SETTING, bulk_search_rows
from platforms.models import Platform
from tests.factories import (
    AdminUserFactory,
    CapabilityFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    StandardFactory,
)
from tests.scale.test_search_speed import fresh_rows, stored_rows

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres(reason="the search rows are the PostgreSQL backend's"),
]

HEADER = "slug,name,summary,owner,phase,replaced_by,capabilities,standards,tags,description"


@pytest.fixture
def catalogue():
    harbour = OrganisationFactory(slug="harbour-office", name="Harbour Office")
    OrganisationFactory(slug="north-council", name="North Council")
    OrganisationFactory(slug="south-council", name="South Council")
    payments = CapabilityFactory(slug="payments", name="Payments")
    CapabilityFactory(slug="geocoding", name="Geocoding")
    StandardFactory(slug="wcag-22", name="WCAG 2.2")
    PublishedPlatformFactory(slug="old-quay", name="Old Quay", owner=harbour).capabilities.set(
        [payments]
    )
    PublishedPlatformFactory(slug="bystander", name="Bystander")
    assert stored_rows() == fresh_rows()


def _import(*lines: str, header: str = HEADER) -> None:
    body = ("\n".join([header, *lines]) + "\n").encode()
    plan = run_import([("file.csv", body)], "csv", None, None, dry_run=False)
    assert plan.applied, [str(p) for p in plan.errors]


def _setting() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [SETTING])
        return cursor.fetchone()[0]


def test_after_a_bulk_import_the_search_rows_are_those_counted_from_scratch(catalogue):
    before = {row[0]: row for row in stored_rows()}
    _import(
        # New platforms with links between them, capabilities and standards.
        "ferry-pay,Ferry Pay,Takes payments.,harbour-office,live,,payments;geocoding,wcag-22,,",
        "old-ferry-pay,Old Ferry Pay,Took payments.,harbour-office,retired,ferry-pay,payments,,,",
        "dock-data,Dock Data,Tides.,north-council,beta,,,,,",
        # A platform already there: a new phase and other capabilities (its links rewritten).
        "old-quay,Old Quay,Moors boats.,harbour-office,retiring,,geocoding,wcag-22,,",
    )
    # Adoptions: the reuse count the search walks in.
    _import(
        "ferry-pay,north-council,in_use",
        "ferry-pay,south-council,in_use",
        header="platform,organisation,status",
    )
    rows = stored_rows()
    assert rows == fresh_rows()
    by_slug = {row[7]: row for row in rows}
    assert set(by_slug) == {"old-quay", "bystander", "ferry-pay", "old-ferry-pay", "dock-data"}
    assert by_slug["ferry-pay"][6] == 2  # reuse count
    assert by_slug["old-quay"][3] == Platform.Phase.RETIRING
    assert by_slug["old-quay"] != before[by_slug["old-quay"][0]]
    assert _setting() == "off"  # the triggers work again in this transaction


def test_a_single_write_after_a_bulk_import_still_updates_the_rows(catalogue):
    admin = AdminUserFactory()
    with transaction.atomic():  # the import and the write in one transaction
        _import("ferry-pay,Ferry Pay,Takes payments.,harbour-office,live,,payments,,,")
        ferry = Platform.objects.get(slug="ferry-pay")
        services.platform_update(
            actor=admin,
            platform=ferry,
            data={"name": "Ferry Payments", "capabilities": [], "phase": "beta"},
        )
        services.adoption_record(
            actor=admin, platform=ferry, organisation=OrganisationFactory(name="East Council")
        )
    rows = stored_rows()
    assert rows == fresh_rows()
    (ferry_row,) = [row for row in rows if row[7] == "ferry-pay"]
    assert (ferry_row[8], ferry_row[3], ferry_row[6], ferry_row[-2]) == (
        "Ferry Payments",
        "beta",
        1,
        [],
    )


def test_inside_a_bulk_write_the_triggers_leave_the_rows_to_the_refill(catalogue):
    quay = Platform.objects.get(slug="old-quay")
    with bulk_search_rows() as written:
        Platform.objects.filter(pk=quay.pk).update(name="Renamed Quay")
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM platforms_search_row WHERE id = %s", [quay.pk])
            assert cursor.fetchone() == ("Old Quay",)  # untouched until the end
        written.add(quay.pk)
    assert stored_rows() == fresh_rows()
    assert _setting() == "off"


def test_after_generate_catalogue_the_search_rows_are_those_counted_from_scratch():
    from django.core.management import call_command

    call_command(
        "generate_catalogue",
        platforms=300,
        organisations=40,
        adoptions=3000,
        dependencies=200,
        seed=7,
        no_progress=True,
        stdout=None,
    )
    rows = stored_rows()
    assert len(rows) == Platform.objects.count() == 300
    assert rows == fresh_rows()
    assert _setting() == "off"


def test_a_platform_deleted_inside_a_bulk_write_loses_its_search_rows(catalogue):
    gone = Platform.objects.get(slug="bystander")
    kept = Platform.objects.get(slug="old-quay")
    with bulk_search_rows() as written:
        Platform.objects.filter(pk=gone.pk).delete()
        written.update({gone.pk, kept.pk})
    rows = stored_rows()
    assert rows == fresh_rows()
    assert [row[7] for row in rows] == ["old-quay"]


def test_after_a_bulk_import_no_search_index_keeps_a_pending_list(catalogue):
    """The GIN indexes of the search rows take a bulk write's entries in their pending lists;
    every writer empties them before it commits, so a search never reads one."""
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        except Exception:  # noqa: BLE001 - a role that may not add it
            pytest.skip("pgstattuple is not available")
    _import(
        *(
            f"dock-{n},Dock Data {n} Tide Gauge,Tides {n}.,north-council,beta,,payments,wcag-22,,"
            for n in range(300)
        )
    )
    with connection.cursor() as cursor:
        for index in ("search_row_document", "search_name_trgm", "search_name_words"):
            cursor.execute("SELECT pending_pages, pending_tuples FROM pgstatginindex(%s)", [index])
            assert cursor.fetchone() == (0, 0), index
