"""The embedded default (SQLite) searches through FTS5 at scale (issue 14): one ranking query
counts and facets every match, a page reads only its own rows, the typo lookup is one query,
and the index stays true after every write. What a user notices: the same results, pages and
facets as reading the whole ranking would give; an honest count when only the best are listed.
SQLite only (PostgreSQL has its own backend and tests)."""

from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from platforms import search, services
from platforms.models import Organisation, Platform
from platforms.search import portable
from platforms.search.base import total_matches
from tests.factories import (
    AdminUserFactory,
    CapabilityFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    StandardFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.sqlite(reason="the SQLite (FTS5) backend"),
]

SEARCH = "/api/v1/search/"


def widgets(count: int, *, owners=None, capabilities=None) -> list[Platform]:
    """``count`` published platforms that all match "widget", worded differently so that they
    rank differently, spread over owners and capabilities, indexed as the services index."""
    owners = owners or [OrganisationFactory() for _ in range(3)]
    capabilities = capabilities or [CapabilityFactory() for _ in range(2)]
    made = []
    for i in range(count):
        platform = PublishedPlatformFactory(
            name=f"Widget {i:03}" if i % 3 == 0 else f"Gadget {i:03}",
            summary="Builds widgets." if i % 2 else "Repairs things.",
            description="Widget widget widget." if i % 5 == 0 else "Made of widgets.",
            owner=owners[i % len(owners)],
            phase="live" if i % 4 else "beta",
            is_open_source=bool(i % 2),
        )
        platform.capabilities.set([capabilities[i % len(capabilities)]])
        made.append(platform)
    search.reindex(made)
    return made


def api_pages(client, page_size: int, field: str = "slug", **params) -> list[str]:
    found, offset = [], 0
    while True:
        response = client.get(SEARCH, {**params, "page_size": page_size, "offset": offset})
        assert response.status_code == 200, response.content
        rows = response.json()["results"]
        found += [row[field] for row in rows]
        if len(rows) < page_size:
            return found
        offset += page_size


# --- pages, counts and facets ------------------------------------------------------------------


def test_pages_follow_the_whole_ranking(api_client):
    widgets(23)
    whole = [p.slug for p in search.search(Platform.objects.published(), "widget")]
    assert len(whole) == 23
    assert api_pages(api_client, 5, q="widget") == whole
    # A page read on its own, deep in the ranking, is the same slice.
    assert [p.slug for p in search.search(Platform.objects.published(), "widget")[10:15]] == (
        whole[10:15]
    )


def test_pages_with_a_filter_and_another_ordering_are_right(api_client):
    widgets(17)
    live = [
        p.slug for p in search.search(Platform.objects.published().filter(phase="live"), "widget")
    ]
    assert live and len(live) < 17
    assert api_pages(api_client, 4, q="widget", phase="live") == live
    by_name = api_pages(api_client, 4, "name", q="widget", ordering="name")
    assert by_name == sorted(by_name, key=str.lower)
    assert sorted(by_name) == sorted(p.name for p in Platform.objects.published())


def test_a_filter_after_the_search_still_filters():
    widgets(12)
    result = search.search(Platform.objects.published(), "widget")
    beta = list(result.filter(phase="beta"))
    assert beta and all(p.phase == "beta" for p in beta)
    assert result.filter(phase="beta").count() == len(beta)
    assert result.count() == 12


def test_count_and_facets_describe_every_match_beyond_the_ranked_candidates(
    api_client, monkeypatch
):
    monkeypatch.setattr(portable, "CANDIDATES", 5)
    made = widgets(14)
    response = api_client.get(SEARCH, {"q": "widget", "page_size": 50})
    body = response.json()
    assert body["count"] == 14
    assert len(body["results"]) == 5  # only the best candidates are ranked into pages
    owners = Counter(p.owner.slug for p in made)
    phases = Counter(p.phase for p in made)
    capabilities = Counter(c.slug for p in made for c in p.capabilities.all())
    open_source = Counter(p.is_open_source for p in made)
    assert {f["value"]: f["count"] for f in body["facets"]["owner"]} == owners
    assert {f["value"]: f["count"] for f in body["facets"]["phase"]} == phases
    assert {f["value"]: f["count"] for f in body["facets"]["capability"]} == capabilities
    assert {f["value"]: f["count"] for f in body["facets"]["open_source"]} == open_source


def test_the_search_page_says_when_only_the_best_are_listed(client, monkeypatch):
    monkeypatch.setattr(portable, "CANDIDATES", 5)
    widgets(14)
    page = client.get("/search/", {"q": "widget"}).content.decode()
    assert "14 platforms found" in page
    assert "Only the best 5 are listed" in page
    few = client.get("/search/", {"q": "widget", "phase": "beta"}).content.decode()
    assert "4 platforms found" in few
    assert "Only the best" not in few


def test_standard_and_owner_facets_are_named():
    standard = StandardFactory(slug="oauth-2", name="OAuth 2.0")
    owner = OrganisationFactory(slug="hmrc", name="HM Revenue & Customs")
    platform = PublishedPlatformFactory(name="Tax widget", owner=owner)
    platform.standards.set([standard])
    search.reindex(platform)
    facets = search.facets(search.search(Platform.objects.published(), "widget"))
    assert facets["standard"] == [{"value": "oauth-2", "label": "OAuth 2.0", "count": 1}]
    assert facets["owner"] == [{"value": "hmrc", "label": "HM Revenue & Customs", "count": 1}]


@pytest.mark.parametrize("q", ["widget", "widgt", "widget gadget"])
def test_queries_do_not_grow_with_the_matches(api_client, q, django_assert_max_num_queries):
    owners = [OrganisationFactory() for _ in range(3)]
    capabilities = [CapabilityFactory() for _ in range(2)]
    widgets(6, owners=owners, capabilities=capabilities)  # enough for no fallback to "any word"
    search.forget()
    with django_assert_max_num_queries(14) as few:
        assert api_client.get(SEARCH, {"q": q}).json()["count"] >= 1
    widgets(60, owners=owners, capabilities=capabilities)
    search.forget()
    with django_assert_max_num_queries(14) as many:
        assert api_client.get(SEARCH, {"q": q}).json()["count"] >= 20
    assert len(many.captured_queries) == len(few.captured_queries)
    ranking = [q for q in many.captured_queries if "MATCH" in q["sql"]]
    # The typo lookup (one query for every word) and the ranking with its count and facets.
    assert len(ranking) <= 3, [q["sql"][:80] for q in ranking]


def test_every_misspelt_word_is_looked_up_in_one_query():
    PublishedPlatformFactory(name="Notify", summary="Send letters and payments.")
    search.reindex(Platform.objects.all())
    search.forget()
    with CaptureQueriesContext(connection) as queries:
        found = list(search.search(Platform.objects.published(), "notfy lettrs paymnts"))
    assert [p.name for p in found] == ["Notify"]
    lookups = [q for q in queries.captured_queries if portable.WORDS in q["sql"]]
    assert len(lookups) == 1


# --- the real reference data ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("reference_catalogue")
class TestTyposOnTheReferenceData:
    @pytest.mark.parametrize(("q", "slug"), [("paymnt", "govuk-pay"), ("notfy", "govuk-notify")])
    def test_a_typo_finds_the_platform_first(self, api_client, q, slug):
        response = api_client.get(SEARCH, {"q": q})
        assert response.json()["results"][0]["slug"] == slug


# --- the index stays true after every write --------------------------------------------------


def matching(word: str) -> set[str]:
    search.forget()
    return {p.slug for p in search.search(Platform.objects.all(), word)}


def indexed_ids() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid FROM {portable.INDEX}")  # noqa: S608
        return {row[0] for row in cursor.fetchall()}


def test_the_services_keep_the_index_true():
    admin = AdminUserFactory()
    owner = OrganisationFactory(name="Department for Widgets", abbreviation="DfW")
    registered = services.platform_register(
        actor=admin, owner=owner, name="Quokka ledger", summary="Keeps accounts."
    )
    assert registered.slug in matching("quokka")
    services.platform_update(actor=admin, platform=registered, data={"name": "Wombat ledger"})
    assert registered.slug not in matching("quokka")
    assert registered.slug in matching("wombat")
    services.reference_save(
        actor=admin, model=Organisation, data={"name": "Ministry of Echidnas"}, instance=owner
    )
    assert registered.slug in matching("echidnas")
    services.platform_delete(actor=admin, platform=Platform.objects.get(pk=registered.pk))
    assert registered.pk not in indexed_ids()
    assert not matching("wombat")


def test_a_platform_deleted_outside_the_services_leaves_the_index():
    kept, gone = PublishedPlatformFactory(name="Kept widget"), PublishedPlatformFactory()
    search.reindex([kept, gone])
    Platform.objects.filter(pk=gone.pk).delete()
    assert indexed_ids() == {kept.pk}


def test_generated_platforms_are_indexed():
    call_command(
        "generate_catalogue",
        platforms=40,
        organisations=5,
        adoptions=20,
        dependencies=5,
        seed=7,
        no_progress=True,
        verbosity=0,
    )
    generated = Platform.objects.filter(slug__startswith="gen7-")
    assert generated.count() == 40
    assert indexed_ids() >= set(generated.values_list("pk", flat=True))
    sample = generated.order_by("pk").first()
    word = next(w for w in sample.name.lower().split() if len(w) > 3 and w.isalpha())
    assert sample.slug in matching(word)


def test_a_queryset_with_a_join_is_searched_right():
    """A caller's filter that joins another table (here the owner) is kept as it is."""
    owners = [OrganisationFactory(abbreviation="DfW"), OrganisationFactory(abbreviation="MoG")]
    made = widgets(10, owners=owners)
    of_dfw = Platform.objects.published().filter(owner__abbreviation="DfW")
    found = search.search(of_dfw, "widget")
    expected = {p.slug for p in made if p.owner == owners[0]}
    assert {p.slug for p in found} == expected
    assert [p.slug for p in found[1:3]] == [p.slug for p in list(found)[1:3]]
    counts = {f["value"]: f["count"] for f in search.facets(found)["owner"]}
    assert counts == {owners[0].slug: len(expected)}


def test_a_filter_after_the_search_is_counted_and_faceted(monkeypatch):
    monkeypatch.setattr(portable, "CANDIDATES", 5)
    made = widgets(14)
    result = search.search(Platform.objects.published(), "widget")
    assert total_matches(result) == 14
    beta = result.filter(phase="beta")
    # What the ranking counted no longer holds: the rows are counted as they are.
    assert total_matches(beta) is None
    assert beta.count() == len([p for p in result if p.phase == "beta"])
    assert {f["value"] for f in search.facets(beta)["phase"]} == {"beta"}
    assert len(made) == 14


def test_the_search_page_counts_and_facets_with_open_source_ticked(client, monkeypatch):
    monkeypatch.setattr(portable, "CANDIDATES", 5)
    made = widgets(14)
    page = client.get("/search/", {"q": "widget", "open_source": "true"}).content.decode()
    open_source = [p for p in made if p.is_open_source]
    assert f"{len(open_source)} platforms found" in page
    assert "Only the best 5 are listed" in page
    response = client.get("/search/", {"q": "widget", "open_source": "true"})
    phase_facet = next(f for f in response.context["facets"] if f["name"] == "phase")
    shown = {item["value"]: item["text"] for item in phase_facet["items"]}
    phases = Counter(p.phase for p in open_source)
    assert shown == {
        phase: f"{Platform.Phase(phase).label} ({count})" for phase, count in phases.items()
    }
