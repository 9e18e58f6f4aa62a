"""Organisations, capabilities and standards: open reads, writes for catalogue administrators."""

import pytest

from platforms.models import Organisation
from tests.api.conftest import client_for
from tests.factories import (
    CapabilityFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    StandardFactory,
)

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "editor_of_owner", "editor_of_other", "reviewer_of_owner", "superuser"]
ADMIN_ONLY = {"create": [401, 403, 403, 403, 201], "change": [401, 403, 403, 403, 200]}


def names(response, key="slug"):
    return [row[key] for row in response.json()["results"]]


def test_organisation_list_filters(api_client, org_a):
    OrganisationFactory(slug="agency", name="Agency", kind="executive_agency", parent=org_a)
    OrganisationFactory(slug="closed", name="Closed", status="closed", abbreviation="CLO")
    url = "/api/v1/organisations/"
    assert names(api_client.get(url, {"parent": "alpha-office"})) == ["agency"]
    assert names(api_client.get(url, {"kind": "executive_agency"})) == ["agency"]
    assert names(api_client.get(url, {"status": "closed"})) == ["closed"]
    assert names(api_client.get(url, {"q": "clo"})) == ["closed"]
    assert names(api_client.get(url, {"q": "alpha"})) == ["alpha-office"]
    assert names(api_client.get(url, {"ordering": "-name"}))[0] == "closed"
    bad = api_client.get(url, {"kind": "empire"})
    assert bad.status_code == 400
    assert "ministerial_department" in bad.json()["errors"]["kind"][0]
    assert api_client.get(url, {"parent": "nobody"}).status_code == 400


def test_organisation_detail_and_owned_platforms(api_client, org_a):
    PublishedPlatformFactory(slug="mine", owner=org_a)
    PublishedPlatformFactory(slug="theirs")
    body = api_client.get("/api/v1/organisations/alpha-office/").json()
    assert body["name"] == "Alpha Office"
    assert body["platforms_url"].endswith("/organisations/alpha-office/platforms/")
    owned = api_client.get(body["platforms_url"])
    assert names(owned) == ["mine"]


@pytest.mark.parametrize(("actor", "status"), list(zip(ACTORS, ADMIN_ONLY["create"], strict=True)))
def test_organisation_create(actors, actor, status):
    response = client_for(actors[actor]).post(
        "/api/v1/organisations/",
        {"slug": "new-body", "name": "New Body", "kind": "ndpb", "parent": "alpha-office"},
        format="json",
    )
    assert response.status_code == status, response.content
    if status == 201:
        assert response.json()["parent"]["slug"] == "alpha-office"


@pytest.mark.parametrize(("actor", "status"), list(zip(ACTORS, ADMIN_ONLY["change"], strict=True)))
def test_organisation_update(actors, actor, status):
    response = client_for(actors[actor]).patch(
        "/api/v1/organisations/alpha-office/", {"abbreviation": "AO"}, format="json"
    )
    assert response.status_code == status
    if status == 200:
        assert Organisation.objects.get(slug="alpha-office").abbreviation == "AO"


def test_deleting_an_organisation_in_use_is_409_not_500(actors, org_a):
    PublishedPlatformFactory(owner=org_a)
    response = client_for(actors["superuser"]).delete("/api/v1/organisations/alpha-office/")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_organisation_cannot_be_its_own_parent(actors, org_a):
    response = client_for(actors["superuser"]).patch(
        "/api/v1/organisations/alpha-office/", {"parent": "alpha-office"}, format="json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize("resource", ["capabilities", "standards"])
def test_taxonomy_reads_use_limit_offset_with_a_count(api_client, resource):
    factory = CapabilityFactory if resource == "capabilities" else StandardFactory
    for n in range(3):
        factory(slug=f"t-{n}", name=f"T {n}")
    body = api_client.get(f"/api/v1/{resource}/", {"limit": 2}).json()
    assert body["count"] == 3
    assert names(api_client.get(f"/api/v1/{resource}/", {"limit": 2})) == ["t-0", "t-1"]
    assert body["next"].endswith("limit=2&offset=2")
    assert api_client.get(f"/api/v1/{resource}/t-1/").json()["name"] == "T 1"


@pytest.mark.parametrize("resource", ["capabilities", "standards"])
@pytest.mark.parametrize(("actor", "status"), list(zip(ACTORS, ADMIN_ONLY["create"], strict=True)))
def test_taxonomy_writes_are_for_admins(actors, resource, actor, status):
    client = client_for(actors[actor])
    response = client.post(
        f"/api/v1/{resource}/", {"slug": "x", "name": "X", "description": "d"}, format="json"
    )
    assert response.status_code == status
    if status == 201:
        assert client.patch(f"/api/v1/{resource}/x/", {"name": "Y"}).status_code == 200
        assert client.delete(f"/api/v1/{resource}/x/").status_code == 204


def test_standard_specification_url(actors):
    client = client_for(actors["superuser"])
    response = client.post(
        "/api/v1/standards/",
        {"slug": "oidc", "name": "OpenID Connect", "specification_url": "https://openid.net/"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["specification_url"] == "https://openid.net/"
    assert response.json()["url"].endswith("/standards/oidc/")
