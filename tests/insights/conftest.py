import pytest
from django.core.cache import cache

from tests.api.conftest import client_for

__all__ = ["client_for"]


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    # Throttling counts requests in the cache; tests must not throttle each other.
    cache.clear()
    yield
    cache.clear()


def get_json(client, url, **params):
    """GET ``url`` and its JSON body, requiring a 200."""
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()
