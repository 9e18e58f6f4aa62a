"""Export -> import of a whole catalogue is a round trip (issue 11): platforms, adoptions and
dependencies, with nothing lost."""

import datetime

import pytest

from platforms.exporters import export_csv
from platforms.importers import run_import
from platforms.models import Adoption, Dependency, Platform
from tests.factories import (
    AdoptionFactory,
    CapabilityFactory,
    DependencyFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    RetiredPlatformFactory,
    editor_of,
)

pytestmark = pytest.mark.django_db

RESOURCES = ("platforms", "adoptions", "dependencies")


@pytest.fixture
def catalogue():
    gds = OrganisationFactory(slug="gds", name="Government Digital Service")
    hmrc = OrganisationFactory(slug="hmrc", name="HM Revenue & Customs")
    dwp = OrganisationFactory(slug="dwp", name="Department for Work and Pensions")
    payments = CapabilityFactory(slug="payments", name="Payments")
    pay = PublishedPlatformFactory(slug="pay", name="Pay", owner=gds, kind="service_platform")
    pay.capabilities.set([payments])
    notify = PublishedPlatformFactory(slug="notify", name="Notify", owner=gds, kind="api")
    old = RetiredPlatformFactory(slug="old-pay", name="Old Pay", owner=hmrc, replaced_by=pay)
    AdoptionFactory(
        platform=pay,
        organisation=hmrc,
        status=Adoption.Status.IN_USE,
        use_case="Self assessment payments",
        start_date=datetime.date(2020, 1, 1),
        notes="Cards and Apple Pay",
        evidence_source="GOV.UK Pay performance",
        evidence_url="https://www.payments.service.gov.uk/performance/",
        evidence_date=datetime.date(2024, 8, 1),
        evidence_name="HMRC",
    )
    AdoptionFactory(platform=pay, organisation=dwp, status=Adoption.Status.PILOTING, use_case="")
    AdoptionFactory(
        platform=notify,
        organisation=dwp,
        status=Adoption.Status.STOPPED,
        start_date=datetime.date(2019, 5, 1),
        end_date=datetime.date(2021, 5, 1),
    )
    DependencyFactory(platform=pay, depends_on=notify, kind="runtime", description="Receipts")
    DependencyFactory(platform=old, depends_on=notify, kind="data")
    # Drafts are not exported, nor is anything that names one.
    draft = DraftPlatformFactory(slug="secret", owner=gds)
    DependencyFactory(platform=pay, depends_on=draft)
    return gds


def _exports():
    return {resource: export_csv(resource) for resource in RESOURCES}


def _import(exports, **kwargs):
    files = [(f"{name}.csv", text.encode()) for name, text in exports.items()]
    return run_import(files, "csv", None, kwargs.pop("actor", None), **kwargs)


def test_the_exports_name_no_draft(catalogue):
    exported = _exports()
    assert all("secret" not in text for text in exported.values())
    assert exported["dependencies"].splitlines()[0] == "platform,depends_on,kind,description"
    assert len(exported["adoptions"].splitlines()) == 4
    assert len(exported["dependencies"].splitlines()) == 3


def test_the_same_catalogue_imports_unchanged(catalogue):
    plan = _import(_exports(), dry_run=False)
    assert plan.ok, [str(p) for p in plan.errors]
    assert not plan.created and not plan.updated
    assert plan.adoptions_created == 0 and plan.dependencies_created == 0


def test_an_exported_catalogue_imported_into_an_empty_one_exports_the_same(catalogue):
    exported = _exports()
    Adoption.objects.all().delete()
    Dependency.objects.all().delete()
    Platform.objects.filter(slug="old-pay").delete()
    Platform.objects.exclude(slug="secret").delete()

    plan = _import(exported, dry_run=True)
    assert plan.ok and plan.adoptions_created == 3 and plan.dependencies_created == 2
    assert Platform.objects.count() == 1  # a dry run writes nothing

    plan = _import(exported, dry_run=False)
    assert plan.applied, [str(p) for p in plan.errors]
    assert _exports() == exported
    assert Platform.objects.get(slug="notify").kind == "api"


def test_adoption_rows_for_platforms_already_there(catalogue):
    dwp_editor = editor_of(OrganisationFactory(slug="dwp"))
    text = (
        "platform,organisation,status,use_case\n"
        "notify,dwp,in_use,Universal Credit letters\n"
        "secret,dwp,in_use,\n"
        "notify,hmrc,in_use,\n"
    )
    plan = run_import([("adoptions.csv", text.encode())], "csv", None, dwp_editor)
    # A draft is reported like a slug nobody uses; another consumer's adoption is not theirs.
    assert [str(p.message) for p in plan.errors] == ["No platform has the slug 'secret'."]
    assert any("You cannot record adoptions for HM Revenue" in p.message for p in plan.warnings)


def test_bad_rows_are_located(catalogue):
    text = "platform,depends_on,kind,description\npay,notify,sideways,\npay,,runtime,\n"
    plan = run_import([("dependencies.csv", text.encode())], "csv", None, None)
    assert [(p.line, p.field) for p in plan.errors] == [(2, "kind"), (3, "depends_on")]
