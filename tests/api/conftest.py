import pytest
from rest_framework.test import APIClient

from api.security import AnonRateThrottle, SignedInRateThrottle
from tests.factories import (
    AdminUserFactory,
    TokenFactory,
    UserFactory,
    editor_of,
    reviewer_of,
)


def client_for(user) -> APIClient:
    """An API client that authenticates with ``user``'s token (anonymous for None)."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {TokenFactory(user=user).key}")
    return client


class NoOrjson:
    """In place of orjson (``monkeypatch.setattr(renderers, "orjson", NoOrjson)``): every body
    is written by DRF's own renderer, the reference the fast paths are compared with."""

    JSONEncodeError = TypeError

    @staticmethod
    def dumps(*args, **kwargs):
        raise TypeError("DRF's renderer, for the reference")


@pytest.fixture
def unthrottled(monkeypatch):
    """The API's throttles out of the way, for tests that make hundreds of requests (each
    answer asked twice, fast and DRF's)."""
    for throttle in (AnonRateThrottle, SignedInRateThrottle):
        monkeypatch.setattr(throttle, "rate", "100000/minute", raising=False)


@pytest.fixture
def actors(org_a, org_b):
    """One user per kind of actor, named as in the permission tests."""
    return {
        "anonymous": None,
        "editor_of_owner": editor_of(org_a),
        "editor_of_other": editor_of(org_b),
        "reviewer_of_owner": reviewer_of(org_a),
        "superuser": AdminUserFactory(),
        "no_membership": UserFactory(),
    }
