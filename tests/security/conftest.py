import pytest
from django.core.cache import cache


@pytest.fixture
def database_cache(settings, db):
    """The product's default store for the throttles' counts: a table in the database."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "catalogue_cache",
        }
    }

    cache.clear()
    return cache
