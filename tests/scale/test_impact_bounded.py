"""Impact analysis bounded whatever the graph (issue 14): the dependents a page at a time, the
organisations hit as a count plus those hit hardest, cycles a breadth-first walk would miss, and
the same small number of queries at two graph sizes in the API, the insights API and the page."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from platforms.selectors.impact import platform_impact
from tests.factories import (
    AdminUserFactory,
    AdoptionFactory,
    DependencyFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
)

pytestmark = pytest.mark.django_db

DEPENDENTS = "/api/v1/platforms/{}/dependents/"


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


def depends(platform, on):
    DependencyFactory(platform=platform, depends_on=on)


def test_a_cycle_off_the_shortest_paths_is_still_reported():
    # root <- a, root <- b (both depth 1), a <- c, c <- b, b <- a: the loop a -> c -> b -> a
    # closes through no platform's shortest path, yet it is a cycle and must be reported.
    owner = OrganisationFactory()
    a, b, c = (PublishedPlatformFactory(slug=s, owner=owner) for s in ("a", "b", "c"))
    root = PublishedPlatformFactory(slug="root", owner=owner)
    depends(a, root)
    depends(b, root)
    depends(c, a)
    depends(b, c)
    depends(a, b)
    impact = platform_impact(platform=root, user=AdminUserFactory())
    assert impact.cycles == [["a", "c", "b", "a"]]
    assert [(d.platform.slug, d.depth) for d in impact.dependents] == [
        ("a", 1),
        ("b", 1),
        ("c", 2),
    ]


def test_dependents_come_a_page_at_a_time_with_links():
    owner = OrganisationFactory()
    base = PublishedPlatformFactory(slug="base", owner=owner)
    for n in range(25):
        depends(
            PublishedPlatformFactory(
                slug=f"dependent-{n:02}", name=f"Dependent {n:02}", owner=owner
            ),
            base,
        )
    client = APIClient()

    first = client.get(DEPENDENTS.format("base"), {"page_size": 10}).json()
    assert first["count"] == 25 and first["previous"] is None
    assert [d["platform"]["slug"] for d in first["dependents"]] == [
        f"dependent-{n:02}" for n in range(10)
    ]
    assert "offset=10" in first["next"] and "page_size=10" in first["next"]
    second = client.get(first["next"]).json()
    assert [d["platform"]["slug"] for d in second["dependents"]] == [
        f"dependent-{n:02}" for n in range(10, 20)
    ]
    last = client.get(second["next"]).json()
    assert len(last["dependents"]) == 5 and last["next"] is None
    assert client.get(last["previous"]).json()["dependents"] == second["dependents"]
    # The whole graph's figures on every page.
    assert last["by_depth"] == [{"depth": 1, "platforms": 25}]
    # Without page_size: 100 at most.
    assert len(client.get(DEPENDENTS.format("base")).json()["dependents"]) == 25


@pytest.mark.parametrize("params", [{"offset": "-1"}, {"page_size": "0"}, {"offset": "x"}])
def test_a_wrong_page_is_a_400_in_the_error_shape(params):
    PublishedPlatformFactory(slug="base")
    response = APIClient().get(DEPENDENTS.format("base"), params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_organisations_hit_are_counted_and_the_hardest_hit_listed(monkeypatch):
    monkeypatch.setattr("platforms.selectors.impact.TOP_ORGANISATIONS", 2)
    monkeypatch.setattr("platforms.selectors.impact.LISTED", 2)
    owner = OrganisationFactory(name="Owner")
    heavy = OrganisationFactory(name="Heavy user")
    light = OrganisationFactory(name="Light user")
    stopped = OrganisationFactory(name="Stopped user")
    base = PublishedPlatformFactory(slug="base", owner=owner)
    dependents = [PublishedPlatformFactory(slug=f"d{n}", owner=owner) for n in range(3)]
    for dependent in dependents:
        depends(dependent, base)
        AdoptionFactory(platform=dependent, organisation=heavy)
        # A second use case of the same platform is still one platform hit.
        AdoptionFactory(platform=dependent, organisation=heavy, use_case="Another service")
    AdoptionFactory(platform=dependents[0], organisation=light)
    AdoptionFactory(platform=dependents[1], organisation=stopped, status="stopped")

    body = APIClient().get(DEPENDENTS.format("base")).json()

    assert body["organisations_count"] == 3  # owner, heavy, light: stopping is not using
    rows = [
        (
            a["organisation"]["name"],
            a["owns_count"],
            a["uses_count"],
            a["owns"],
            a["uses"],
        )
        for a in body["organisations_affected"]
    ]
    assert rows == [
        ("Heavy user", 0, 3, [], ["d0", "d1"]),
        ("Owner", 3, 0, ["d0", "d1"], []),
    ]


def build_graph(size: int):
    """base <- a chain of ``size``, each link with two dependents (one in a loop with it), each
    with an adopter: 3 x ``size`` dependents."""
    base = PublishedPlatformFactory(slug="base")
    previous = base
    for _ in range(size):
        link = PublishedPlatformFactory(owner=OrganisationFactory())
        depends(link, previous)
        fan = PublishedPlatformFactory(owner=OrganisationFactory())
        depends(fan, link)
        depends(link, fan)  # a cycle at every link
        depends(PublishedPlatformFactory(owner=OrganisationFactory()), link)
        AdoptionFactory(platform=link)
        AdoptionFactory(platform=fan)
        previous = link
    return base


@pytest.mark.parametrize("size", [2, 20])
@pytest.mark.parametrize(
    ("path", "bound"),
    # Inside the test's transaction nothing is kept: every request walks and counts. Outside
    # one, reading the versions kept in the shared cache adds one (counted here).
    [
        ("/api/v1/platforms/base/dependents/", 7),
        ("/api/v1/insights/platforms/base/impact/", 5),
        ("/platforms/base/impact/", 5),
        ("/platforms/base/impact/?page=2", 6),
    ],
)
def test_impact_queries_do_not_grow_with_the_graph(
    client, django_assert_max_num_queries, size, path, bound
):
    build_graph(size)
    with django_assert_max_num_queries(bound):
        response = client.get(path)
    assert response.status_code == (200 if "page=2" not in path or size > 2 else 400)


def test_the_page_lists_the_organisations_hit_hardest_and_counts_the_rest(client, monkeypatch):
    monkeypatch.setattr("platforms.selectors.impact.TOP_ORGANISATIONS", 1)
    monkeypatch.setattr("platforms.selectors.impact.LISTED", 1)
    owner = OrganisationFactory(name="Owner")
    user = OrganisationFactory(name="Small user")
    base = PublishedPlatformFactory(slug="base", name="Base", owner=owner)
    for n in range(3):
        dependent = PublishedPlatformFactory(slug=f"d{n}", name=f"Dependent {n}", owner=owner)
        depends(dependent, base)
    AdoptionFactory(platform=dependent, organisation=user)

    page = " ".join(client.get("/platforms/base/impact/").content.decode().split())

    assert "3 platforms depending on it" in page and "2 organisations owning or using" in page
    assert "The 1 organisation owning or using the most of them, of 2" in page
    assert "Dependent 0 and 2 more" in page
    assert "Small user" not in page


def test_a_platform_page_lists_its_nearest_dependents_and_links_to_the_rest(client):
    base = PublishedPlatformFactory(slug="base", name="Base")
    for n in range(27):
        depends(PublishedPlatformFactory(slug=f"d{n:02}", name=f"Dependent {n:02}"), base)

    page = client.get("/platforms/base/").content.decode()

    assert "Dependent 24" in page and "Dependent 25" not in page
    assert 'href="/platforms/base/impact/">All that depend on it, in the impact analysis' in page
