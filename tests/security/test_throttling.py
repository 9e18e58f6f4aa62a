"""Throttles count per real client address, in the shared database cache."""

import pytest
from rest_framework.throttling import AnonRateThrottle

LIST = "/api/v1/capabilities/"


@pytest.fixture
def three_a_minute(monkeypatch, database_cache):
    monkeypatch.setitem(AnonRateThrottle.THROTTLE_RATES, "anon", "3/minute")
    return database_cache


@pytest.fixture
def behind_one_proxy(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def test_a_spoofed_forwarded_for_does_not_dodge_the_429(client, three_a_minute):
    codes = [client.get(LIST, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(5)]
    assert codes == [200, 200, 200, 429, 429]


def test_the_counts_are_kept_in_the_database_cache(client, three_a_minute):
    from django.db import connection

    client.get(LIST)
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM catalogue_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert any("throttle_anon" in key for key in keys)


def test_behind_a_proxy_each_client_has_its_own_allowance(client, three_a_minute, behind_one_proxy):
    # The proxy appends the address it saw; whatever the client put before it is ignored.
    first = [
        client.get(LIST, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.7").status_code
        for n in range(4)
    ]
    assert first == [200, 200, 200, 429]
    assert client.get(LIST, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200


def test_the_token_endpoint_limits_attempts_per_address(client, database_cache, monkeypatch):
    monkeypatch.setitem(AnonRateThrottle.THROTTLE_RATES, "login", "3/minute")
    codes = [
        client.post(
            "/api/v1/auth/token/",
            {"username": f"someone{n}", "password": "guess"},
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        ).status_code
        for n in range(4)
    ]
    assert codes == [400, 400, 400, 429]


def test_an_anonymous_request_is_counted_once_and_a_signed_in_one_by_user(client, three_a_minute):
    from django.db import connection

    from tests.factories import UserFactory

    def keys():
        with connection.cursor() as cursor:
            cursor.execute("SELECT cache_key FROM catalogue_cache")
            return sorted(row[0].split(":")[-1] for row in cursor.fetchall())

    client.get(LIST)
    assert keys() == ["throttle_anon_127.0.0.1"]
    user = UserFactory()
    client.force_login(user)
    client.get(LIST)
    assert keys() == ["throttle_anon_127.0.0.1", f"throttle_user_{user.pk}"]
