import pytest
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _search_forgets_between_tests():
    """Search remembers synonyms and typo lookups for a few seconds: not across tests, whose
    rows are rolled back."""
    from platforms import search

    search.forget()
    yield
    search.forget()


@pytest.fixture
def api_client():
    return APIClient()


# The product counts throttled requests in the database cache (shared by every worker). Tests count
# in memory instead, so that the SQL query budgets measure the endpoints' own queries (the
# throttles' bookkeeping is a constant a few queries per request); tests/security/ runs the
# throttles on the database cache itself.
IN_MEMORY_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def _in_memory_cache(settings):
    settings.CACHES = IN_MEMORY_CACHE
