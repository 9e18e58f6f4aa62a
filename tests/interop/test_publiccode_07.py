"""publiccode.yml 0.2 to 0.7 (issue 11): supports, the reference parser's version warning,
contractors as supplier and contract end date, every description language, organisation.uri,
and the original document kept and downloadable."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from platforms.importers import run_import
from platforms.models import Platform
from tests.api.conftest import client_for
from tests.factories import OrganisationFactory, editor_of

pytestmark = pytest.mark.django_db

TESTDATA = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "data"
    / "italia-publiccode-parser-testdata"
    / "v0"
)

DOCUMENT = """publiccodeYmlVersion: "{version}"
name: Case Tracker
url: "https://github.com/example/case-tracker"
platforms: [web]
categories: [it-development]
developmentStatus: stable
softwareType: standalone/web
organisation:
  name: Example Office
  uri: "https://www.example-office.gov.uk/"
supports:
  - id: alias:gdpr
  - id: "urn:iso:std:iso:27001"
description:
  en-GB:
    shortDescription: Tracks cases.
    features: [Case tracking]
    longDescription: >
      {english}
  it:
    shortDescription: Traccia i casi.
    features: [Tracciamento dei casi]
    longDescription: >
      {italian}
legal:
  license: MIT
maintenance:
  type: contract
  contractors:
    - name: Acme Ltd
      until: "2027-03-31"
    - name: Widget plc
      until: "2028-06-30"
  contacts:
    - name: Someone
localisation:
  localisationReady: true
  availableLanguages: [en, it]
"""
ENGLISH = "Case Tracker follows a case from the first contact to its closing, for every team. " * 3
ITALIAN = "Case Tracker segue un caso dal primo contatto alla chiusura, per ogni gruppo. " * 3


def _document(version="0.7"):
    return DOCUMENT.format(version=version, english=ENGLISH, italian=ITALIAN)


@pytest.fixture
def owner():
    return OrganisationFactory(slug="gds", name="Government Digital Service")


@pytest.mark.parametrize("version", ["0", "0.2", "0.4", "0.6", "0.7", "0.7.0"])
def test_versions_up_to_07_are_read(owner, version):
    plan = run_import([("publiccode.yml", _document(version).encode())], "publiccode", owner)
    assert plan.ok, [str(p) for p in plan.errors]
    warned = [p for p in plan.warnings if p.field == "publiccodeYmlVersion"]
    assert bool(warned) == (version[:3] not in ("0", "0.7"))


def test_the_reference_parsers_supports_examples(owner):
    valid = TESTDATA / "valid" / "no-network" / "valid_with_supports.yml"
    invalid = TESTDATA / "invalid" / "no-network" / "supports_unknown_alias.yml"
    assert run_import([(valid.name, valid.read_bytes())], "publiccode", owner).ok
    refused = run_import([(invalid.name, invalid.read_bytes())], "publiccode", owner)
    assert [p.field for p in refused.errors] == ["supports[0].id"]


def test_contractors_languages_owner_and_original_are_kept(owner):
    named = OrganisationFactory(
        slug="example-office", name="Example Office", website="https://example-office.gov.uk"
    )
    plan = run_import(
        [("publiccode.yml", _document().encode())], "publiccode", owner, None, dry_run=False
    )
    assert plan.applied, [str(p) for p in plan.errors]
    platform = Platform.objects.get()
    assert platform.owner == named  # organisation.uri names it
    assert platform.supplier == "Acme Ltd; Widget plc"
    assert str(platform.contract_end_date) == "2028-06-30"
    assert set(platform.descriptions) == {"en-GB", "it"}
    assert platform.descriptions["it"].startswith("Case Tracker segue")
    assert "supports:alias:gdpr" in platform.tags
    assert platform.original_document == _document()
    assert platform.kind == "software_component"


def test_the_api_shows_the_description_in_the_readers_language_and_the_original(owner):
    user = editor_of(owner)
    upload = SimpleUploadedFile("publiccode.yml", _document().encode())
    client = client_for(user)
    response = client.post(
        "/api/v1/imports/",
        {"format": "publiccode", "owner": "gds", "dry_run": "false", "file": upload},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    slug = response.json()["created"][0]["slug"]
    italian = client.get(f"/api/v1/platforms/{slug}/", HTTP_ACCEPT_LANGUAGE="it-IT,it;q=0.9")
    assert italian.json()["description"].startswith("Case Tracker segue")
    english = client.get(f"/api/v1/platforms/{slug}/", HTTP_ACCEPT_LANGUAGE="en-GB")
    assert english.json()["description"].startswith("Case Tracker follows")
    assert english.json()["kind"] == "software_component"
    original = client.get(english.json()["original_document_url"])
    assert original.status_code == 200
    assert original.content.decode() == _document()
    # A draft's original is as private as the draft.
    assert client_for(None).get(f"/api/v1/platforms/{slug}/original/").status_code == 404


def test_platforms_filter_by_kind(owner):
    from tests.factories import PublishedPlatformFactory

    PublishedPlatformFactory(slug="an-api", kind="api", owner=owner)
    PublishedPlatformFactory(slug="a-register", kind="data_register", owner=owner)
    client = client_for(None)
    found = client.get("/api/v1/platforms/?kind=api").json()
    assert [p["slug"] for p in found["results"]] == ["an-api"]
    both = client.get("/api/v1/platforms/?kind=api,data_register").json()
    assert {p["slug"] for p in both["results"]} == {"an-api", "a-register"}
    assert client.get("/api/v1/platforms/?kind=spaceship").status_code == 400
