"""The throttles' shared store: one statement per request on the database, a window that ends,
expired windows pruned, no lost counts under concurrent requests, and the cache (Redis in
production) used instead when it is not the database cache."""

import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from rest_framework.throttling import AnonRateThrottle

from api import security
from api.models import ThrottleCount

LIST = "/api/v1/capabilities/"


@pytest.fixture
def clock(monkeypatch):
    """The throttles' time, moved by hand."""
    now = [1_800_000_000.0]
    monkeypatch.setattr(security.CountedRateThrottle, "timer", lambda self: now[0])
    return now


@pytest.fixture
def three_a_minute(monkeypatch):
    monkeypatch.setitem(AnonRateThrottle.THROTTLE_RATES, "anon", "3/minute")


@pytest.fixture
def no_pruning_yet(monkeypatch):
    monkeypatch.setattr(security, "_next_prune", float("inf"))


def _statements(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST).status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_a_request_costs_one_statement_for_its_count(client, database_cache, no_pruning_yet):
    with_count = _statements(client)
    counting = [sql for sql in with_count if "api_throttle_count" in sql]
    assert len(counting) == 1
    assert counting[0].lstrip().upper().startswith("INSERT")
    # Nothing else of the request touches a store: the database cache is not read or written.
    assert not [sql for sql in with_count if "catalogue_cache" in sql]


def test_the_window_ends_and_retry_after_says_when(
    client, database_cache, three_a_minute, clock, no_pruning_yet
):
    assert [client.get(LIST).status_code for _ in range(3)] == [200, 200, 200]
    clock[0] += 20
    refused = client.get(LIST)
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert refused["Retry-After"] == "40"
    clock[0] += 40
    assert client.get(LIST).status_code == 200


def test_refused_requests_do_not_make_the_window_longer(
    client, database_cache, three_a_minute, clock, no_pruning_yet
):
    for _ in range(3):
        client.get(LIST)
    for _ in range(5):
        clock[0] += 10
        assert client.get(LIST).status_code == 429
    clock[0] += 10  # 60 s after the first request
    assert client.get(LIST).status_code == 200


def test_expired_windows_are_pruned(client, database_cache, clock, monkeypatch):
    ThrottleCount.objects.create(key="throttle_anon_192.0.2.1", count=9, expires=clock[0] - 1)
    ThrottleCount.objects.create(key="throttle_anon_192.0.2.2", count=2, expires=clock[0] + 30)
    monkeypatch.setattr(security, "_next_prune", 0.0)
    client.get(LIST)
    assert sorted(ThrottleCount.objects.values_list("key", flat=True)) == [
        "throttle_anon_127.0.0.1",
        "throttle_anon_192.0.2.2",
    ]
    # Pruning is at most once a minute per process: the next request only counts.
    assert len([sql for sql in _statements(client) if "api_throttle_count" in sql]) == 1


def test_an_overlong_forwarded_address_is_counted_not_a_500(client, database_cache, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    response = client.get(LIST, HTTP_X_FORWARDED_FOR="2001:db8::" + "f" * 1000)
    assert response.status_code == 200
    (key,) = ThrottleCount.objects.values_list("key", flat=True)
    assert len(key) <= 255


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="in-memory test SQLite; the live gunicorn test shares a SQLite file between workers",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_lose_no_count(database_cache, no_pruning_yet):
    threads, hits = 8, 25
    seen: list[int] = []
    lock = threading.Lock()

    def hammer():
        try:
            for _ in range(hits):
                count, _ends = security.count_request("throttle_anon_198.51.100.9", 60, 1e9)
                with lock:
                    seen.append(count)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=hammer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    # Every request got its own number: no two read the same count.
    assert sorted(seen) == list(range(1, threads * hits + 1))


def test_with_a_real_cache_the_counts_go_there_and_not_to_the_database(
    client, db, three_a_minute, clock
):
    # The tests' in-memory cache stands for Redis (CACHE_URL): the same add/incr.
    statements = _statements(client)
    assert not [sql for sql in statements if "api_throttle_count" in sql]
    assert [client.get(LIST).status_code for _ in range(3)] == [200, 200, 429]
    clock[0] += 15
    refused = client.get(LIST)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "45"
    # (The window ends when the cache lets the count expire: the cache's own clock.)
    assert not ThrottleCount.objects.exists()
