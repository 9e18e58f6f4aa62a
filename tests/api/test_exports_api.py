"""GET /api/v1/catalogue.jsonld and /api/v1/exports/{resource}.{csv|json}: the published catalogue
as files, for anyone; drafts never in them."""

import csv
import io
import json

import pytest

from platforms.models import Platform
from tests.factories import (
    AdoptionFactory,
    CapabilityFactory,
    DraftPlatformFactory,
    PublishedPlatformFactory,
)

pytestmark = pytest.mark.django_db


def body(response) -> str:
    """Exports are streamed."""
    assert response.streaming
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def catalogue(org_a, org_b):
    live = PublishedPlatformFactory(slug="live", name="Live one", owner=org_a, licence="MIT")
    live.capabilities.set([CapabilityFactory(slug="payments", name="Payments")])
    draft = DraftPlatformFactory(slug="hidden-draft", name="Hidden draft", owner=org_a)
    PublishedPlatformFactory(
        slug="old", owner=org_a, phase=Platform.Phase.RETIRING, replaced_by=draft
    )
    AdoptionFactory(platform=live, organisation=org_b)
    AdoptionFactory(platform=draft, organisation=org_b, use_case="hidden-use")
    return live


def test_the_catalogue_as_dcat_json_ld(catalogue, api_client):
    response = api_client.get("/api/v1/catalogue.jsonld")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    text = body(response)
    document = json.loads(text)
    assert document["@type"] == "dcat:Catalog"
    # IRIs come from SITE_URL, whatever host the request used.
    assert document["@id"] == "http://127.0.0.1:8000/api/v1/catalogue.jsonld"
    platforms = {s["dct:identifier"]: s for s in document["dcat:resource"]}
    assert set(platforms) == {"live", "old"}
    assert platforms["live"]["@id"] == "http://127.0.0.1:8000/api/v1/platforms/live/"
    assert platforms["live"]["dct:license"]["@id"] == "https://spdx.org/licenses/MIT"
    assert "hidden" not in text


def test_json_ld_whatever_the_client_accepts(catalogue, api_client):
    response = api_client.get("/api/v1/catalogue.jsonld", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    assert api_client.get("/api/v1/catalogue.jsonld", {"format": "xml"}).status_code == 404


@pytest.mark.parametrize("resource", ["platforms", "organisations", "adoptions"])
def test_csv_exports(catalogue, api_client, resource):
    response = api_client.get(f"/api/v1/exports/{resource}.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{resource}.csv"'
    text = body(response)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows
    assert "hidden" not in text


@pytest.mark.parametrize("resource", ["platforms", "organisations", "adoptions"])
def test_json_exports(catalogue, api_client, resource):
    response = api_client.get(f"/api/v1/exports/{resource}.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    text = body(response)
    records = json.loads(text)
    assert isinstance(records, list) and records
    assert "hidden" not in text


def test_published_platforms_only_and_no_hidden_replacement(catalogue, api_client):
    rows = list(csv.DictReader(io.StringIO(body(api_client.get("/api/v1/exports/platforms.csv")))))
    assert {row["slug"] for row in rows} == {"live", "old"}
    assert {row["slug"]: row["replaced_by"] for row in rows}["old"] == ""
    assert {row["slug"]: row["capabilities"] for row in rows}["live"] == "payments"
    records = json.loads(body(api_client.get("/api/v1/exports/platforms.json")))
    assert {r["slug"]: r["replaced_by"] for r in records} == {"live": "", "old": ""}
    assert {r["slug"]: r["capabilities"] for r in records}["live"] == ["payments"]
    adoptions = json.loads(body(api_client.get("/api/v1/exports/adoptions.json")))
    assert [a["platform"] for a in adoptions] == ["live"]


def test_a_published_replacement_is_named(catalogue, api_client):
    Platform.objects.filter(slug="hidden-draft").update(state=Platform.State.PUBLISHED)
    records = json.loads(body(api_client.get("/api/v1/exports/platforms.json")))
    assert {r["slug"]: r["replaced_by"] for r in records}["old"] == "hidden-draft"


@pytest.mark.parametrize(
    "path",
    ["drafts.csv", "platforms.xml", "platforms.", "a/b.csv", "platforms.csv.csv"],
)
def test_unknown_exports_are_404_in_the_error_shape(api_client, path):
    response = api_client.get(f"/api/v1/exports/{path}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "platforms.csv" in response.json()["message"]


def test_exports_are_for_reading(api_client):
    assert api_client.post("/api/v1/exports/platforms.csv").status_code in (401, 403, 405)
    assert api_client.post("/api/v1/catalogue.jsonld").status_code in (401, 403, 405)
