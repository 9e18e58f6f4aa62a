"""The API's ranked search answers exactly what DRF's own path answers, whichever way its page is
read. On PostgreSQL a page of results is ONE statement (``api/fast.py``: ``RankedRows``): the
rows with their owner, replacement, capabilities and standards, their scores and their
highlights, represented by the serializer's compiled plan. DRF's path (``drf_only``, its own
renderer) reads the page as model instances, then their capabilities, their standards and their
highlights: four queries. Both must give the same ranked results in the same order, the same
counts, facets and links, byte for byte, for every reader, page, query and filter.

On SQLite (the embedded default) the page is always read as instances: the same comparisons
hold there trivially, and the query counts are PostgreSQL's."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.db import connection

from api import renderers
from api.representation import drf_only
from platforms import search
from platforms.models import Platform, Synonym
from tests.api.conftest import NoOrjson, client_for
from tests.factories import (
    AdminUserFactory,
    CapabilityFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    StandardFactory,
    editor_of,
)

POSTGRES = connection.vendor == "postgresql"
SEARCH = "/api/v1/search/"
# Text that HTML escaping, JSON writers and the highlighter each treat in their own way: markup,
# quotes, the highlighter's own start and stop marks (\x02, \x03), non-ASCII, a float lookalike.
TRICKY = 'Tags <b>&amp; "quotes" \x02marks\x03 «ü» 中文 1e-07'

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _many_requests(unthrottled):
    """Each test walks many pages twice (fast and DRF): not throttled."""


@pytest.fixture
def catalogue():
    """Thirty payment platforms (pages and ties), text-message ones reached by a synonym, a
    retiring one replaced by a draft that only its owner's members may see, a retired one
    replaced by a published one."""
    Synonym.objects.update_or_create(
        term="text message", defaults={"expansions": "sms, notifications"}
    )
    search.forget()
    gds = OrganisationFactory(slug="gds", name=f"Digital {TRICKY}", abbreviation="GDS")
    other = OrganisationFactory(slug="other", name="Other Office", abbreviation="OTH")
    payments = CapabilityFactory(slug="payments", name="Payments")
    alerts = CapabilityFactory(slug="alerts", name="Alerts")
    tricky = CapabilityFactory(slug="tricky", name=TRICKY)
    oauth = StandardFactory(slug="oauth-2", name="OAuth 2.0")
    wcag = StandardFactory(slug="wcag-2-2", name="WCAG 2.2")
    draft = DraftPlatformFactory(slug="new-payments", name="New payments", owner=gds)
    made = []
    for index in range(30):
        platform = PublishedPlatformFactory(
            slug=f"pay-{index:02d}",
            # Equal names in threes: ties in score broken by name, then id.
            name=f"Payments service {index // 3}" if index % 5 else f"Pay {TRICKY} {index}",
            summary=f"Take card payments {TRICKY} and send text messages {index}.",
            owner=gds if index % 2 else other,
            tags=[TRICKY] if index % 3 == 0 else [],
            is_open_source=bool(index % 2),
        )
        platform.capabilities.set([payments, alerts, tricky][: index % 4])
        platform.standards.set([oauth, wcag][: index % 3])
        made.append(platform)
    for name, summary in (
        ("GOV.UK Notify", "Send emails, text messages and letters."),
        ("SMS relay", "Sends SMS reminders."),
        ("Notifications hub", "Push notifications for councils."),
    ):
        PublishedPlatformFactory(name=name, summary=summary, owner=other)
    made[4].phase, made[4].replaced_by = Platform.Phase.RETIRING, draft
    made[7].phase, made[7].replaced_by = Platform.Phase.RETIRED, made[8]
    for platform in (made[4], made[7]):
        platform.save()
    for index, count in enumerate((3, 0, 7, 1, 3)):
        Platform.objects.filter(pk=made[index].pk).update(reuse_count=count)
    search.reindex_all()
    return {"gds": gds, "other": other}


def _answer(response) -> tuple:
    return response.status_code, response.content, dict(response.headers)


def _both(client, path, monkeypatch):
    fast = client.get(path)
    with drf_only(), monkeypatch.context() as patched:
        patched.setattr(renderers, "orjson", NoOrjson)
        reference = client.get(path)
    return fast, reference


QUERIES = [
    {"q": "payments"},
    {"q": "payments", "page_size": 7, "offset": 14},
    {"q": "payments", "offset": 29},
    {"q": "payments", "page_size": 100},
    {"q": "send text messages"},  # the synonyms: marked and ranked too
    {"q": "text message", "page_size": 5, "offset": 5},
    {"q": "notfy"},  # a typo: the names alike rescue it
    {"q": "<b>&amp"},  # markup in the query
    {"q": "marks"},  # the highlighter's own marks in the text
    {"q": "the"},  # no word to mark
    {"q": "zzzz"},  # nothing found
    {"q": "payments", "phase": "retiring"},  # a filter
    {"q": "payments", "ordering": "name"},  # another order: read as instances
    {"q": "payments", "capability": "tricky", "owner": "gds"},
]


@pytest.mark.parametrize("who", ["anonymous", "editor_of_gds", "administrator"])
def test_every_search_answer_is_drf_s(catalogue, who, monkeypatch):
    user = {
        "anonymous": None,
        "editor_of_gds": editor_of(catalogue["gds"]),
        "administrator": AdminUserFactory(),
    }[who]
    client = client_for(user)
    for params in QUERIES:
        path = f"{SEARCH}?{urlencode(params)}"
        fast, reference = _both(client, path, monkeypatch)
        assert fast.status_code == 200, path
        assert _answer(fast) == _answer(reference), path
    body = client.get(SEARCH, {"q": "payments", "page_size": 100}).json()
    replaced = {row["slug"]: row["replaced_by"] for row in body["results"]}
    # The retiring platform's replacement is a draft: named to its owner's members only.
    assert (replaced["pay-04"] is not None) == (who != "anonymous")
    assert replaced["pay-07"]["slug"] == "pay-08"


@pytest.mark.postgres(
    reason="SQLite orders a page by its rounded scores, its ranking by the exact ones: ties of "
    "the one are not ties of the other"
)
def test_a_page_follows_the_ranking(catalogue, api_client):
    ranked = [p.slug for p in search.search(Platform.objects.published(), "payments")]
    pages = []
    for offset in (0, 7, 14, 21, 28):
        body = api_client.get(SEARCH, {"q": "payments", "page_size": 7, "offset": offset}).json()
        assert body["count"] == len(ranked)
        pages += [row["slug"] for row in body["results"]]
    assert pages == ranked


def test_highlights_mark_the_words_and_escape_the_rest(catalogue, api_client):
    body = api_client.get(SEARCH, {"q": "text message", "page_size": 100}).json()
    relay = next(row for row in body["results"] if row["name"] == "SMS relay")
    assert relay["highlights"]["name"] == "<mark>SMS</mark> relay"  # by the synonym
    summary = next(row for row in body["results"] if row["slug"] == "pay-01")
    marked = summary["highlights"]["summary"]
    assert marked.startswith("Take card payments Tags &lt;b&gt;&amp;amp; &quot;quotes&quot; ")
    assert marked.endswith(" «ü» 中文 1e-07 and send <mark>text</mark> <mark>messages</mark> 1.")


@pytest.mark.postgres(reason="the page's one statement is PostgreSQL's (api/fast.py)")
@pytest.mark.parametrize("who", ["anonymous", "editor_of_gds"])
def test_a_page_of_results_is_one_statement(catalogue, who, django_assert_max_num_queries):
    client = client_for(None if who == "anonymous" else editor_of(catalogue["gds"]))
    # The synonyms (remembered for a few seconds), the owners alike, the ranking with its count
    # and facets, the page with its relations, scores and highlights; signed in, the token (2)
    # and the reader's memberships (may they see the draft named as a replacement?). DRF's
    # path read the page, its capabilities, its standards and its highlights in four.
    with django_assert_max_num_queries(4 if who == "anonymous" else 7) as queries:
        body = client.get(SEARCH, {"q": "payments", "page_size": 25}).json()
    assert len(body["results"]) == 25
    reads = [q["sql"] for q in queries.captured_queries]
    assert not any('platforms_platform_capabilities"."platform_id' in sql for sql in reads)
    assert sum("ts_headline" in sql for sql in reads) == 1


# --- only q named: searched without building the FilterSet -------------------------------------

ONLY_Q = [
    {"q": "payments"},
    {"q": "  send   text messages  ", "page_size": 5},
    {"q": ""},  # blank: everything, unranked
    {"q": "   "},
    {"q": "pay\x00ments"},  # refused by the form's field: the FilterSet's 400
    {"q": "x" * 500},
]


@pytest.mark.parametrize("path", [SEARCH, "/api/v1/platforms/"])
def test_only_q_answers_what_the_filterset_answers(catalogue, path, monkeypatch):
    from api.filters import PlatformFilter

    client = client_for(None)
    for params in [*ONLY_Q, "q=notfy&q=payments"]:  # repeated: the last one, as the form reads
        query = params if isinstance(params, str) else urlencode(params)
        answered = client.get(f"{path}?{query}")
        with monkeypatch.context() as patched:
            patched.setattr(PlatformFilter, "searched_only", classmethod(lambda *args: None))
            reference = client.get(f"{path}?{query}")
        assert _answer(answered) == _answer(reference), query
    assert client.get(f"{path}?q=pay%00ments").status_code == 400
    built = []
    original = PlatformFilter.__init__
    monkeypatch.setattr(
        PlatformFilter, "__init__", lambda self, *a, **k: built.append(1) or original(self, *a, **k)
    )
    assert client.get(path, {"q": "payments"}).status_code == 200
    assert not built  # no FilterSet built for q alone
    assert client.get(path, {"q": "payments", "phase": "live"}).status_code == 200
    assert built
