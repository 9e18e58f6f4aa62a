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
