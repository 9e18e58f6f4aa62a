"""Dependencies, and the transitive impact analysis (dependents)."""

import pytest

from tests.api.conftest import client_for
from tests.factories import (
    AdoptionFactory,
    DependencyFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/dependencies/"
ACTORS = ["anonymous", "editor_of_owner", "editor_of_other", "reviewer_of_owner", "superuser"]


def test_list_filters_and_nested(api_client):
    forms = PublishedPlatformFactory(slug="forms")
    notify = PublishedPlatformFactory(slug="notify")
    pay = PublishedPlatformFactory(slug="pay")
    one = DependencyFactory(platform=forms, depends_on=notify, kind="runtime")
    two = DependencyFactory(platform=forms, depends_on=pay, kind="data")

    def ids(params):
        return [row["id"] for row in api_client.get(LIST, params).json()["results"]]

    assert ids({}) == [one.pk, two.pk]
    assert ids({"platform": "forms"}) == [one.pk, two.pk]
    assert ids({"depends_on": "pay"}) == [two.pk]
    assert ids({"kind": "runtime"}) == [one.pk]
    assert api_client.get(LIST, {"kind": "telepathy"}).status_code == 400
    body = api_client.get(f"{LIST}{one.pk}/").json()
    assert body["platform"]["slug"] == "forms" and body["depends_on"]["slug"] == "notify"
    nested = api_client.get("/api/v1/platforms/forms/dependencies/").json()["results"]
    assert [row["depends_on"]["slug"] for row in nested] == ["notify", "pay"]


def test_dependencies_on_invisible_drafts_are_hidden(api_client, org_b):
    forms = PublishedPlatformFactory(slug="forms")
    DependencyFactory(platform=forms, depends_on=DraftPlatformFactory(owner=org_b))
    DependencyFactory(platform=DraftPlatformFactory(owner=org_b), depends_on=forms)
    assert api_client.get(LIST).json()["results"] == []
    assert api_client.get("/api/v1/platforms/forms/dependencies/").json()["results"] == []
    assert api_client.get("/api/v1/platforms/forms/dependents/").json()["dependents"] == []


@pytest.mark.parametrize(
    ("actor", "status"), list(zip(ACTORS, [401, 201, 403, 201, 201], strict=True))
)
def test_add(actors, org_a, actor, status):
    PublishedPlatformFactory(slug="forms", owner=org_a)
    PublishedPlatformFactory(slug="notify")
    response = client_for(actors[actor]).post(
        LIST, {"platform": "forms", "depends_on": "notify", "kind": "runtime"}, format="json"
    )
    assert response.status_code == status, response.content
    if status == 201:
        assert response.json()["depends_on"]["slug"] == "notify"


def test_add_on_itself_or_twice_is_400(actors, org_a):
    forms = PublishedPlatformFactory(slug="forms", owner=org_a)
    client = client_for(actors["editor_of_owner"])
    response = client.post(LIST, {"platform": "forms", "depends_on": "forms"}, format="json")
    assert response.status_code == 400
    assert "depends_on" in response.json()["errors"]
    DependencyFactory(platform=forms, depends_on=PublishedPlatformFactory(slug="n"))
    assert client.post(LIST, {"platform": "forms", "depends_on": "n"}).status_code == 400


@pytest.mark.parametrize(
    ("actor", "status"), list(zip(ACTORS, [401, 204, 403, 204, 204], strict=True))
)
def test_remove(actors, org_a, actor, status):
    dependency = DependencyFactory(platform=PublishedPlatformFactory(owner=org_a))
    assert client_for(actors[actor]).delete(f"{LIST}{dependency.pk}/").status_code == status


def test_dependents_are_transitive_with_the_organisations_affected(api_client, org_a, org_b):
    notify = PublishedPlatformFactory(slug="notify", name="Notify")
    forms = PublishedPlatformFactory(slug="forms", name="Forms", owner=org_a)
    portal = PublishedPlatformFactory(slug="portal", name="Portal", owner=org_b)
    PublishedPlatformFactory(slug="unrelated")
    DependencyFactory(platform=forms, depends_on=notify)
    DependencyFactory(platform=portal, depends_on=forms)
    DependencyFactory(platform=portal, depends_on=notify)
    DependencyFactory(platform=notify, depends_on=portal)  # a cycle back to the start
    council = OrganisationFactory(slug="council", name="Council")
    AdoptionFactory(platform=portal, organisation=council)
    AdoptionFactory(platform=forms, organisation=council, status="stopped")

    body = api_client.get("/api/v1/platforms/notify/dependents/").json()
    assert body["platform"]["slug"] == "notify"
    assert [(d["platform"]["slug"], d["depth"]) for d in body["dependents"]] == [
        ("forms", 1),
        ("portal", 1),
    ]
    portal_row = body["dependents"][1]
    assert portal_row["depends_on"] == ["forms", "notify"]
    assert portal_row["owner"]["slug"] == "beta-board"
    affected = {a["organisation"]["slug"]: a for a in body["organisations_affected"]}
    assert affected["alpha-office"]["owns"] == ["forms"]
    assert affected["beta-board"]["owns"] == ["portal"]
    assert affected["council"]["uses"] == ["portal"]
    assert body["truncated"] is False


def test_dependents_of_a_long_chain_use_one_query_per_level(
    api_client, django_assert_max_num_queries
):
    chain = [PublishedPlatformFactory(slug=f"p{i}") for i in range(6)]
    for upper, lower in zip(chain[1:], chain, strict=False):
        DependencyFactory(platform=upper, depends_on=lower)
    with django_assert_max_num_queries(6 + 1 + 4):
        body = api_client.get("/api/v1/platforms/p0/dependents/").json()
    assert [d["depth"] for d in body["dependents"]] == [1, 2, 3, 4, 5]
