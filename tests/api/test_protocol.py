"""What every endpoint shares: authentication, the error shape, throttling, CSV, the schema."""

import csv
import io

import pytest
from django.core.management import call_command
from rest_framework.throttling import AnonRateThrottle

from tests.factories import (
    AdoptionFactory,
    CapabilityFactory,
    PublishedPlatformFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_obtain_a_token_and_use_it(api_client, org_a):
    UserFactory(username="editor")
    response = api_client.post(
        "/api/v1/auth/token/",
        {"username": "editor", "password": "correct horse battery staple"},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/platforms/").status_code == 200


def test_wrong_password_is_400_in_the_error_shape(api_client):
    UserFactory(username="editor")
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "editor", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "non_field_errors" in body["errors"]


def test_a_bad_token_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = api_client.get("/api/v1/platforms/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Token"


def test_anonymous_write_is_401_with_the_error_shape(api_client):
    response = api_client.post("/api/v1/platforms/", {}, format="json")
    assert response.status_code == 401
    assert response.json() == {
        "status": 401,
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided. Send 'Authorization: "
        "Token <your token>'.",
        "errors": {},
    }


def test_throttled_is_429_with_retry_after(api_client, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "2/minute", raising=False)
    for _ in range(2):
        assert api_client.get("/api/v1/capabilities/").status_code == 200
    response = api_client.get("/api/v1/capabilities/")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_a_mangled_cursor_is_400(api_client):
    response = api_client.get("/api/v1/platforms/", {"cursor": "bz1iYW5hbmE="})  # o=banana
    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


def test_csv_on_list_endpoints(api_client, org_a):
    platform = PublishedPlatformFactory(slug="pay", name="=Pay", owner=org_a)
    platform.capabilities.add(CapabilityFactory(slug="payments"), CapabilityFactory(slug="cards"))
    AdoptionFactory(platform=platform)
    response = api_client.get("/api/v1/platforms/", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["slug"] == "pay"
    assert rows[0]["name"] == "'=Pay"  # no formula injection into spreadsheets
    assert rows[0]["owner.slug"] == "alpha-office"
    assert sorted(rows[0]["capabilities"].split("; ")) == ["cards", "payments"]
    assert rows[0]["reuse_count"] == "1"
    for url in (
        "/api/v1/adoptions/",
        "/api/v1/organisations/",
        "/api/v1/capabilities/",
        "/api/v1/platforms/pay/adoptions/",
    ):
        assert api_client.get(url, {"format": "csv"})["Content-Type"].startswith("text/csv")


def test_csv_errors_are_still_json(api_client):
    response = api_client.get("/api/v1/platforms/", {"format": "csv", "phase": "banana"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_csv_is_not_offered_on_detail(api_client):
    PublishedPlatformFactory(slug="pay")
    assert api_client.get("/api/v1/platforms/pay/", {"format": "csv"}).status_code == 404


def test_schema_and_docs_are_served(api_client):
    assert api_client.get("/api/schema/").status_code == 200
    assert api_client.get("/api/docs/").status_code == 200
    assert api_client.get("/api/redoc/").status_code == 200


def test_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))
    schema = (tmp_path / "s.yaml").read_text()
    assert "Error:" in schema  # the error component
    assert "/api/v1/platforms/{slug}/dependents/" in schema
