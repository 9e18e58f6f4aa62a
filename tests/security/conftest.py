import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    # Throttles and lockouts count in the cache; tests must not use up each other's allowance.
    cache.clear()


@pytest.fixture
def database_cache(settings, db):
    """The product's default store for the throttles' counts: a table in the database."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "catalogue_cache",
        }
    }
    from django.core.cache import cache

    cache.clear()
    return cache
