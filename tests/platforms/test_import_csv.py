"""The catalogue's CSV: the same columns as the export, keyed on slug."""

import pytest

from platforms.exporters import PLATFORM_FIELDNAMES, export_csv
from platforms.importers import run_import
from platforms.models import Platform
from tests.factories import (
    CapabilityFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    RetiredPlatformFactory,
    StandardFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    owner = OrganisationFactory(slug="gds", name="Government Digital Service")
    other = OrganisationFactory(slug="hmrc", name="HM Revenue & Customs")
    payments = CapabilityFactory(slug="payments", name="Payments")
    oidc = StandardFactory(slug="openid-connect", name="OpenID Connect")
    pay = PublishedPlatformFactory(
        slug="govuk-pay",
        name="GOV.UK Pay",
        owner=owner,
        tags=["cards", "refunds"],
        description='Line one,\nline "two".',
        sources="https://www.payments.service.gov.uk/\nhttps://github.com/alphagov/pay",
        licence="MIT",
        is_open_source=True,
        handles_personal_data=True,
        contact_email="pay@example.gov.uk",
    )
    pay.capabilities.set([payments])
    pay.standards.set([oidc])
    old = RetiredPlatformFactory(slug="old-pay", name="Old Pay", owner=other)
    old.replaced_by = pay
    old.save()
    PublishedPlatformFactory(slug="draft-only", state=Platform.State.DRAFT, owner=owner)
    return owner


def _run(text, owner=None, **kwargs):
    return run_import([("platforms.csv", text.encode())], "csv", owner, None, **kwargs)


def test_export_then_import_is_a_round_trip(catalogue):
    exported = export_csv("platforms")
    assert exported.splitlines()[0] == ",".join(PLATFORM_FIELDNAMES)
    assert "draft-only" not in exported  # published records only

    # Into the same catalogue: nothing changes.
    plan = _run(exported, dry_run=False)
    assert plan.ok and len(plan.unchanged) == 2 and not plan.created and not plan.updated

    # Into an empty catalogue: the same export comes out again.
    Platform.objects.filter(slug="old-pay").delete()
    Platform.objects.filter(slug="govuk-pay").delete()
    plan = _run(exported, dry_run=False)
    assert plan.applied, [str(p) for p in plan.errors]
    assert len(plan.created) == 2
    assert export_csv("platforms") == exported


def test_second_import_is_a_no_op(catalogue):
    text = export_csv("platforms").replace("GOV.UK Pay", "GOV.UK Pay (renamed)")
    first = _run(text, dry_run=False)
    assert [i.slug for i in first.updated] == ["govuk-pay"]
    assert first.updated[0].changes == ["name"]
    second = _run(text, dry_run=False)
    assert second.ok and not second.updated and len(second.unchanged) == 2


def test_dry_run_writes_nothing(catalogue):
    text = export_csv("platforms").replace("GOV.UK Pay", "Renamed")
    plan = _run(text, dry_run=True)
    assert plan.updated and not plan.applied
    assert Platform.objects.get(slug="govuk-pay").name == "GOV.UK Pay"


def test_errors_carry_line_and_column_and_nothing_is_written(catalogue):
    header = ",".join(PLATFORM_FIELDNAMES)
    good = "new-one,New one,A new platform,,gds,beta,,,,,,,,,,,,,,,,,,"
    bad = "another,Another,Summary,,gds,nonsense,,,,,,,,,,,,,,,,,,"
    plan = _run("\n".join([header, good, bad]) + "\n", dry_run=False)
    assert not plan.applied
    (error,) = plan.errors
    assert (error.line, error.field) == (3, "phase")
    assert "not one of" in error.message
    assert not Platform.objects.filter(slug="new-one").exists()


def test_unknown_columns_are_refused(catalogue):
    plan = _run("slug,name,summary,colour\na,A,B,red\n")
    assert plan.errors[0].line == 1
    assert "Unknown column(s): colour" in plan.errors[0].message


def test_unknown_owner_is_refused(catalogue):
    plan = _run("slug,name,summary,owner\na,A,B,nobody\n")
    assert (plan.errors[0].line, plan.errors[0].field) == (2, "owner")


@pytest.mark.parametrize("running", [True, False])
def test_the_garbage_collector_is_left_as_it_was_even_when_the_import_fails(
    catalogue, monkeypatch, running
):
    """An import pauses Python's cyclic garbage collector while it runs; a web worker that
    imports a file (or fails to) must not be left without one, nor have it started."""
    import gc

    from platforms import importers

    def broken(*args, **kwargs):
        assert not gc.isenabled()
        raise RuntimeError("the database went away")

    monkeypatch.setattr(importers, "write_plan", broken)
    body = b"slug,name,summary\nnew-thing,New Thing,Does things.\n"
    was = gc.isenabled()
    (gc.enable if running else gc.disable)()
    try:
        with pytest.raises(RuntimeError):
            run_import([("f.csv", body)], "csv", "gds", None, dry_run=False)
        assert gc.isenabled() is running
    finally:
        (gc.enable if was else gc.disable)()
