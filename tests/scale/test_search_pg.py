"""Search at national scale on PostgreSQL (issue 14): the work per request is bounded whatever
the number of matches, and where a bound changes what the user sees, the API and the search page
say so. The bounds are lowered here so that a few platforms cross them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from platforms import search
from platforms.models import Platform
from platforms.search import base, text
from tests.factories import CapabilityFactory, OrganisationFactory, PublishedPlatformFactory

SEARCH = "/api/v1/search/"

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.postgres(reason="the bounds are the PostgreSQL backend's")


def widgets(n: int, *, owner=None, capability=None) -> list[Platform]:
    owner = owner or OrganisationFactory()
    made = []
    for i in range(n):
        platform = PublishedPlatformFactory(
            name=f"Catalogue entry {i:03d}",
            summary="Keeps a register of widgets for the department.",
            owner=owner,
        )
        if capability is not None:
            platform.capabilities.set([capability])
        made.append(platform)
    search.reindex_all()
    return made


def facet_total(facets: dict, name: str) -> int:
    return sum(entry["count"] for entry in facets[name])


def test_below_the_cap_the_count_is_exact_and_says_so(client):
    widgets(4)
    body = client.get(SEARCH, {"q": "widgets"}).json()
    assert body["count"] == 4
    assert body["count_capped"] is False
    assert facet_total(body["facets"], "phase") == 4
    page = client.get(reverse("web:search"), {"q": "widgets"}).content.decode()
    assert "4 platforms found" in page
    assert "More than" not in page


@postgres_only
def test_a_broad_word_is_counted_up_to_the_cap_and_the_api_says_more_match(client, monkeypatch):
    monkeypatch.setattr(base, "COUNT_CAP", 5)
    widgets(8)
    body = client.get(SEARCH, {"q": "widgets"}).json()
    assert body["count"] == 5
    assert body["count_capped"] is True
    # The facets describe the platforms counted, no more.
    assert facet_total(body["facets"], "phase") == 5
    assert facet_total(body["facets"], "owner") == 5
    assert body["results"] and all("widgets" in r["highlights"]["summary"] for r in body["results"])


@postgres_only
def test_the_search_page_says_more_than_the_cap(client, monkeypatch):
    monkeypatch.setattr(base, "COUNT_CAP", 5)
    widgets(8)
    page = client.get(reverse("web:search"), {"q": "widgets"}).content.decode()
    assert "More than 5 platforms found" in page
    assert "the numbers beside the filters are for the first 5" in page


@postgres_only
def test_a_platform_named_by_the_query_is_ranked_even_beyond_the_sample(client, monkeypatch):
    from platforms.search import postgres

    monkeypatch.setattr(postgres, "RANKED", 3)
    widgets(12)
    named = PublishedPlatformFactory(name="WIDGETS", summary="Keeps a register of widgets.")
    search.reindex(named)
    body = client.get(SEARCH, {"q": "widgets"}).json()
    assert body["results"][0]["slug"] == named.slug
    assert body["count"] == 13
    # Ranked: the sample of text matches plus the name match, best first.
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)


@postgres_only
def test_similar_scores_a_bounded_sample_and_keeps_the_named_duplicate(monkeypatch):
    from platforms.search import postgres

    monkeypatch.setattr(postgres, "SIMILAR_CANDIDATES", 6)
    monkeypatch.setattr(postgres, "SIMILAR_TIER", 2)
    widgets(20)
    twin = PublishedPlatformFactory(
        name="Parcel tracker", summary="Tracks parcels sent by the department."
    )
    search.reindex(twin)
    found = search.similar(
        {"name": "Parcel tracker", "summary": "Keeps a register of widgets and parcels."}
    )
    assert found[0].platform == twin
    assert "similar name to Parcel tracker" in found[0].reasons


@postgres_only
def test_similar_weighs_the_same_sample_whatever_was_written_since(monkeypatch):
    """When more platforms match a draft's words than are scored, the sample is the first
    registered of them: not whichever rows a scan meets first, which moved with every write
    (and with concurrent scans), so that the same draft met different platforms."""
    from platforms.search import postgres

    monkeypatch.setattr(postgres, "SIMILAR_CANDIDATES", 5)
    monkeypatch.setattr(postgres, "SIMILAR_TIER", 2)
    made = widgets(12)
    draft = {"name": "", "summary": "A register of widgets kept for the department."}
    before = [match.platform for match in search.similar(draft, limit=12)]
    assert set(before) <= set(made[:3])
    # Rewritten rows move to the end of the table: a plain scan would now meet them last.
    for platform in made[:3]:
        Platform.objects.filter(pk=platform.pk).update(reuse_count=1)
    assert [match.platform for match in search.similar(draft, limit=12)] == before


@postgres_only
def test_similar_candidates_are_sorted_as_postgresql_would_sort_them():
    """The similar candidates' scores are sorted in Python (sorted in SQL, PostgreSQL computed
    them twice a row): best first, equal sums by id, and a candidate never indexed (no text
    score) after every other, as ``ORDER BY -(name + text), id`` puts them."""
    from platforms.search.postgres import _best_first

    rows = [
        (7, 0.5, 0.25),
        (3, 0.25, 0.5),
        (9, 0.9, None),
        (4, 0.0, 0.0),
        (2, 0.75, 0.0),
        (1, 0.1, None),
        (8, 0.3, 0.6000000238418579),
        (5, 0.0, 0.75),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pk FROM unnest(%s::int[], %s::float8[], %s::float8[]) AS r(pk, n, t) "
            "ORDER BY -(n + t), pk",
            [[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]],
        )
        in_sql = [pk for (pk,) in cursor.fetchall()]
    assert [pk for pk, _n, _t in sorted(rows, key=_best_first)] == in_sql
    assert in_sql[-2:] == [1, 9]


@postgres_only
@pytest.mark.parametrize("draft_name", ["Parcels", "Parcells"])
def test_a_one_word_draft_name_finds_the_name_among_many_mentions(monkeypatch, draft_name):
    """A one-word name finds the platform named with it, even when more platforms mention
    the word (and are more reused) than are weighed; misspelt, through the names alike it."""
    from platforms.search import postgres

    monkeypatch.setattr(postgres, "SIMILAR_CANDIDATES", 6)
    monkeypatch.setattr(postgres, "SIMILAR_TIER", 2)
    owner = OrganisationFactory()
    for i in range(6):
        mention = PublishedPlatformFactory(
            name=f"Catalogue entry {i:03d}", summary="Counts parcels.", owner=owner
        )
        Platform.objects.filter(pk=mention.pk).update(reuse_count=50 + i)
    named = PublishedPlatformFactory(name="GOV.UK Parcels", summary="Tracks deliveries.")
    search.reindex_all()
    found = search.similar({"name": draft_name, "summary": "Sends letters."})
    assert found[0].platform == named
    assert "similar name to GOV.UK Parcels" in found[0].reasons


@postgres_only
@pytest.mark.parametrize("analysed", [False, True])
def test_a_long_draft_finds_the_platform_holding_all_its_words_beyond_the_sample(
    monkeypatch, analysed
):
    """A draft of many words finds the one platform holding every one of them, even when more
    platforms share some of its words than are weighed: the index is asked for its rarest
    words (by PostgreSQL's statistics once the table is analysed, else any three), every word
    checked on what it finds. A platform missing any one of the words is not that twin."""
    from platforms.search import postgres

    monkeypatch.setattr(postgres, "SIMILAR_CANDIDATES", 6)
    monkeypatch.setattr(postgres, "SIMILAR_TIER", 2)
    widgets(12)
    summary = (
        "Keeps a register of widgets for the department, with ledgers, audit trails, "
        "parcel labels and zebra crossings."
    )
    words = text.distinctive_words(summary)
    assert len(words) > postgres.RAREST_WORDS
    near = [
        PublishedPlatformFactory(name="", summary=" ".join(w for w in words if w != missing))
        for missing in words
    ]
    twin = PublishedPlatformFactory(name="", summary=summary)
    search.reindex_all()
    if analysed:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {postgres.SEARCH_ROWS}")
    holding = Platform.objects.filter(postgres._holding_every_word(words))
    assert list(holding) == [twin]
    found = [match.platform for match in search.similar({"name": "", "summary": summary})]
    assert found[0] == twin
    assert not set(near) & set(found)


@postgres_only
def test_the_names_kept_for_comparison_are_those_the_generic_words_leave():
    """Each search row keeps its platform's name as similarity compares it (without the brand
    and the generic words), written with the row and rewritten with a rename: the same text
    the patterns of ``platforms.search.text`` give today, for every generic word and brand."""
    names = [
        "GOV.UK Notify",
        "NHS Login Service",
        "The Platform for Digital Services",
        "Widget_service booking (GOV UK)",
        "Système d'information: the users' platform",
        *(f"Zebra {word} crossing {word.upper()}" for word in sorted(text.COMMON_WORDS)),
        *(f"{word} yak" for word in sorted(text.STOPWORDS)),
    ]
    made = [PublishedPlatformFactory(name=name) for name in names]
    made[0].name = "GOV.UK Notify for the councils"
    made[0].save(update_fields=["name"])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.name, s.compared_name, regexp_replace(regexp_replace(lower(p.name), "
            "%s, ' ', 'g'), %s, ' ', 'g') FROM platforms_platform p "
            "JOIN platforms_search_row s ON s.id = p.id",
            [text.BRANDS_PG, text.GENERIC_PG],
        )
        rows = cursor.fetchall()
    assert len(rows) == len(names)
    assert [(name, kept) for name, kept, now in rows if kept != now] == []
    kept = {name: compared for name, compared, _now in rows}
    assert kept["GOV.UK Notify for the councils"].split() == ["notify"]
    assert "widget_service booking" in kept["Widget_service booking (GOV UK)"]


@postgres_only
def test_similar_compares_the_same_names_whichever_table_it_reads():
    """A queryset the search rows can answer is compared on the names they keep; one filtered
    on a column they do not hold, on the names worked out from the platforms: the same."""
    for name in ("GOV.UK Parcel Service", "Parcel tracker platform", "The parcels", "Yak"):
        PublishedPlatformFactory(name=name, summary="Tracks parcels for the department.")
    search.reindex_all()
    draft = {"name": "Parcel service for the council", "summary": "Tracks parcels."}

    def answers(queryset):
        return [
            (m.platform.name, round(m.score, 9), m.reasons)
            for m in search.similar(draft, queryset=queryset)
        ]

    on_rows = answers(Platform.objects.published())
    # ``description`` is not on the search rows: the platforms are read instead.
    on_platforms = answers(Platform.objects.published().filter(description__isnull=False))
    assert on_rows == on_platforms
    assert on_rows[0][0] == "GOV.UK Parcel Service"


def test_a_capability_given_since_is_shared_at_once_with_the_most_reused(monkeypatch):
    """The most reused platforms meeting a draft's capability are found as soon as they are
    given it, and one that has lost it is no longer offered for it."""
    monkeypatch.setattr(base, "SIMILAR_BY_CAPABILITY", 2)
    capability = CapabilityFactory(name="Widget keeping", slug="widget-keeping")
    made = widgets(6, capability=capability)
    newcomer = PublishedPlatformFactory(name="Zebra crossing register", summary="Counts zebras.")
    Platform.objects.filter(pk=newcomer.pk).update(reuse_count=90)
    draft = {"name": "Yak", "capabilities": [capability.slug]}
    assert newcomer not in [match.platform for match in search.similar(draft, limit=2)]
    newcomer.capabilities.add(capability)
    # Two are weighed: the newcomer (the most reused) and the first registered of the others.
    assert [match.platform for match in search.similar(draft, limit=2)] == [made[0], newcomer]
    newcomer.capabilities.remove(capability)
    found = [match.platform for match in search.similar(draft, limit=2)]
    assert newcomer not in found
    assert set(found) <= set(made)


def test_similar_counts_capability_overlap_of_a_bounded_set(monkeypatch):
    """However many platforms meet the capability, the most reused of them are weighed."""
    monkeypatch.setattr(base, "SIMILAR_BY_CAPABILITY", 3)
    capability = CapabilityFactory(name="Widget keeping", slug="widget-keeping")
    made = widgets(10, capability=capability)
    popular = made[7]
    Platform.objects.filter(pk=popular.pk).update(reuse_count=40)
    found = search.similar({"name": "Zebra", "capabilities": [capability.slug]}, limit=3)
    assert popular in [match.platform for match in found]
    assert all("shares capability Widget keeping" in match.reasons for match in found)
    assert len(found) == 3


def test_search_queries_do_not_grow_with_the_matches(client, django_assert_max_num_queries):
    widgets(2)
    # On PostgreSQL: the synonyms (every few seconds), the owners alike, the ranking with its
    # count and facets, the page in one statement (api/fast.py), and one to spare (was 8: the
    # page, its capabilities, its standards and its highlights were four). SQLite reads the
    # page as instances.
    bound = 5 if connection.vendor == "postgresql" else 8
    with django_assert_max_num_queries(bound) as few:
        assert client.get(SEARCH, {"q": "widgets"}).json()["count"] == 2
    widgets(40)
    with django_assert_max_num_queries(bound) as many:
        assert client.get(SEARCH, {"q": "widgets"}).json()["count"] == 42
    assert len(many.captured_queries) == len(few.captured_queries)
