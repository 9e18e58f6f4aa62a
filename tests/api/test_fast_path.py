"""The platform list, the detail and the nested adoption lists answered by ``api/fast.py`` (one SQL
statement on PostgreSQL, no DRF dispatch) answer exactly what DRF's path answers: status, body byte
for byte, and headers, for every ordering, cursor page (forwards and back), role, HEAD and
conditional request; throttled once; and errors left to DRF's one error shape.

On SQLite (the embedded default) the fast path is not taken: the same comparisons hold trivially
there, and ``test_the_fast_path_is_taken`` says which path answered."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from api import renderers
from api.representation import drf_only
from api.security import AnonRateThrottle, SignedInRateThrottle
from platforms.models import Adoption, Platform
from tests.api.conftest import NoOrjson, client_for
from tests.factories import (
    AdminUserFactory,
    AdoptionFactory,
    CapabilityFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    StandardFactory,
    UserFactory,
    editor_of,
)

POSTGRES = connection.vendor == "postgresql"
# Text that JSON writers escape differently if they can: quotes, backslashes, control characters,
# the line and paragraph separators DRF escapes, non-ASCII, and what looks like a float.
TRICKY = 'Quote " back\\slash \x01\x1f\t\n tab «ü» – 中文 \u2028 \u2029 1e-07 0.0000 </script>'


@pytest.fixture(autouse=True)
def _many_requests(unthrottled):
    """Each test walks many pages twice (fast and DRF): not throttled."""


@pytest.fixture
def catalogue(db):
    gds = OrganisationFactory(slug="digital-service", name=f"Digital {TRICKY}")
    other = OrganisationFactory(slug="other-office", name="Other Office")
    payments = CapabilityFactory(slug="payments", name="Payments")
    tricky = CapabilityFactory(slug="tricky", name=TRICKY)
    alerts = CapabilityFactory(slug="alerts", name="alerts")
    wcag = StandardFactory(slug="wcag-2-2", name="WCAG 2.2")
    draft = DraftPlatformFactory(slug="new-letters", name="New letters", owner=other)
    # Another organisation's draft under a published platform's slug: never shown to others.
    DraftPlatformFactory(slug="platform-1", name="Shadow draft", owner=other)
    platforms = []
    for index in range(9):
        platform = PublishedPlatformFactory(
            slug=f"platform-{index}",
            # Equal names: the cursor's position repeats, and its offset counts them.
            name=f"Platform {index // 3} {TRICKY}",
            summary=f"{TRICKY} {index}",
            description=f"Long {TRICKY}",
            descriptions={"en": f"English {TRICKY}", "cy": "Cymraeg"} if index == 2 else {},
            owner=gds if index % 2 else other,
            tags=[TRICKY, f"tag {index}"] if index % 2 else [],
            contract_end_date=datetime.date(2027, 3, index + 1) if index % 2 else None,
            sources=TRICKY,
        )
        platform.capabilities.set([payments, tricky, alerts][: index % 4])
        platform.standards.set([wcag][: index % 2])
        platforms.append(platform)
    platforms[3].phase = Platform.Phase.RETIRING
    platforms[3].replaced_by = draft  # shown to editors of its owner only
    platforms[3].save()
    platforms[5].phase = Platform.Phase.RETIRED
    platforms[5].replaced_by = platforms[1]
    platforms[5].part_of = platforms[2]
    platforms[5].save()
    for index in range(7):
        AdoptionFactory(
            platform=platforms[0],
            organisation=gds if index == 0 else OrganisationFactory(name=f"Body {index}"),
            use_case=f"Use {TRICKY} {index}",
            notes=TRICKY,
            start_date=datetime.date(2024, 1, index + 1),
        )
    AdoptionFactory(platform=draft, organisation=gds, status=Adoption.Status.PLANNED)
    AdoptionFactory(platform=platforms[1], organisation=gds)
    for index, count in enumerate((3, 3, 0, 7, 1, 3, 0, 0, 2)):
        Platform.objects.filter(pk=platforms[index].pk).update(reuse_count=count)
    return {"gds": gds, "other": other}


def _who(catalogue, who):
    return {
        "anonymous": None,
        "editor_of_other": editor_of(catalogue["other"]),
        "editor_of_gds": editor_of(catalogue["gds"]),
        "administrator": AdminUserFactory(),
        "no_membership": UserFactory(),
    }[who]


def _answer(response) -> tuple:
    return response.status_code, response.content, dict(response.headers)


def _both(client, method, path, monkeypatch, **headers) -> tuple:
    fast = getattr(client, method)(path, **headers)
    with drf_only(), monkeypatch.context() as patched:
        patched.setattr(renderers, "orjson", NoOrjson)
        reference = getattr(client, method)(path, **headers)
    return fast, reference


def _walk(client, path, monkeypatch, link="next", limit=12) -> list:
    """Each page from ``path`` along ``link``, compared with DRF's answer; the pages seen."""
    pages = []
    while path and len(pages) < limit:
        fast, reference = _both(client, "get", path, monkeypatch)
        assert _answer(fast) == _answer(reference), path
        pages.append(fast)
        path = fast.json().get(link) if fast.status_code == 200 else None
    return pages


LISTS = [
    "/api/v1/platforms/",
    "/api/v1/platforms/?page_size=2",
    *(
        f"/api/v1/platforms/?page_size=2&ordering={sign}{name}"
        for sign in ("", "-")
        for name in ("name", "updated_at", "reuse_count")
    ),
    # Filters, alone, together, with an ordering; a repeated or comma-separated choice.
    "/api/v1/platforms/?phase=live&capability=payments&page_size=2",
    "/api/v1/platforms/?phase=live,retiring&phase=retired&page_size=2&ordering=-reuse_count",
    "/api/v1/platforms/?owner=digital-service&standard=wcag-2-2&page_size=1",
    "/api/v1/platforms/?capability=tricky&kind=service_platform&is_open_source=No",
    "/api/v1/platforms/?state=draft",
    "/api/v1/platforms/?state=published&is_open_source=true&page_size=2&ordering=-name",
    "/api/v1/platforms/platform-0/adoptions/?page_size=2",
    "/api/v1/platforms/new-letters/adoptions/",
    "/api/v1/platforms/platform-1/adoptions/",
    "/api/v1/organisations/digital-service/adoptions/?page_size=2",
    "/api/v1/organisations/other-office/adoptions/",
]
PLATFORM_ADOPTIONS = "/api/v1/platforms/platform-0/adoptions/?page_size=2"
ORGANISATION_ADOPTIONS = "/api/v1/organisations/digital-service/adoptions/?page_size=2"
FILTERED = "/api/v1/platforms/?phase=live&capability=payments&page_size=2"
DETAILS = [f"/api/v1/platforms/platform-{index}/" for index in (0, 1, 2, 3, 5)] + [
    "/api/v1/platforms/new-letters/",
]


@pytest.mark.parametrize(
    "who", ["anonymous", "editor_of_other", "editor_of_gds", "administrator", "no_membership"]
)
def test_every_page_forwards_and_back_is_drf_s(catalogue, who, monkeypatch):
    client = client_for(_who(catalogue, who))
    for path in LISTS:
        pages = _walk(client, path, monkeypatch)
        hidden = who in ("anonymous", "editor_of_gds", "no_membership") and "new-letters" in path
        assert pages[0].status_code == (404 if hidden else 200), path
        if len(pages) > 2:  # back from the last page, by the previous links (reverse cursors)
            back = _walk(client, pages[-1].json()["previous"], monkeypatch, link="previous")
            assert back[-1].json()["previous"] is None, path
    assert len(_walk(client, "/api/v1/platforms/?page_size=2", monkeypatch)) >= 5


@pytest.mark.parametrize("who", ["anonymous", "editor_of_other", "administrator"])
def test_details_are_drf_s(catalogue, who, monkeypatch):
    client = client_for(_who(catalogue, who))
    for path in DETAILS:
        fast, reference = _both(client, "get", path, monkeypatch)
        assert _answer(fast) == _answer(reference), path
        # Another organisation's draft is a 404, whatever its slug shares.
        hidden = who == "anonymous" and "new-letters" in path
        assert fast.status_code == (404 if hidden else 200), path
        if fast.status_code == 200:
            assert fast.json()["name"] != "Shadow draft" or who != "anonymous"
    languages = {"HTTP_ACCEPT_LANGUAGE": "cy, en;q=0.5"}
    fast, reference = _both(
        client, "get", "/api/v1/platforms/platform-2/", monkeypatch, **languages
    )
    assert _answer(fast) == _answer(reference)
    assert fast.json()["description"] == "Cymraeg"


def test_a_member_sees_their_own_draft_and_nobody_else_does(catalogue, monkeypatch):
    editor = client_for(editor_of(catalogue["other"]))
    stranger = client_for(editor_of(catalogue["gds"]))
    assert editor.get("/api/v1/platforms/new-letters/").json()["state"] == "draft"
    assert stranger.get("/api/v1/platforms/new-letters/").status_code == 404
    # The published platform-1 answers to its slug, not the other body's draft of that slug.
    assert stranger.get("/api/v1/platforms/platform-1/").json()["name"].startswith("Platform 0")
    shown = editor.get("/api/v1/platforms/?page_size=100").json()["results"]
    assert {"new-letters", "platform-1"} <= {row["slug"] for row in shown}
    assert sum(row["slug"] == "platform-1" for row in shown) == 2  # published and own draft
    listed = stranger.get("/api/v1/platforms/?page_size=100").json()["results"]
    assert "new-letters" not in {row["slug"] for row in listed}
    by_slug = {row["slug"]: row for row in listed}
    assert by_slug["platform-3"]["replaced_by"] is None


@pytest.mark.parametrize("path", [*DETAILS[:2], LISTS[0], PLATFORM_ADOPTIONS, FILTERED])
def test_head_and_conditional_requests_are_drf_s(catalogue, path, monkeypatch):
    client = client_for(None)
    for headers in (
        {},
        {"HTTP_ACCEPT": "application/json"},
        {"HTTP_ACCEPT": "*/*"},
        {"HTTP_IF_NONE_MATCH": '"1"'},
        {"HTTP_IF_NONE_MATCH": '"999", W/"1"'},
        {"HTTP_IF_NONE_MATCH": "*"},
        {"HTTP_IF_NONE_MATCH": '"999"'},
    ):
        for method in ("get", "head"):
            fast, reference = _both(client, method, path, monkeypatch, **headers)
            assert _answer(fast) == _answer(reference), (method, headers)
    if "adoptions" not in path and path.count("/") == 5:  # a detail
        fast = client.get(path, HTTP_IF_NONE_MATCH='"1"')
        assert fast.status_code == 304
        assert fast["ETag"] == '"1"'


def test_a_session_reader_is_drf_s(catalogue, monkeypatch):
    user = editor_of(catalogue["other"])
    client = APIClient()
    client.force_login(user)
    for path in [*LISTS[:2], *DETAILS, ORGANISATION_ADOPTIONS, FILTERED]:
        _walk(client, path, monkeypatch)
    assert client.get("/api/v1/platforms/new-letters/").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/platforms/?ordering=",
        "/api/v1/platforms/?ordering=slug",
        "/api/v1/platforms/?ordering=name&ordering=slug",
        "/api/v1/platforms/?page_size=0",
        "/api/v1/platforms/?page_size=x",
        "/api/v1/platforms/?cursor=bz1iYW5hbmE=",
        "/api/v1/platforms/?cursor=cD1iYW5hbmE%3D&ordering=-reuse_count",  # p=banana
        "/api/v1/platforms/?cursor=cD1iYW5hbmE%3D&ordering=updated_at",
        "/api/v1/platforms/?q=platform",
        "/api/v1/platforms/?phase=",
        "/api/v1/platforms/?phase=live,",
        "/api/v1/platforms/?phase=,",
        "/api/v1/platforms/?phase=dead",
        "/api/v1/platforms/?capability=nothing",
        "/api/v1/platforms/?capability=payments&capability=tricky",
        "/api/v1/platforms/?owner=nobody&phase=live",
        "/api/v1/platforms/?owner=%00",
        "/api/v1/platforms/?is_open_source=maybe",
        "/api/v1/platforms/?state=gone",
        "/api/v1/platforms/?state=draft&owner=digital-service",
        "/api/v1/platforms/?adopted_by=digital-service",
        "/api/v1/platforms/?format=json",
        "/api/v1/platforms/?format=",
        "/api/v1/platforms/nothing-here/",
        "/api/v1/platforms/nothing-here/adoptions/",
        "/api/v1/organisations/nobody/adoptions/",
        "/api/v1/platforms/platform-0/adoptions/?ordering=id",
        "/api/v1/platforms/platform-0/adoptions/?status=in_use",
        "/api/v1/platforms/platform-0/?owner=other-office",
        "/api/v1/platforms/platform-0.json",
    ],
)
def test_what_the_fast_path_leaves_is_drf_s(catalogue, path, monkeypatch):
    fast, reference = _both(client_for(None), "get", path, monkeypatch)
    assert _answer(fast) == _answer(reference)


@pytest.mark.parametrize("accept", ["text/html", "text/csv", "application/json; indent=2"])
def test_other_formats_are_drf_s(catalogue, accept):
    response = client_for(None).get("/api/v1/platforms/?page_size=1", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(accept.split(";")[0])


def test_a_bad_token_is_drf_s_401(catalogue, monkeypatch):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    fast, reference = _both(client, "get", "/api/v1/platforms/", monkeypatch)
    assert _answer(fast) == _answer(reference)
    assert fast.status_code == 401


@pytest.mark.parametrize("who", ["anonymous", "editor_of_other"])
def test_each_request_is_throttled_once(catalogue, who, monkeypatch):
    """A request answered here and one handed on to DRF (a 404) count once each; the refusal is
    DRF's 429 in the one error shape."""
    throttle = AnonRateThrottle if who == "anonymous" else SignedInRateThrottle
    monkeypatch.setattr(throttle, "rate", "4/minute", raising=False)
    client = client_for(_who(catalogue, who))
    assert client.get("/api/v1/platforms/").status_code == 200
    assert client.get("/api/v1/platforms/nothing-here/").status_code == 404
    assert client.get("/api/v1/platforms/platform-0/adoptions/").status_code == 200
    assert client.get("/api/v1/platforms/platform-0/").status_code == 200
    refused = client.get("/api/v1/platforms/platform-0/")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0
    assert client.get("/api/v1/organisations/other-office/adoptions/").status_code == 429


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/platforms/?page_size=3",
        DETAILS[3],
        PLATFORM_ADOPTIONS,
        ORGANISATION_ADOPTIONS,
        FILTERED,
    ],
    ids=str,
)
def test_the_fast_path_is_taken(catalogue, path):
    """On PostgreSQL one statement answers (a token reader's token lookup aside); DRF's path
    reads more. On SQLite, DRF's path answers."""
    client = client_for(None)
    with CaptureQueriesContext(connection) as fast:
        assert client.get(path).status_code == 200
    with drf_only(), CaptureQueriesContext(connection) as reference:
        assert client.get(path).status_code == 200
    assert len(reference) >= 2
    assert len(fast) == (1 if POSTGRES else len(reference))


@pytest.mark.parametrize("size", [3, 12])
def test_queries_stay_bounded(catalogue, size, django_assert_max_num_queries):
    """As many statements for a page of 12 rows with many relations as for 3: on PostgreSQL the
    page's one, the token's two (knox) and the reader's memberships (the rule on a replacement)."""
    for index in range(size):
        platform = PublishedPlatformFactory(slug=f"more-{index}", owner=catalogue["gds"])
        platform.capabilities.set(list(platform.capabilities.model.objects.all()))
        AdoptionFactory(platform=platform, organisation=catalogue["other"])
    client = client_for(editor_of(catalogue["gds"]))
    paths = [
        "/api/v1/platforms/?page_size=50",
        "/api/v1/platforms/more-0/",
        "/api/v1/organisations/other-office/adoptions/?page_size=50",
    ]
    for path in paths:
        with django_assert_max_num_queries(4 if POSTGRES else 7):
            assert client.get(path).status_code == 200
