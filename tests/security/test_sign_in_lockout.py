"""django-axes: after LOGIN_FAILURE_LIMIT wrong passwords for a username from one address, that
username is locked out there, in the admin and at the API's token endpoint, even with the right
password; other users and other addresses are not."""

import pytest
from django.conf import settings

from tests.factories import AdminUserFactory, UserFactory

PASSWORD = "correct horse battery staple"
LIMIT = settings.AXES_FAILURE_LIMIT
TOKEN = "/api/v1/auth/token/"

pytestmark = pytest.mark.django_db


def admin_sign_in(client, username, password, address="192.0.2.10"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_the_admin_sign_in_is_locked_after_repeated_failures(client):
    AdminUserFactory(username="chief")
    for _ in range(LIMIT - 1):
        response = admin_sign_in(client, "chief", "wrong")
        assert response.status_code == 200  # the form again, with its error
    assert admin_sign_in(client, "chief", "wrong").status_code == 429
    locked = admin_sign_in(client, "chief", PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still signed out


def test_the_lockout_is_per_username_and_address(client):
    AdminUserFactory(username="chief")
    AdminUserFactory(username="deputy")
    for _ in range(LIMIT):
        admin_sign_in(client, "chief", "wrong")
    assert admin_sign_in(client, "deputy", PASSWORD).status_code == 302
    client.logout()
    assert admin_sign_in(client, "chief", PASSWORD, address="192.0.2.99").status_code == 302


def test_a_success_before_the_limit_resets_the_count(client):
    AdminUserFactory(username="chief")
    for _ in range(LIMIT - 1):
        admin_sign_in(client, "chief", "wrong")
    assert admin_sign_in(client, "chief", PASSWORD).status_code == 302
    client.logout()
    for _ in range(LIMIT - 1):
        admin_sign_in(client, "chief", "wrong")
    assert admin_sign_in(client, "chief", PASSWORD).status_code == 302


def token_request(api_client, password):
    return api_client.post(
        TOKEN, {"username": "editor", "password": password}, format="json", REMOTE_ADDR="192.0.2.5"
    )


def test_the_token_endpoint_is_locked_after_repeated_failures(api_client):
    UserFactory(username="editor")
    codes = [token_request(api_client, "wrong").status_code for _ in range(LIMIT)]
    assert codes == [400] * (LIMIT - 1) + [429]
    locked = token_request(api_client, PASSWORD)
    assert locked.status_code == 429
    body = locked.json()
    assert body["code"] == "locked_out"
    assert "try again in" in body["message"]
    assert "token" not in body
