import pytest

pytestmark = pytest.mark.django_db


def test_health_check_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


# The home page and the other public pages are tested in tests/web/.
