from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
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


@pytest.fixture(scope="module")
def reference_data(django_db_setup, django_db_blocker):
    """The real reference data, loaded once for a test module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_reference_data", stdout=StringIO())
        yield
        transaction.set_rollback(True)
