"""A public page whose query PostgreSQL cancels (``statement_timeout``) answers the 503 "Sorry,
the service is busy" page, not a 500; the API keeps its 503 ``service_busy`` error shape."""

import pytest
from django.db import connection

from catalogue.web import insights_views

pytestmark = pytest.mark.django_db


def _cancelled(**kwargs):
    """Run a statement PostgreSQL cancels for taking longer than the statement timeout."""
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 50")
        try:
            cursor.execute("SELECT pg_sleep(2)")
        finally:
            cursor.execute("RESET statement_timeout")
    return []


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL's statement_timeout"
)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/insights/", "/insights/duplication/"])
def test_a_page_whose_query_is_cancelled_answers_the_busy_page(client, monkeypatch, path):
    monkeypatch.setattr(insights_views, "duplicated_capabilities", _cancelled)
    response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "Sorry, the service is busy" in page
    assert "Try again" in page
    # The next request on the same connection answers normally.
    monkeypatch.undo()
    assert client.get("/insights/contracts/").status_code == 200


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_api_keeps_its_error_shape_for_a_cancelled_insight(api_client, monkeypatch):
    from api import insights

    monkeypatch.setattr(insights, "duplicated_capabilities", _cancelled)
    response = api_client.get("/api/v1/insights/duplication/")
    assert response.status_code == 503
    assert response.json()["code"] == "service_busy"


def test_any_other_database_error_is_still_a_server_error(client, monkeypatch):
    from django.db import OperationalError

    def broken(**kwargs):
        raise OperationalError("disk I/O error")

    monkeypatch.setattr(insights_views, "duplicated_capabilities", broken)
    client.raise_request_exception = False
    response = client.get("/insights/duplication/")
    assert response.status_code == 500
    assert "Sorry, the service is busy" not in response.content.decode()
