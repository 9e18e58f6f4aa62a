"""Date-time filters take any ISO 8601 offset Python reads, on both databases (PostgreSQL refuses
offsets beyond 15:59 that Python accepts: found by the schema fuzzing as a 500)."""

import pytest

from tests.factories import PublishedPlatformFactory

pytestmark = pytest.mark.django_db


def test_an_offset_postgresql_would_refuse_is_compared_in_utc(api_client):
    PublishedPlatformFactory(slug="pay")
    response = api_client.get(
        "/api/v1/platforms/", {"updated_after": "0256-11-15T00:26:08.058-19:45"}
    )
    assert response.status_code == 200
    assert [row["slug"] for row in response.json()["results"]] == ["pay"]


def test_a_date_time_before_year_one_in_utc_is_refused(api_client):
    response = api_client.get("/api/v1/platforms/", {"updated_after": "0001-01-01T00:00:00+05:00"})
    assert response.status_code == 400
    assert "updated_after" in response.json()["errors"]
