"""Every platform write, for every kind of actor."""

import pytest

from platforms.models import Platform
from tests.api.conftest import client_for
from tests.factories import (
    AdoptionFactory,
    CapabilityFactory,
    DraftPlatformFactory,
    InReviewPlatformFactory,
    PublishedPlatformFactory,
    StandardFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/platforms/"
ACTORS = ["anonymous", "editor_of_owner", "editor_of_other", "reviewer_of_owner", "superuser"]


def detail(slug: str) -> str:
    return f"{LIST}{slug}/"


def _expect(response, status: int):
    assert response.status_code == status, response.content
    if status >= 400:
        body = response.json()
        assert set(body) == {"status", "code", "message", "errors"}
        assert body["status"] == status
    if status == 401:
        assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    ("actor", "status"),
    list(zip(ACTORS, [401, 201, 403, 201, 201], strict=True)),
)
def test_register(actors, org_a, actor, status):
    CapabilityFactory(slug="payments")
    StandardFactory(slug="oauth-2")
    response = client_for(actors[actor]).post(
        LIST,
        {
            "name": "Case tracker",
            "summary": "Track cases.",
            "owner": "alpha-office",
            "capabilities": ["payments"],
            "standards": ["oauth-2"],
            "tags": ["cases"],
            "phase": "alpha",
        },
        format="json",
    )
    _expect(response, status)
    if status == 201:
        body = response.json()
        assert body["slug"] == "case-tracker"
        assert body["state"] == "draft"
        assert body["capabilities"][0]["slug"] == "payments"
        assert response["Location"].endswith("/platforms/case-tracker/")
        assert response["ETag"] == '"1"'
        assert Platform.history.filter(slug="case-tracker").exists()


def test_register_with_unknown_slugs_is_400(actors):
    response = client_for(actors["editor_of_owner"]).post(
        LIST,
        {
            "name": "X",
            "summary": "Y",
            "owner": "no-such-org",
            "capabilities": ["nope"],
            "phase": "banana",
        },
        format="json",
    )
    _expect(response, 400)
    assert set(response.json()["errors"]) == {"owner", "capabilities", "phase"}


def test_register_cannot_name_another_orgs_draft_as_replacement(actors, org_b):
    DraftPlatformFactory(slug="b-draft", owner=org_b)
    response = client_for(actors["editor_of_owner"]).post(
        LIST,
        {"name": "X", "summary": "Y", "owner": "alpha-office", "replaced_by": "b-draft"},
        format="json",
    )
    _expect(response, 400)
    assert "replaced_by" in response.json()["errors"]


def test_register_with_bad_json_is_400_and_wrong_media_type_is_415(actors):
    client = client_for(actors["editor_of_owner"])
    bad = client.post(LIST, data="{not json", content_type="application/json")
    _expect(bad, 400)
    assert bad.json()["code"] == "parse_error"
    _expect(client.post(LIST, data="x", content_type="text/plain"), 415)


@pytest.mark.parametrize(
    ("actor", "status"),
    list(zip(ACTORS, [401, 200, 403, 200, 200], strict=True)),
)
@pytest.mark.parametrize("method", ["put", "patch"])
def test_update(actors, org_a, actor, status, method):
    PublishedPlatformFactory(slug="p", owner=org_a, name="Old")
    data = {"name": "New", "summary": "Now better.", "owner": "alpha-office", "phase": "live"}
    response = getattr(client_for(actors[actor]), method)(detail("p"), data, format="json")
    _expect(response, status)
    if status == 200:
        assert response.json()["name"] == "New"
        assert response.json()["version"] == 2
        assert response["ETag"] == '"2"'


def test_update_an_invisible_draft_is_404(actors, org_a):
    DraftPlatformFactory(slug="d", owner=org_a)
    response = client_for(actors["editor_of_other"]).patch(detail("d"), {"name": "X"})
    _expect(response, 404)


def test_giving_a_platform_to_an_organisation_you_are_not_in_is_403(actors, org_a):
    PublishedPlatformFactory(slug="p", owner=org_a)
    client = client_for(actors["editor_of_owner"])
    response = client.patch(detail("p"), {"owner": "beta-board"}, format="json")
    _expect(response, 403)
    assert "Beta Board" in response.json()["message"]


def test_if_match(actors, org_a):
    PublishedPlatformFactory(slug="p", owner=org_a)
    client = client_for(actors["editor_of_owner"])
    ok = client.patch(detail("p"), {"name": "One"}, format="json", HTTP_IF_MATCH='"1"')
    _expect(ok, 200)
    stale = client.patch(detail("p"), {"name": "Two"}, format="json", HTTP_IF_MATCH='"1"')
    _expect(stale, 412)
    assert stale.json()["code"] == "stale_version"
    _expect(client.patch(detail("p"), {"name": "T"}, format="json", HTTP_IF_MATCH="abc"), 400)
    _expect(client.patch(detail("p"), {"name": "T"}, format="json", HTTP_IF_MATCH='W/"2"'), 200)


@pytest.mark.parametrize(
    ("actor", "status"),
    list(zip(ACTORS, [401, 204, 403, 204, 204], strict=True)),
)
def test_delete(actors, org_a, actor, status):
    PublishedPlatformFactory(slug="p", owner=org_a)
    _expect(client_for(actors[actor]).delete(detail("p")), status)


def test_delete_a_platform_in_use_is_409(actors, org_a):
    AdoptionFactory(platform=PublishedPlatformFactory(slug="p", owner=org_a))
    response = client_for(actors["editor_of_owner"]).delete(detail("p"))
    _expect(response, 409)
    assert "Retire it instead" in response.json()["message"]


# --- lifecycle actions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "status"),
    list(zip(ACTORS, [401, 200, 404, 200, 200], strict=True)),
)
def test_submit(actors, org_a, actor, status):
    DraftPlatformFactory(slug="d", owner=org_a)
    response = client_for(actors[actor]).post(f"{detail('d')}submit/")
    _expect(response, status)
    if status == 200:
        assert response.json()["state"] == "in_review"


@pytest.mark.parametrize(
    ("actor", "status"),
    list(zip(ACTORS, [401, 403, 404, 200, 200], strict=True)),
)
def test_publish(actors, org_a, actor, status):
    InReviewPlatformFactory(slug="r", owner=org_a)
    response = client_for(actors[actor]).post(f"{detail('r')}publish/")
    _expect(response, status)
    if status == 200:
        assert response.json()["state"] == "published"


@pytest.mark.parametrize(
    ("actor", "status"),
    list(zip(ACTORS, [401, 403, 404, 200, 200], strict=True)),
)
def test_reject(actors, org_a, actor, status):
    InReviewPlatformFactory(slug="r", owner=org_a)
    response = client_for(actors[actor]).post(
        f"{detail('r')}reject/", {"reason": "Add a contact."}, format="json"
    )
    _expect(response, status)
    if status == 200:
        assert response.json()["state"] == "draft"
        assert response.json()["review_note"] == "Add a contact."


def test_reject_needs_a_reason(actors, org_a):
    InReviewPlatformFactory(slug="r", owner=org_a)
    response = client_for(actors["reviewer_of_owner"]).post(f"{detail('r')}reject/", {})
    _expect(response, 400)
    assert "reason" in response.json()["errors"]


@pytest.mark.parametrize(
    ("actor", "status"),
    list(zip(ACTORS, [401, 200, 403, 200, 200], strict=True)),
)
def test_retire(actors, org_a, actor, status):
    PublishedPlatformFactory(slug="old", owner=org_a)
    PublishedPlatformFactory(slug="new")
    response = client_for(actors[actor]).post(
        f"{detail('old')}retire/", {"replaced_by": "new", "retiring": True}, format="json"
    )
    _expect(response, status)
    if status == 200:
        assert response.json()["phase"] == "retiring"
        assert response.json()["replaced_by"]["slug"] == "new"


def test_retire_without_replacement_and_twice(actors, org_a):
    PublishedPlatformFactory(slug="old", owner=org_a)
    client = client_for(actors["editor_of_owner"])
    first = client.post(f"{detail('old')}retire/", {"replaced_by": None}, format="json")
    _expect(first, 200)
    assert first.json()["phase"] == "retired"
    again = client.post(f"{detail('old')}retire/", {}, format="json")
    _expect(again, 409)
    assert again.json()["code"] == "invalid_state"


def test_invalid_transitions_are_409_with_the_reason(actors, org_a):
    PublishedPlatformFactory(slug="p", owner=org_a, name="Pay")
    client = client_for(actors["reviewer_of_owner"])
    response = client.post(f"{detail('p')}publish/")
    _expect(response, 409)
    assert response.json() == {
        "status": 409,
        "code": "invalid_state",
        "message": "Cannot publish Pay: it is published.",
        "errors": {},
    }
    _expect(client.post(f"{detail('p')}submit/"), 409)


def test_method_not_allowed_has_the_shape(api_client):
    PublishedPlatformFactory(slug="p")
    _expect(api_client.get(f"{detail('p')}publish/"), 405)
