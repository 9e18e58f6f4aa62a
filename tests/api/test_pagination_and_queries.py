"""Cursor pages are stable under inserts; every list costs the same number of queries whatever
the page size."""

import pytest

from tests.api.conftest import client_for
from tests.factories import (
    AdoptionFactory,
    CapabilityFactory,
    DependencyFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    StandardFactory,
)

pytestmark = pytest.mark.django_db


def _walk(client, url, params):
    seen, response = [], client.get(url, params)
    while True:
        body = response.json()
        seen += [row["slug"] for row in body["results"]]
        if not body["next"]:
            return seen
        response = client.get(body["next"])


def test_page_size_default_maximum_and_links(api_client, settings):
    settings.API_PAGE_SIZE = 2
    settings.API_MAX_PAGE_SIZE = 3
    for n in range(5):
        PublishedPlatformFactory(slug=f"p{n}", name=f"P{n}")
    response = api_client.get("/api/v1/platforms/")
    assert len(response.json()["results"]) == 2
    assert 'rel="next"' in response["Link"]
    assert len(api_client.get("/api/v1/platforms/", {"page_size": 50}).json()["results"]) == 3
    assert _walk(api_client, "/api/v1/platforms/", {"page_size": 2}) == [f"p{n}" for n in range(5)]


def test_pages_are_stable_when_a_row_is_inserted_before_the_cursor(api_client):
    for n in range(6):
        PublishedPlatformFactory(slug=f"p{n}", name=f"Platform {n}")
    first = api_client.get("/api/v1/platforms/", {"page_size": 3}).json()
    assert [r["slug"] for r in first["results"]] == ["p0", "p1", "p2"]
    PublishedPlatformFactory(slug="early", name="Platform 0a")  # sorts inside page 1
    second = api_client.get(first["next"]).json()
    assert [r["slug"] for r in second["results"]] == ["p3", "p4", "p5"]
    back = api_client.get(second["previous"]).json()
    assert [r["slug"] for r in back["results"]] == ["early", "p1", "p2"]


def test_ordering_with_ties_walks_every_row_once(api_client):
    for n in range(7):
        PublishedPlatformFactory(slug=f"same-{n}", name="Same name")
    walked = _walk(api_client, "/api/v1/platforms/", {"page_size": 2, "ordering": "-reuse_count"})
    assert sorted(walked) == [f"same-{n}" for n in range(7)]
    walked = _walk(api_client, "/api/v1/platforms/", {"page_size": 2, "ordering": "name"})
    assert walked == [f"same-{n}" for n in range(7)]


@pytest.fixture
def catalogue(org_a):
    """30 platforms with capabilities, standards, adoptions and dependencies."""
    capabilities = [CapabilityFactory() for _ in range(3)]
    standards = [StandardFactory() for _ in range(3)]
    consumers = [OrganisationFactory(parent=org_a) for _ in range(3)]
    platforms = []
    for _ in range(30):
        platform = PublishedPlatformFactory(owner=org_a)
        platform.capabilities.set(capabilities)
        platform.standards.set(standards)
        for consumer in consumers:
            AdoptionFactory(platform=platform, organisation=consumer)
        if platforms:
            DependencyFactory(platform=platform, depends_on=platforms[-1])
        platforms.append(platform)
    return platforms


LISTS = [
    ("/api/v1/platforms/", {}),
    ("/api/v1/platforms/", {"ordering": "-reuse_count", "owner_tree": "alpha-office"}),
    ("/api/v1/platforms/", {"format": "csv"}),
    ("/api/v1/adoptions/", {}),
    ("/api/v1/dependencies/", {}),
    ("/api/v1/organisations/", {}),
    ("/api/v1/capabilities/", {}),
    ("/api/v1/standards/", {}),
    ("/api/v1/organisations/alpha-office/platforms/", {}),
    ("/api/v1/organisations/alpha-office/adoptions/", {}),
]


@pytest.mark.parametrize("actor", ["anonymous", "editor_of_owner"])
@pytest.mark.parametrize(("url", "params"), LISTS)
def test_list_queries_do_not_grow_with_page_size(
    catalogue, actors, url, params, actor, django_assert_max_num_queries
):
    client = client_for(actors[actor])
    # token lookup + filter look-ups + the page + prefetches: a constant.
    with django_assert_max_num_queries(8):
        small = client.get(url, {**params, "page_size": 1, "limit": 1})
    with django_assert_max_num_queries(8):
        large = client.get(url, {**params, "page_size": 100, "limit": 100})
    assert small.status_code == large.status_code == 200


def test_nested_platform_lists_query_count(catalogue, api_client, django_assert_max_num_queries):
    slug = catalogue[0].slug
    for nested in ("adoptions", "dependencies"):
        with django_assert_max_num_queries(4):
            api_client.get(f"/api/v1/platforms/{slug}/{nested}/", {"page_size": 100})
    with django_assert_max_num_queries(8):
        api_client.get(f"/api/v1/platforms/{catalogue[-1].slug}/")
