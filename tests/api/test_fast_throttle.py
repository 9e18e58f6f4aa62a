"""The throttles' count on the fast read path when the counts are kept in the database table (the
product's default store): on PostgreSQL the count is made by the page's own statement, so an
answered read is one round trip; the limit, the window and the refusal stay exactly DRF's (the same
key, one count per request, a 429 in the one error shape with its Retry-After), and a request handed
on to DRF is not counted twice. On SQLite DRF's path counts, with the same outcome."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api import security
from api.models import ThrottleCount
from api.security import AnonRateThrottle, SignedInRateThrottle
from tests.api.conftest import client_for
from tests.factories import AdoptionFactory, PublishedPlatformFactory, editor_of

POSTGRES = connection.vendor == "postgresql"
PATHS = [
    "/api/v1/platforms/?page_size=2",
    "/api/v1/platforms/?phase=retired",  # an empty page
    "/api/v1/platforms/shared/",
    "/api/v1/platforms/shared/adoptions/",
    "/api/v1/organisations/adopting-body/adoptions/",
]


@pytest.fixture
def counted(database_table_counts, monkeypatch):
    """Three platforms, one adoption; the once-a-minute pruning out of the way."""
    platform = PublishedPlatformFactory(slug="shared")
    PublishedPlatformFactory()
    PublishedPlatformFactory()
    AdoptionFactory(platform=platform, organisation__slug="adopting-body")
    monkeypatch.setattr(security, "_next_prune", float("inf"))
    return platform


@pytest.fixture
def database_table_counts(settings, db):
    in_memory = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "catalogue_cache",
        }
    }
    yield
    settings.CACHES = in_memory  # before the tests' cache.clear() that follows the database's end


def _counts() -> dict[str, int]:
    return dict(ThrottleCount.objects.values_list("key", "count"))


@pytest.mark.parametrize("path", PATHS)
def test_an_answered_read_is_one_statement_counted_once(counted, path):
    client = client_for(None)
    for expected in (1, 2, 3):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200
        assert _counts() == {"throttle_anon_127.0.0.1": expected}
        if POSTGRES:
            assert len(queries) == 1, [query["sql"] for query in queries]
            assert "INSERT INTO api_throttle_count" in queries[0]["sql"]
    assert response.json()  # the page itself, not only the count


@pytest.mark.parametrize("who", ["anonymous", "editor"])
@pytest.mark.parametrize("path", PATHS)
def test_the_limit_is_reached_exactly_at_the_rate(counted, monkeypatch, who, path):
    throttle = AnonRateThrottle if who == "anonymous" else SignedInRateThrottle
    monkeypatch.setattr(throttle, "rate", "3/minute", raising=False)
    client = client_for(None if who == "anonymous" else editor_of(counted.owner))
    assert [client.get(path).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(path)
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60
    # Refusals are counted too (they cannot make the window longer), once each.
    assert list(_counts().values()) == [4]
    assert client.get("/api/v1/platforms/").status_code == 429
    assert list(_counts().values()) == [5]


def test_a_new_window_starts_when_the_last_one_ends(counted, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "2/minute", raising=False)
    client = client_for(None)
    start = 1_000_000.0
    clock = [start]
    monkeypatch.setattr(AnonRateThrottle, "timer", lambda self: clock[0])
    assert [client.get(PATHS[0]).status_code for _ in range(3)] == [200, 200, 429]
    clock[0] = start + 59.5  # the window (60 s from the first request) still runs
    refused = client.get(PATHS[2])
    assert refused.status_code == 429
    assert refused["Retry-After"] == "1"  # at least one second, as DRF's throttle says
    clock[0] = start + 60.5
    assert [client.get(path).status_code for path in PATHS[2:4]] == [200, 200]
    assert client.get(PATHS[0]).status_code == 429
    row = ThrottleCount.objects.get()
    assert (row.count, row.expires) == (3, start + 60.5 + 60)


def test_a_read_handed_on_to_drf_is_counted_once(counted, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "3/minute", raising=False)
    client = client_for(None)
    assert client.get("/api/v1/platforms/nothing/").status_code == 404  # counted here, DRF's 404
    assert client.get("/api/v1/platforms/?cursor=bad").status_code == 400  # counted by DRF
    assert client.get("/api/v1/organisations/nobody/adoptions/").status_code == 404
    assert _counts() == {"throttle_anon_127.0.0.1": 3}
    refused = client.get("/api/v1/platforms/nothing/")
    assert refused.status_code == 429  # the refusal comes before the 404, as in DRF
    assert _counts() == {"throttle_anon_127.0.0.1": 4}


def test_the_pruning_still_runs_and_counts_once(counted, monkeypatch):
    ThrottleCount.objects.create(key="someone_else", count=9, expires=1.0)  # an ended window
    monkeypatch.setattr(security, "_next_prune", 0.0)
    client = client_for(None)
    assert client.get(PATHS[0]).status_code == 200
    assert _counts() == {"throttle_anon_127.0.0.1": 1}
    assert security._next_prune > 0.0
    assert client.get(PATHS[0]).status_code == 200
    assert _counts() == {"throttle_anon_127.0.0.1": 2}


@pytest.mark.skipif(not POSTGRES, reason="the count is in the page's statement on PostgreSQL only")
@pytest.mark.django_db(transaction=True)  # autocommit, as in production: the failure ends alone
def test_a_failed_statement_still_counts_its_request(settings, monkeypatch):
    """A page statement that fails whole (a statement timeout is a 503) takes its count with it:
    the request is counted on its own, as DRF's throttle counted it before the page."""
    from django.db import DatabaseError

    from api import fast

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "catalogue_cache",
        }
    }
    PublishedPlatformFactory()
    monkeypatch.setattr(security, "_next_prune", float("inf"))
    failing = fast._counted.__wrapped__
    monkeypatch.setattr(
        fast, "_counted", lambda sql, order: failing(sql, order).replace("LIMIT %s", "LIMIT 1/0*%s")
    )
    client = client_for(None)
    with pytest.raises(DatabaseError):
        client.get(PATHS[0])
    assert _counts() == {"throttle_anon_127.0.0.1": 1}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
