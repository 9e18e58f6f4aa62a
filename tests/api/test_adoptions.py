"""Adoptions: reads, filters and every write for every actor. They belong to the consumer."""

import pytest

from platforms.models import Adoption
from tests.api.conftest import client_for
from tests.factories import AdoptionFactory, DraftPlatformFactory, PublishedPlatformFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/adoptions/"
ACTORS = ["anonymous", "editor_of_owner", "editor_of_other", "reviewer_of_owner", "superuser"]
# "owner" here is the consuming organisation (org_a); org_b owns the platform.
CONSUMER_STATUSES = {
    "create": [401, 201, 403, 201, 201],
    "update": [401, 200, 403, 200, 200],
    "end": [401, 200, 403, 200, 200],
    "delete": [401, 204, 403, 204, 204],
}


def _check(response, status):
    assert response.status_code == status, response.content
    if status >= 400:
        assert response.json()["status"] == status


def test_list_detail_and_etag(api_client, org_a):
    adoption = AdoptionFactory(organisation=org_a, use_case="Fees")
    rows = api_client.get(LIST).json()["results"]
    assert rows[0]["id"] == adoption.pk
    assert rows[0]["organisation"]["slug"] == "alpha-office"
    assert rows[0]["platform"]["slug"] == adoption.platform.slug
    response = api_client.get(f"{LIST}{adoption.pk}/")
    assert response.json()["use_case"] == "Fees"
    assert response["ETag"] == '"1"'
    assert api_client.get(f"{LIST}{adoption.pk}/", HTTP_IF_NONE_MATCH='"1"').status_code == 304


def test_filters(api_client, org_a, org_b):
    pay = PublishedPlatformFactory(slug="pay")
    one = AdoptionFactory(platform=pay, organisation=org_a, status="in_use")
    two = AdoptionFactory(organisation=org_b, status="planned")

    def ids(params):
        return [row["id"] for row in api_client.get(LIST, params).json()["results"]]

    assert ids({"platform": "pay"}) == [one.pk]
    assert ids({"organisation": "beta-board"}) == [two.pk]
    assert ids({"status": "planned"}) == [two.pk]
    assert ids({"status": "planned,in_use"}) == [one.pk, two.pk]
    for params in ({"status": "gone"}, {"platform": "nope"}, {"organisation": "nope"}):
        response = api_client.get(LIST, params)
        assert response.status_code == 400
    assert "in_use" in api_client.get(LIST, {"status": "gone"}).json()["errors"]["status"][0]


def test_filtering_by_another_orgs_draft_looks_like_an_unknown_slug(api_client, org_b):
    DraftPlatformFactory(slug="hidden", owner=org_b)
    response = api_client.get(LIST, {"platform": "hidden"})
    assert response.status_code == 400
    assert response.json()["errors"]["platform"] == ["There is no platform with the slug “hidden”."]


def test_nested_lists(api_client, org_a):
    pay = PublishedPlatformFactory(slug="pay")
    mine = AdoptionFactory(platform=pay, organisation=org_a)
    AdoptionFactory(platform=pay)
    AdoptionFactory(organisation=org_a)
    assert len(api_client.get("/api/v1/platforms/pay/adoptions/").json()["results"]) == 2
    rows = api_client.get("/api/v1/organisations/alpha-office/adoptions/").json()["results"]
    assert len(rows) == 2 and rows[0]["id"] == mine.pk


@pytest.mark.parametrize(
    ("actor", "status"), list(zip(ACTORS, CONSUMER_STATUSES["create"], strict=True))
)
def test_record(actors, org_b, actor, status):
    PublishedPlatformFactory(slug="pay", owner=org_b)
    response = client_for(actors[actor]).post(
        LIST,
        {"platform": "pay", "organisation": "alpha-office", "status": "piloting"},
        format="json",
    )
    _check(response, status)
    if status == 201:
        assert response.json()["status"] == "piloting"


def test_record_duplicate_is_400_not_500(actors, org_a):
    pay = PublishedPlatformFactory(slug="pay")
    AdoptionFactory(platform=pay, organisation=org_a, use_case="")
    response = client_for(actors["editor_of_owner"]).post(
        LIST, {"platform": "pay", "organisation": "alpha-office"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]


def test_record_bad_dates_is_400(actors):
    PublishedPlatformFactory(slug="pay")
    response = client_for(actors["editor_of_owner"]).post(
        LIST,
        {
            "platform": "pay",
            "organisation": "alpha-office",
            "start_date": "2025-01-01",
            "end_date": "2024-01-01",
        },
        format="json",
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("actor", "status"), list(zip(ACTORS, CONSUMER_STATUSES["update"], strict=True))
)
def test_update(actors, org_a, org_b, actor, status):
    adoption = AdoptionFactory(organisation=org_a, platform=PublishedPlatformFactory(owner=org_b))
    response = client_for(actors[actor]).patch(
        f"{LIST}{adoption.pk}/", {"status": "planned"}, format="json"
    )
    _check(response, status)
    if status == 200:
        assert response.json()["version"] == 2


def test_update_if_match(actors, org_a):
    adoption = AdoptionFactory(organisation=org_a)
    client = client_for(actors["editor_of_owner"])
    url = f"{LIST}{adoption.pk}/"
    assert client.patch(url, {"notes": "a"}, format="json", HTTP_IF_MATCH='"1"').status_code == 200
    stale = client.patch(url, {"notes": "b"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412


@pytest.mark.parametrize(
    ("actor", "status"), list(zip(ACTORS, CONSUMER_STATUSES["end"], strict=True))
)
def test_end(actors, org_a, actor, status):
    adoption = AdoptionFactory(organisation=org_a)
    response = client_for(actors[actor]).post(
        f"{LIST}{adoption.pk}/end/", {"end_date": "2025-03-31"}, format="json"
    )
    _check(response, status)
    if status == 200:
        assert response.json()["status"] == "stopped"
        assert response.json()["end_date"] == "2025-03-31"


def test_end_twice_is_409(actors, org_a):
    adoption = AdoptionFactory(organisation=org_a, status=Adoption.Status.STOPPED)
    response = client_for(actors["editor_of_owner"]).post(f"{LIST}{adoption.pk}/end/")
    assert response.status_code == 409
    assert response.json()["message"] == "This adoption has already ended."


@pytest.mark.parametrize(
    ("actor", "status"), list(zip(ACTORS, CONSUMER_STATUSES["delete"], strict=True))
)
def test_delete(actors, org_a, actor, status):
    adoption = AdoptionFactory(organisation=org_a)
    _check(client_for(actors[actor]).delete(f"{LIST}{adoption.pk}/"), status)
