"""The UK API catalogue as an import format and as reference data (issue 11), with its quirks:
provider slugs that are not GOV.UK's (one with a capital), URLs shared by several APIs or blank,
multi-line descriptions, licences that are terms URLs."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from platforms.importers import run_import
from platforms.models import Organisation, Platform
from tests.api.conftest import client_for
from tests.factories import AdminUserFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "uk-api-catalogue"
ROOT = Path(__file__).resolve().parents[2]


def _files():
    return [(name, (DATA / name).read_bytes()) for name in ("catalogue.csv", "organisation.csv")]


@pytest.fixture
def providers():
    """Some of GOV.UK's organisations, under GOV.UK's slugs."""
    OrganisationFactory(slug="companies-house", name="Companies House", abbreviation="CH")
    OrganisationFactory(
        slug="office-for-national-statistics",
        name="Office for National Statistics",
        abbreviation="ONS",
    )
    OrganisationFactory(slug="insolvency-service", name="The Insolvency Service")
    OrganisationFactory(slug="hm-revenue-customs", name="HM Revenue & Customs", abbreviation="HMRC")


def test_apis_are_owned_by_their_providers_matched_to_govuk(providers):
    plan = run_import(_files(), "uk-api-catalogue", None, None, dry_run=False)
    assert plan.applied, [str(p) for p in plan.errors]
    companies = Platform.objects.filter(owner__slug="companies-house")
    assert {p.name for p in companies} == {"Companies House", "Companies House Streaming"}
    assert all(p.kind == "api" and p.is_published for p in companies)
    # ONS under another slug and a misspelt name; the Insolvency Service with a capital slug.
    assert Platform.objects.filter(owner__slug="office-for-national-statistics").count() == 2
    assert Platform.objects.filter(owner__slug="insolvency-service").count() == 1
    assert Platform.objects.filter(owner__slug="hm-revenue-customs").count() == 30
    # Providers that match nothing are reported, their APIs not guessed onto anyone.
    report = " ".join(p.message for p in plan.warnings)
    assert "UK API catalogue providers: 26 names" in report
    assert "'Transport for London'" in report
    assert not Platform.objects.filter(name="Transport for London Unified API").exists()


def test_the_quirks_of_the_data(providers):
    run_import(_files(), "uk-api-catalogue", None, None, dry_run=False)
    hmrc = Platform.objects.filter(owner__slug="hm-revenue-customs")
    # Several APIs share one URL: still one platform each, found again by their own key.
    assert len({p.service_url for p in hmrc}) < hmrc.count()
    assert all(p.summary and len(p.summary) <= 300 for p in Platform.objects.all())
    stream = Platform.objects.get(name="Companies House Streaming")
    assert "urn:uk-api-catalogue:companies-house/companies-house-streaming" in stream.sources
    again = run_import(_files(), "uk-api-catalogue", None, None, dry_run=False)
    assert again.ok and not again.created and not again.updated


def test_the_format_through_the_api_is_for_administrators(providers):
    admin = AdminUserFactory()
    data = {
        "format": "uk-api-catalogue",
        "file": [SimpleUploadedFile(name, body) for name, body in _files()],
    }
    response = client_for(admin).post("/api/v1/imports/", data, format="multipart")
    assert response.status_code == 200, response.json()
    assert len(response.json()["created"]) == 35
    alone = {"format": "uk-api-catalogue", "file": SimpleUploadedFile("c.csv", _files()[0][1])}
    refused = client_for(admin).post("/api/v1/imports/", alone, format="multipart")
    assert refused.status_code == 400
    assert "organisation.csv" in refused.json()["message"]


def test_the_command_imports_the_folder(providers, capsys):
    call_command("import_catalogue", str(DATA), "--format", "uk-api-catalogue")
    out = capsys.readouterr().out
    assert "Imported: 35 created" in out
    assert Organisation.objects.count() == 4  # no organisation invented


def test_descriptions_are_plain_text_and_summaries_say_what_the_api_does():
    """The catalogue's HTML, Markdown bold and written-out "\\n" never reach a page."""
    import csv

    from platforms.importers.uk_api_catalogue import api_record

    rows = list(
        csv.DictReader(
            (ROOT / "platforms" / "reference_data" / "uk_api_catalogue.csv").open(encoding="utf-8")
        )
    )
    records = {row["name"]: api_record("catalogue.csv", 2, row, "hmrc") for row in rows}
    for record in records.values():
        for text in (record.fields["summary"], record.fields["description"]):
            assert not any(mark in text for mark in ("<p>", "</p>", "<li>", "**", "\\n")), text
    lisa = records["Lifetime ISA"].fields
    assert lisa["summary"].startswith("This API allows financial organisations to report")
    assert lisa["description"].startswith("Sandbox Endpoint: https://test-api.service.hmrc")
