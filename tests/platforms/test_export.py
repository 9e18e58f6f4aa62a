"""CSV, JSON and DCAT-AP JSON-LD exports, and the management commands."""

import csv
import io
import json

import pytest
from django.core.management import call_command

from platforms.exporters import catalogue_jsonld, export_csv, export_json
from tests.factories import (
    AdoptionFactory,
    CapabilityFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    owner = OrganisationFactory(
        slug="gds", name="Government Digital Service", website="https://gds.example"
    )
    notify = PublishedPlatformFactory(
        slug="govuk-notify",
        name="GOV.UK Notify",
        owner=owner,
        service_url="https://www.notifications.service.gov.uk/",
        documentation_url="https://docs.notifications.service.gov.uk/",
        licence="MIT",
        contact_email="notify@example.gov.uk",
        tags=["email", "sms"],
    )
    notify.capabilities.set([CapabilityFactory(slug="notifications", name="Notifications")])
    AdoptionFactory(platform=notify, organisation=OrganisationFactory(slug="hmrc"))
    draft = DraftPlatformFactory(slug="secret-draft", owner=owner)
    AdoptionFactory(platform=draft)
    return notify


def test_csv_and_json_hold_published_records_only(catalogue):
    rows = list(csv.DictReader(io.StringIO(export_csv("platforms"))))
    assert [r["slug"] for r in rows] == ["govuk-notify"]
    assert rows[0]["capabilities"] == "notifications"
    assert rows[0]["tags"] == "email;sms"
    data = json.loads(export_json("platforms"))
    assert data[0]["tags"] == ["email", "sms"]
    adoptions = json.loads(export_json("adoptions"))
    assert [(a["platform"], a["organisation"]) for a in adoptions] == [("govuk-notify", "hmrc")]
    organisations = list(csv.DictReader(io.StringIO(export_csv("organisations"))))
    assert "gds" in {o["slug"] for o in organisations}


def test_dcat_jsonld_structure(catalogue):
    doc = catalogue_jsonld("https://catalogue.example")
    context = doc["@context"]
    assert context["dcat"] == "http://www.w3.org/ns/dcat#"
    assert context["dct"] == "http://purl.org/dc/terms/"
    assert context["adms"] == "http://www.w3.org/ns/adms#"
    assert doc["@type"] == "dcat:Catalog"
    assert doc["@id"] == "https://catalogue.example/api/v1/catalogue.jsonld"
    assert doc["dct:title"] and doc["dct:description"] and doc["dct:modified"]
    (service,) = doc["dcat:service"]
    assert service["@type"] == ["dcat:DataService", "adms:Asset"]
    assert service["dct:title"] == "GOV.UK Notify"
    assert service["dct:publisher"]["foaf:name"] == "Government Digital Service"
    assert service["dcat:landingPage"]["@id"] == "https://www.notifications.service.gov.uk/"
    assert service["dcat:endpointURL"]["@id"] == "https://www.notifications.service.gov.uk/"
    assert service["dct:license"]["@id"] == "https://spdx.org/licenses/MIT"
    assert service["dcat:theme"][0]["skos:prefLabel"] == "Notifications"
    assert service["adms:status"]["@id"] == "http://purl.org/adms/status/Completed"
    assert service["dct:modified"]
    json.dumps(doc)  # serialisable as it is


def test_export_command_writes_a_file(catalogue, tmp_path):
    out = tmp_path / "catalogue.jsonld"
    call_command("export_catalogue", "--format", "jsonld", "--output", str(out))
    assert json.loads(out.read_text())["@type"] == "dcat:Catalog"
    out = tmp_path / "platforms.csv"
    call_command(
        "export_catalogue", "--format", "csv", "--resource", "platforms", "--output", str(out)
    )
    assert "govuk-notify" in out.read_text()


def test_import_command_round_trip(catalogue, tmp_path):
    out = tmp_path / "platforms.csv"
    call_command("export_catalogue", "--format", "csv", "--output", str(out))
    stdout = io.StringIO()
    call_command("import_catalogue", str(out), "--format", "csv", "--dry-run", stdout=stdout)
    assert "0 created, 0 updated, 1 unchanged" in stdout.getvalue()


@pytest.mark.django_db
def test_an_export_never_names_a_draft_replacement():
    from platforms.exporters.tabular import platform_row
    from tests.factories import DraftPlatformFactory, RetiredPlatformFactory

    secret = DraftPlatformFactory(name="Unannounced successor")
    retired = RetiredPlatformFactory(replaced_by=secret)
    assert platform_row(retired)["replaced_by"] == ""
