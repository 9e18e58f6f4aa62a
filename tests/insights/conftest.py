import pytest
from django.core.cache import cache

from tests.api.conftest import client_for
from tests.factories import OrganisationFactory

__all__ = ["client_for"]


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    # Throttling counts requests in the cache; tests must not throttle each other.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def org_a(db):
    return OrganisationFactory(name="Alpha Office", slug="alpha-office")


@pytest.fixture
def org_b(db):
    return OrganisationFactory(name="Beta Board", slug="beta-board")


def get_json(client, url, **params):
    """GET ``url`` and its JSON body, requiring a 200."""
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()
