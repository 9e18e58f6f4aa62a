"""Impact analysis: everything that depends on a platform, transitively, and who is hit; a diamond,
a cycle, drafts that must not be followed, and the dependents/ alias."""

import pytest

from platforms.models import Platform
from platforms.selectors.impact import platform_impact
from tests.factories import (
    AdminUserFactory,
    AdoptionFactory,
    DependencyFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    editor_of,
)
from tests.insights.conftest import client_for, get_json

pytestmark = pytest.mark.django_db

IMPACT = "/api/v1/insights/platforms/{}/impact/"


def depends(platform, on):
    DependencyFactory(platform=platform, depends_on=on)


@pytest.fixture
def diamond(org_a, org_b):
    """base <- left, right <- top: top reaches base by two paths of length 2."""
    base = PublishedPlatformFactory(slug="base", name="Base", owner=org_a)
    left = PublishedPlatformFactory(slug="left", name="Left", owner=org_a)
    right = PublishedPlatformFactory(slug="right", name="Right", owner=org_b)
    top = PublishedPlatformFactory(slug="top", name="Top", owner=org_b)
    depends(left, base)
    depends(right, base)
    depends(top, left)
    depends(top, right)
    return base, left, right, top


def test_a_diamond_lists_each_platform_once_at_its_shortest_depth(diamond, org_a, org_b):
    council = OrganisationFactory(slug="council", name="Council")
    AdoptionFactory(platform=diamond[3], organisation=council)
    AdoptionFactory(platform=diamond[1], organisation=council, status="exploring")

    body = get_json(client_for(None), IMPACT.format("base"))

    rows = {d["platform"]["slug"]: d for d in body["dependents"]}
    assert [(d["platform"]["slug"], d["depth"]) for d in body["dependents"]] == [
        ("left", 1),
        ("right", 1),
        ("top", 2),
    ]
    assert rows["top"]["depends_on"] == ["left", "right"]
    assert rows["top"]["path"] in (["base", "left", "top"], ["base", "right", "top"])
    assert rows["left"]["path"] == ["base", "left"]
    assert body["by_depth"] == [{"depth": 1, "platforms": 2}, {"depth": 2, "platforms": 1}]
    assert body["cycles"] == []
    assert body["truncated"] is False
    affected = {a["organisation"]["slug"]: a for a in body["organisations_affected"]}
    assert affected == {
        "alpha-office": {**affected["alpha-office"], "owns": ["left"], "uses": []},
        "beta-board": {**affected["beta-board"], "owns": ["right", "top"], "uses": []},
        # Exploring is not using: only Top, in use, hits the council.
        "council": {**affected["council"], "owns": [], "uses": ["top"]},
    }


def test_a_cycle_is_reported_and_never_followed_round(org_a):
    a, b, c = (PublishedPlatformFactory(slug=s, name=s.upper(), owner=org_a) for s in "abc")
    d = PublishedPlatformFactory(slug="d", name="D", owner=org_a)
    depends(b, a)
    depends(c, b)
    depends(a, c)  # a <- b <- c <- a
    depends(d, c)

    body = get_json(client_for(None), IMPACT.format("a"))

    assert [(x["platform"]["slug"], x["depth"]) for x in body["dependents"]] == [
        ("b", 1),
        ("c", 2),
        ("d", 3),
    ]
    # The cycle, once, starting from its first platform, whatever side it was met from.
    assert body["cycles"] == [["a", "b", "c", "a"]]
    assert body["truncated"] is False


def test_a_cycle_not_through_the_platform_asked_about_is_reported(org_a):
    root, x, y = (PublishedPlatformFactory(slug=s, owner=org_a) for s in ("root", "x", "y"))
    depends(x, root)
    depends(y, x)
    depends(x, y)  # x <-> y
    body = get_json(client_for(None), IMPACT.format("root"))
    assert [d["platform"]["slug"] for d in body["dependents"]] == ["x", "y"]
    assert body["cycles"] in ([["x", "y", "x"]], [["y", "x", "y"]])
    assert len(body["cycles"]) == 1


def test_a_deep_chain_is_cut_at_max_depth(org_a):
    chain = [PublishedPlatformFactory(slug=f"p{i}", owner=org_a) for i in range(5)]
    for upper, lower in zip(chain[1:], chain, strict=False):
        depends(upper, lower)
    impact = platform_impact(platform=chain[0], user=AdminUserFactory(), max_depth=2)
    assert [d.platform.slug for d in impact.dependents] == ["p1", "p2"]
    assert impact.truncated is True
    whole = platform_impact(platform=chain[0], user=AdminUserFactory(), max_depth=4)
    assert whole.truncated is False and len(whole.dependents) == 4


def test_another_organisations_draft_is_neither_shown_nor_followed(org_a, org_b):
    base = PublishedPlatformFactory(slug="base", owner=org_a)
    secret = DraftPlatformFactory(slug="secret-draft", owner=org_b)
    beyond = PublishedPlatformFactory(slug="beyond", owner=org_a)
    depends(secret, base)
    depends(beyond, secret)
    AdoptionFactory(platform=beyond, organisation=OrganisationFactory(slug="user-of-beyond"))

    for reader in (None, editor_of(org_a)):
        body = get_json(client_for(reader), IMPACT.format("base"))
        assert body["dependents"] == [] and body["organisations_affected"] == []
        assert body["by_depth"] == []
        assert "secret" not in str(body)

    body = get_json(client_for(editor_of(org_b)), IMPACT.format("base"))
    assert [d["platform"]["slug"] for d in body["dependents"]] == ["secret-draft", "beyond"]


def test_dependents_is_an_alias_of_impact(diamond):
    client = client_for(None)
    assert get_json(client, "/api/v1/platforms/base/dependents/") == get_json(
        client, IMPACT.format("base")
    )


def test_unknown_and_hidden_platforms_are_404(org_b):
    DraftPlatformFactory(slug="hidden", owner=org_b)
    for slug in ("no-such-platform", "hidden", "not a slug"):
        response = client_for(None).get(IMPACT.format(slug))
        assert response.status_code == 404, slug
        assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("size", [3, 20])
def test_impact_queries_are_bounded(django_assert_max_num_queries, org_a, size):
    base = PublishedPlatformFactory(slug="base", owner=org_a)
    previous = base
    for _ in range(size):  # a chain (within MAX_DEPTH), a fan on each link, an adopter of each
        link = PublishedPlatformFactory(owner=org_a)
        depends(link, previous)
        depends(PublishedPlatformFactory(owner=OrganisationFactory()), link)
        AdoptionFactory(platform=link)
        previous = link
    client = client_for(editor_of(org_a))
    with django_assert_max_num_queries(8):
        body = get_json(client, IMPACT.format("base"))
    assert len(body["dependents"]) == 2 * size
    assert Platform.objects.count() == 2 * size + 1


def test_a_graph_with_millions_of_paths_is_walked_once_per_platform(org_a):
    # Layers of three, each platform depending on the three below: 3**8 paths to the top layer,
    # 24 platforms. The walk visits platforms, not paths: all 24, nothing cut short.
    base = PublishedPlatformFactory(slug="base", owner=org_a)
    below = [base]
    for _layer in range(8):
        layer = [PublishedPlatformFactory(owner=org_a) for _ in range(3)]
        for upper in layer:
            for lower in below:
                depends(upper, lower)
        below = layer
    impact = platform_impact(platform=base, user=AdminUserFactory())
    assert impact.truncated is False
    assert len(impact.dependents) == 24
    assert impact.by_depth == [{"depth": d, "platforms": 3} for d in range(1, 9)]
    assert impact.cycles == []


def test_a_graph_reaching_more_than_the_walk_allows_is_cut_short(org_a, monkeypatch):
    monkeypatch.setattr("platforms.selectors.impact.MAX_PLATFORMS", 5)
    base = PublishedPlatformFactory(slug="base", owner=org_a)
    for _ in range(8):
        depends(PublishedPlatformFactory(owner=org_a), base)
    impact = platform_impact(platform=base, user=AdminUserFactory())
    assert impact.truncated is True
    assert len(impact.dependents) < 8
