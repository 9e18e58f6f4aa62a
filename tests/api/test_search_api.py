"""GET /api/v1/search/ and /api/v1/platforms/?q=: ranked by the search backend, with highlights,
facets and offset pages, over what the user may see only. Runs on SQLite and PostgreSQL alike."""

import pytest

from platforms import search
from tests.api.conftest import client_for
from tests.factories import (
    CapabilityFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    StandardFactory,
    editor_of,
)

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/search/"
PLATFORMS = "/api/v1/platforms/"


def platform(factory=PublishedPlatformFactory, **fields):
    """A platform indexed as the services would index it (factories bypass the services)."""
    created = factory(**fields)
    search.reindex(created)
    return created


def slugs(response):
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


@pytest.fixture
def payments(org_a, org_b):
    """Payments platforms with capabilities and standards, and one unrelated platform."""
    money = CapabilityFactory(slug="payments", name="Payments")
    forms = CapabilityFactory(slug="forms", name="Forms")
    oauth = StandardFactory(slug="oauth-2", name="OAuth 2.0")
    hub = platform(
        slug="hub",
        name="Payments hub",
        summary="Take card payments.",
        owner=org_a,
        is_open_source=True,
    )
    hub.capabilities.set([money, forms])
    hub.standards.set([oauth])
    letters = platform(
        slug="letters",
        name="Letters",
        summary="Print letters.",
        description="Payments for postage are invoiced.",
        owner=org_b,
        is_open_source=False,
    )
    letters.capabilities.set([money])
    platform(slug="hosting", name="Hosting", summary="Runs services.", owner=org_b)
    search.reindex([hub, letters])
    return {"hub": hub, "letters": letters}


def test_results_are_ranked_with_scores_and_highlights(payments, api_client):
    body = api_client.get(SEARCH, {"q": "payments"}).json()
    assert [r["slug"] for r in body["results"]] == ["hub", "letters"]
    hub, letters = body["results"]
    assert hub["score"] > letters["score"] > 0
    assert hub["highlights"]["name"] == "<mark>Payments</mark> hub"
    assert "<mark>payments</mark>" in hub["highlights"]["summary"]
    assert letters["highlights"]["name"] == "Letters"  # nothing to mark, escaped as it is
    # The compact platform, as in the list.
    assert hub["owner"]["slug"] == "alpha-office"
    assert {c["slug"] for c in hub["capabilities"]} == {"payments", "forms"}
    assert body["count"] == 2


def test_highlights_escape_the_text(org_a, api_client):
    platform(slug="x", name="Payments <b>bold</b>", summary="<script>x()</script> payments & more")
    result = api_client.get(SEARCH, {"q": "payments"}).json()["results"][0]
    name, summary = result["highlights"]["name"], result["highlights"]["summary"]
    assert "<b>" not in name and "&lt;b&gt;" in name and "<mark>Payments</mark>" in name
    assert "<script>" not in summary and "&lt;script&gt;" in summary
    assert "<mark>payments</mark> &amp; more" in summary


def test_facets_count_every_match_for_the_query_and_filters(payments, api_client):
    body = api_client.get(SEARCH, {"q": "payments", "page_size": 1}).json()
    assert len(body["results"]) == 1  # the page is one; the facets count both matches
    facets = body["facets"]
    assert facets["capability"] == [
        {"value": "payments", "label": "Payments", "count": 2},
        {"value": "forms", "label": "Forms", "count": 1},
    ]
    assert {r["value"]: r["count"] for r in facets["owner"]} == {
        "alpha-office": 1,
        "beta-board": 1,
    }
    assert facets["phase"] == [{"value": "live", "label": "Live", "count": 2}]
    assert facets["standard"] == [{"value": "oauth-2", "label": "OAuth 2.0", "count": 1}]
    assert {r["value"] for r in facets["open_source"]} <= {True, False}

    narrowed = api_client.get(SEARCH, {"q": "payments", "owner": "beta-board"}).json()
    assert [r["slug"] for r in narrowed["results"]] == ["letters"]
    assert narrowed["facets"]["capability"] == [
        {"value": "payments", "label": "Payments", "count": 1}
    ]
    assert narrowed["facets"]["standard"] == []


def test_every_platform_filter_applies(payments, api_client):
    assert slugs(api_client.get(SEARCH, {"q": "payments", "capability": "forms"})) == ["hub"]
    assert slugs(api_client.get(SEARCH, {"q": "payments", "is_open_source": "false"})) == [
        "letters"
    ]
    response = api_client.get(SEARCH, {"q": "payments", "phase": "banana"})
    assert response.status_code == 400 and "phase" in response.json()["errors"]


def test_without_q_everything_is_listed_by_name_with_facets(payments, api_client):
    body = api_client.get(SEARCH).json()
    assert [r["slug"] for r in body["results"]] == ["hosting", "letters", "hub"]
    assert {r["score"] for r in body["results"]} == {0.0}
    assert body["facets"]["phase"] == [{"value": "live", "label": "Live", "count": 3}]


def test_an_ordering_replaces_the_ranking(payments, api_client):
    assert slugs(api_client.get(SEARCH, {"q": "payments", "ordering": "name"})) == [
        "letters",
        "hub",
    ]


def test_only_what_the_user_may_see(org_a, org_b, api_client):
    platform(slug="public", name="Payments hub", summary="Take card payments.", owner=org_b)
    platform(DraftPlatformFactory, slug="ours", name="Payments draft", owner=org_a)
    platform(DraftPlatformFactory, slug="theirs", name="Payments secret", owner=org_b)
    anonymous = api_client.get(SEARCH, {"q": "payments"}).json()
    assert [r["slug"] for r in anonymous["results"]] == ["public"]
    assert {r["value"] for r in anonymous["facets"]["owner"]} == {"beta-board"}
    member = client_for(editor_of(org_a)).get(SEARCH, {"q": "payments"}).json()
    assert sorted(r["slug"] for r in member["results"]) == ["ours", "public"]
    assert slugs(client_for(editor_of(org_a)).get(SEARCH, {"q": "secret"})) == []


# --- pages -----------------------------------------------------------------------------------


@pytest.fixture
def many(org_a):
    return [
        platform(slug=f"p{n:02}", name=f"Notify {n:02}", summary="Send messages.", owner=org_a)
        for n in range(7)
    ]


def _walk(client, url, params):
    seen, body = [], client.get(url, params).json()
    while True:
        seen += [row["slug"] for row in body["results"]]
        if not body["next"]:
            return seen, body
        body = client.get(body["next"]).json()


@pytest.mark.parametrize("url", [SEARCH, PLATFORMS])
def test_ranked_results_come_in_offset_pages(many, api_client, url):
    first = api_client.get(url, {"q": "notify", "page_size": 3})
    assert first.json()["count"] == 7
    assert 'rel="next"' in first["Link"]
    walked, last = _walk(api_client, url, {"q": "notify", "page_size": 3})
    assert sorted(walked) == [p.slug for p in many]  # every match once
    assert last["previous"]
    one_go = slugs(api_client.get(url, {"q": "notify", "page_size": 100}))
    assert walked == one_go  # the pages are the ranking, cut


@pytest.mark.parametrize("url", [SEARCH, PLATFORMS])
def test_offsets_have_a_hard_maximum(many, api_client, url):
    assert api_client.get(url, {"q": "notify", "offset": 1000}).status_code == 200
    response = api_client.get(url, {"q": "notify", "offset": 1001})
    assert response.status_code == 400
    assert "narrow the query" in response.json()["errors"]["offset"][0]
    assert api_client.get(url, {"q": "notify", "offset": -1}).status_code == 400
    # The next link stops where offsets do.
    body = api_client.get(url, {"q": "notify", "page_size": 1, "offset": 1000}).json()
    assert body["next"] is None


def test_the_platform_list_ranks_q_as_search_does(payments, api_client):
    ranked = slugs(api_client.get(SEARCH, {"q": "payments"}))
    assert slugs(api_client.get(PLATFORMS, {"q": "payments"})) == ranked == ["hub", "letters"]
    # Stemming and typos, which the old substring match missed.
    assert slugs(api_client.get(PLATFORMS, {"q": "payment"}))[0] == "hub"
    assert slugs(api_client.get(PLATFORMS, {"q": "paymnets hub"}))[0] == "hub"
    # With an ordering, that order (then slug), still in offset pages.
    body = api_client.get(PLATFORMS, {"q": "payments", "ordering": "-name"}).json()
    assert [r["slug"] for r in body["results"]] == ["hub", "letters"]
    assert body["count"] == 2


def test_the_platform_list_without_q_keeps_its_cursor_pages(many, api_client):
    body = api_client.get(PLATFORMS, {"page_size": 2}).json()
    assert "count" not in body and "cursor=" in body["next"]
    blank = api_client.get(PLATFORMS, {"q": "  ", "page_size": 2}).json()
    assert "count" not in blank and "cursor=" in blank["next"]  # a blank q searches nothing


def test_a_searched_list_ignores_a_cursor(many, api_client):
    cursor = api_client.get(PLATFORMS, {"page_size": 2}).json()["next"].split("cursor=")[1]
    body = api_client.get(PLATFORMS, {"q": "notify", "cursor": cursor, "page_size": 2}).json()
    assert body["count"] == 7 and len(body["results"]) == 2


def test_a_long_query_is_cut_not_refused(many, api_client):
    response = api_client.get(SEARCH, {"q": "notify " + "x" * 50_000})
    assert response.status_code == 200


def test_the_searched_list_answers_in_csv(payments, api_client):
    response = api_client.get(PLATFORMS, {"q": "payments", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()  # streamed
    assert [line.split(",")[1] for line in lines[1:]] == ["hub", "letters"]


def test_search_has_no_csv(payments, api_client):
    assert api_client.get(SEARCH, {"format": "csv"}).status_code == 404


# --- cost ------------------------------------------------------------------------------------


@pytest.fixture
def catalogue(org_a):
    """40 matching platforms with capabilities and standards, and one other."""
    capabilities = [CapabilityFactory() for _ in range(3)]
    standards = [StandardFactory() for _ in range(2)]
    for n in range(40):
        created = PublishedPlatformFactory(
            name=f"Notify {n}", summary="Send text messages.", owner=org_a
        )
        created.capabilities.set(capabilities)
        created.standards.set(standards)
    PublishedPlatformFactory(name="Unique zebra", summary="Nothing alike.", owner=org_a)
    search.reindex_all()


@pytest.mark.parametrize("actor", ["anonymous", "editor_of_owner"])
@pytest.mark.parametrize("url", [SEARCH, PLATFORMS])
def test_queries_do_not_grow_with_the_results(
    catalogue, actors, actor, url, django_assert_max_num_queries
):
    client = client_for(actors[actor])
    # token + search (synonyms, candidates, count) + count + page + prefetches + highlights +
    # five facets: a constant, whatever the number of matches.
    with django_assert_max_num_queries(20) as one:
        one_result = client.get(url, {"q": "zebra", "page_size": 100})
    with django_assert_max_num_queries(20) as forty:
        forty_results = client.get(url, {"q": "notify", "page_size": 100})
    assert len(one_result.json()["results"]) == 1
    assert len(forty_results.json()["results"]) == 40
    assert len(forty.captured_queries) == len(one.captured_queries)


def test_organisation_filter_facets_use_the_owner_slug(api_client):
    owner = OrganisationFactory(slug="hmrc", name="HM Revenue & Customs")
    platform(name="Tax payments", summary="Pay tax.", owner=owner)
    facets = api_client.get(SEARCH, {"q": "tax"}).json()["facets"]
    assert facets["owner"] == [{"value": "hmrc", "label": "HM Revenue & Customs", "count": 1}]
    assert slugs(api_client.get(SEARCH, {"q": "tax", "owner": facets["owner"][0]["value"]}))
