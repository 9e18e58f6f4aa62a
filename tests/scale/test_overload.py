"""Under overload the service sheds slow work instead of queueing it: PostgreSQL stops a statement
after ``DATABASE_STATEMENT_TIMEOUT`` and the API answers 503 in its error shape, not a 500."""

import pytest
from django.conf import settings
from django.db import connection

from platforms import search

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def test_the_connection_carries_the_statement_timeout():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        shown = cursor.fetchone()[0]
    assert settings.DATABASE_STATEMENT_TIMEOUT > 0
    assert shown in (f"{settings.DATABASE_STATEMENT_TIMEOUT}ms", "10s"), shown


def test_a_cancelled_statement_answers_503_in_the_error_shape(api_client, monkeypatch):
    def slow_search(queryset, query):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 50")
            cursor.execute("SELECT pg_sleep(2)")
        return queryset

    monkeypatch.setattr(search, "search", slow_search)
    response = api_client.get("/api/v1/search/", {"q": "payments"})
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == 503 and body["code"] == "service_busy"
    assert "too long" in body["message"]
