"""Throttles count per real client address, in the database shared by every worker."""

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


def test_the_counts_are_kept_in_the_database(client, three_a_minute):
    from api.models import ThrottleCount

    client.get(LIST)
    assert ThrottleCount.objects.filter(key__contains="throttle_anon").exists()


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
    from api.models import ThrottleCount
    from tests.factories import UserFactory

    def keys():
        return sorted(ThrottleCount.objects.values_list("key", flat=True))

    client.get(LIST)
    assert keys() == ["throttle_anon_127.0.0.1"]
    user = UserFactory()
    client.force_login(user)
    client.get(LIST)
    assert keys() == ["throttle_anon_127.0.0.1", f"throttle_user_{user.pk}"]
