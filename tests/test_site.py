import pytest

from tests.factories import AdoptionFactory, DraftPlatformFactory, PublishedPlatformFactory

pytestmark = pytest.mark.django_db


def test_health_check_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_home_page_lists_the_most_reused_published_platforms(client):
    notify = PublishedPlatformFactory(name="GOV.UK Notify")
    for _ in range(3):
        AdoptionFactory(platform=notify)
    AdoptionFactory(platform=PublishedPlatformFactory(name="GOV.UK Pay"))
    DraftPlatformFactory(name="Secret draft")

    response = client.get("/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "2 published platforms" in page
    assert page.index("GOV.UK Notify") < page.index("GOV.UK Pay")
    assert "Secret draft" not in page


def test_home_page_escapes_names(client):
    AdoptionFactory(platform=PublishedPlatformFactory(name="<script>alert(1)</script>"))
    page = client.get("/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
