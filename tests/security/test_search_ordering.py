"""Every ordering the search endpoint documents works; any other is a 400, never a 500."""

import pytest

from tests.factories import AdoptionFactory, OrganisationFactory, PublishedPlatformFactory

SEARCH = "/api/v1/search/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def reused_and_not(db):
    owner = OrganisationFactory()
    alone = PublishedPlatformFactory(slug="alone", name="A payments thing", owner=owner)
    reused = PublishedPlatformFactory(slug="reused", name="B payments thing", owner=owner)
    for _ in range(2):
        AdoptionFactory(platform=reused, organisation=OrganisationFactory(), status="in_use")
    return alone, reused


@pytest.mark.parametrize(
    "ordering, expected",
    [
        ("reuse_count", ["alone", "reused"]),
        ("-reuse_count", ["reused", "alone"]),
        ("name", ["alone", "reused"]),
        ("-name", ["reused", "alone"]),
    ],
)
def test_each_documented_ordering_orders_the_results(
    api_client, reused_and_not, ordering, expected
):
    response = api_client.get(SEARCH, {"q": "payments", "ordering": ordering})
    assert response.status_code == 200, response.content
    assert [row["slug"] for row in response.json()["results"]] == expected


def test_reuse_count_ordering_without_a_query(api_client, reused_and_not):
    response = api_client.get(SEARCH, {"ordering": "-reuse_count"})
    assert response.status_code == 200, response.content
    assert [row["slug"] for row in response.json()["results"]] == ["reused", "alone"]


def test_updated_at_ordering_works(api_client, reused_and_not):
    assert api_client.get(SEARCH, {"ordering": "-updated_at"}).status_code == 200


@pytest.mark.parametrize("ordering", ["banana", "owner__name", "-password", "score"])
def test_an_unknown_ordering_is_a_400_naming_the_choices(api_client, reused_and_not, ordering):
    response = api_client.get(SEARCH, {"ordering": ordering})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "ordering" in body["errors"]
    assert "reuse_count" in body["errors"]["ordering"][0]
