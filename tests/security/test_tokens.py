"""API tokens (django-rest-knox): shown once, stored as a digest, expiring, revocable."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from knox.models import AuthToken

from tests.factories import AdminUserFactory, UserFactory

PASSWORD = "correct horse battery staple"
ME = "/api/v1/platforms/"

pytestmark = pytest.mark.django_db


def obtain(api_client, username="editor"):
    response = api_client.post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def authenticated(api_client, token):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api_client.get(ME).status_code


def test_a_token_is_stored_only_as_a_digest(api_client):
    UserFactory(username="editor")
    token = obtain(api_client)["token"]
    row = AuthToken.objects.get()
    stored = " ".join(str(value) for value in AuthToken.objects.values_list().get())
    assert token not in stored
    assert row.digest != token and len(row.digest) == 128


def test_a_token_expires(api_client, settings):
    UserFactory(username="editor")
    body = obtain(api_client)
    expiry = AuthToken.objects.get().expiry
    assert body["expiry"] is not None
    assert timedelta(days=80) < expiry - timezone.now() <= timedelta(days=90)
    assert authenticated(api_client, body["token"]) == 200
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    assert authenticated(api_client, body["token"]) == 401


def test_each_sign_in_gets_its_own_token(api_client):
    UserFactory(username="editor")
    first, second = obtain(api_client)["token"], obtain(api_client)["token"]
    assert first != second
    assert AuthToken.objects.count() == 2


def test_the_command_creates_a_working_token_and_revoke_revokes_it(api_client):
    UserFactory(username="editor")
    out = io.StringIO()
    call_command("create_api_token", "editor", "--days", "7", stdout=out, stderr=io.StringIO())
    token = out.getvalue().strip()
    assert authenticated(api_client, token) == 200
    assert AuthToken.objects.get().expiry - timezone.now() <= timedelta(days=7)

    out = io.StringIO()
    call_command("revoke_api_tokens", "editor", stdout=out)
    assert "Revoked 1 token(s)" in out.getvalue()
    assert authenticated(api_client, token) == 401


def test_the_admin_lists_tokens_without_the_token(client, api_client):
    UserFactory(username="editor")
    token = obtain(api_client)["token"]
    client.force_login(AdminUserFactory())
    page = client.get("/admin/knox/authtoken/")
    assert page.status_code == 200
    assert "editor" in page.content.decode()
    assert token not in page.content.decode()


def test_deleting_a_token_in_the_admin_revokes_it(client, api_client):
    UserFactory(username="editor")
    token = obtain(api_client)["token"]
    client.force_login(AdminUserFactory())
    row = AuthToken.objects.get()
    response = client.post(f"/admin/knox/authtoken/{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert authenticated(api_client, token) == 401
