import pytest
from rest_framework.test import APIClient

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
