"""Lists read as rows of values (api/rows.py) and JSON written by orjson (api/renderers.py)
answer exactly what the model-instance path and DRF's renderer answer: the same bytes, status,
pagination links and headers, page after page, for a reader, an editor and an administrator."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api import renderers
from api.representation import drf_only
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
    editor_of,
)

HEADERS = ("Content-Type", "Link", "ETag", "Allow", "Vary", "Content-Length")


@pytest.fixture
def catalogue(db):
    gds = OrganisationFactory(slug="digital-service", name="Digital Service")
    other = OrganisationFactory(slug="other-office", name="Other Office")
    payments = CapabilityFactory(slug="payments", name="Payments")
    forms = CapabilityFactory(slug="forms", name="Forms")
    alerts = CapabilityFactory(slug="alerts", name="alerts")  # lower case sorts by the database
    oauth = StandardFactory(slug="oauth-2", name="OAuth 2.0")
    wcag = StandardFactory(slug="wcag-2-2", name="WCAG 2.2")
    draft = DraftPlatformFactory(slug="new-letters", name="New letters", owner=other)
    platforms = []
    for index in range(7):
        platform = PublishedPlatformFactory(
            slug=f"platform-{index}",
            name=f"Platform {index} «ü»",
            # U+2028 is escaped in the JSON; a quote, a backslash and a control character too.
            summary=f'Line\u2028break "{index}" \\ \x01 – {"x" * index}',
            owner=gds if index % 2 else other,
            phase=Platform.Phase.LIVE if index % 3 else Platform.Phase.BETA,
            tags=["payments", f"tag {index}"] if index % 2 else [],
            contract_end_date=datetime.date(2027, 3, index + 1) if index % 2 else None,
            is_open_source=bool(index % 2),
        )
        platform.capabilities.set([payments, forms, alerts][: index % 4])
        platform.standards.set([wcag, oauth][: index % 3])
        platforms.append(platform)
    retiring = platforms[3]
    retiring.phase = Platform.Phase.RETIRING
    retiring.replaced_by = draft  # shown to editors of its owner only
    retiring.save()
    platforms[5].phase = Platform.Phase.RETIRED
    platforms[5].replaced_by = platforms[1]
    platforms[5].save()
    for index, platform in enumerate(platforms[:4]):
        AdoptionFactory(
            platform=platform,
            organisation=gds if platform.owner == other else other,
            use_case=f"Use «{index}»",
            start_date=datetime.date(2024, 1, index + 1),
            evidence_url="https://example.org/evidence" if index % 2 else "",
        )
        AdoptionFactory(platform=platforms[0], organisation=OrganisationFactory(), notes="N\u2029")
    AdoptionFactory(platform=draft, organisation=gds, status=Adoption.Status.PLANNED)
    Platform.objects.filter(pk=platforms[2].pk).update(reuse_count=3)
    return {"other": other}


PATHS = [
    "/api/v1/platforms/",
    "/api/v1/platforms/?page_size=2",
    "/api/v1/platforms/?page_size=3&ordering=-reuse_count",
    "/api/v1/platforms/?page_size=3&ordering=reuse_count",
    "/api/v1/platforms/?page_size=3&ordering=-updated_at",
    "/api/v1/platforms/?ordering=-name&format=json",
    "/api/v1/platforms/?phase=live&capability=payments",
    "/api/v1/platforms/?owner=other-office&standard=oauth-2",
    "/api/v1/platforms/?state=draft",
    "/api/v1/platforms/platform-0/adoptions/?page_size=2",
    "/api/v1/platforms/new-letters/adoptions/",
    "/api/v1/organisations/digital-service/platforms/?page_size=2",
    "/api/v1/organisations/other-office/adoptions/",
    "/api/v1/adoptions/?page_size=3",
    "/api/v1/adoptions/?status=planned",
    # Details read their capabilities and standards as summaries too.
    "/api/v1/platforms/platform-3/",
    "/api/v1/platforms/platform-5/?format=json",
    "/api/v1/platforms/platform-0/",
    "/api/v1/platforms/new-letters/",
]


def _pages(client, path: str, **headers) -> list:
    """The response to ``path`` and to each next link after it."""
    responses = []
    while path and len(responses) < 10:
        response = client.get(path, **headers)
        responses.append(response)
        path = response.json().get("next") if response.status_code == 200 else None
    return responses


def _answer(response) -> tuple:
    return (
        response.status_code,
        response.content,
        {name: response.headers.get(name) for name in HEADERS},
    )


@pytest.mark.parametrize("who", ["anonymous", "editor_of_other", "administrator"])
def test_lists_read_as_rows_answer_what_drf_answers(catalogue, who, monkeypatch):
    user = {
        "anonymous": None,
        "editor_of_other": editor_of(catalogue["other"]),
        "administrator": AdminUserFactory(),
    }[who]
    client = client_for(user)
    for path in PATHS:
        fast = [_answer(response) for response in _pages(client, path)]
        with drf_only(), monkeypatch.context() as patched:
            patched.setattr(renderers, "orjson", NoOrjson)
            reference = [_answer(response) for response in _pages(client, path)]
        assert fast == reference, path
        hidden = who == "anonymous" and "new-letters" in path  # another body's draft: a 404
        assert all(status == (404 if hidden else 200) for status, _b, _h in fast), path
    assert len(_pages(client, "/api/v1/platforms/?page_size=2")) >= 4  # the links were followed


@pytest.mark.parametrize("path", ["/api/v1/platforms/", "/api/v1/platforms/platform-1/"])
def test_the_page_is_read_as_rows(catalogue, path):
    """The fast path is the one taken: the queries read only the columns shown (no capability
    or standard descriptions, no replacement's texts), no more of them than DRF's path reads (on
    PostgreSQL one statement, api/fast.py)."""
    client = client_for(None)
    with CaptureQueriesContext(connection) as fast:
        client.get(path)
    with drf_only(), CaptureQueriesContext(connection) as reference:
        client.get(path)
    assert len(fast) == (1 if connection.vendor == "postgresql" else len(reference))
    assert len(reference) == 3
    unshown = ('"platforms_capability"."description"', '"platforms_standard"."description"')
    read = " ".join(query["sql"] for query in fast.captured_queries)
    assert not any(column in read for column in unshown)
    read = " ".join(query["sql"] for query in reference.captured_queries)
    assert all(column in read for column in unshown)


def test_a_hidden_replacement_stays_hidden_in_the_list(catalogue):
    anonymous = client_for(None).get("/api/v1/platforms/?page_size=100").json()["results"]
    editor = client_for(editor_of(catalogue["other"]))
    shown = editor.get("/api/v1/platforms/?page_size=100").json()["results"]
    by_slug = {row["slug"]: row for row in anonymous}
    assert by_slug["platform-3"]["replaced_by"] is None
    assert {row["slug"]: row for row in shown}["platform-3"]["replaced_by"]["slug"] == (
        "new-letters"
    )
    assert by_slug["platform-5"]["replaced_by"]["url"].endswith("/api/v1/platforms/platform-1/")


def test_the_browsable_api_still_reads_the_records(catalogue):
    client = client_for(AdminUserFactory())
    for path in ("/api/v1/platforms/", "/api/v1/platforms/platform-1/", "/api/v1/adoptions/"):
        response = client.get(path, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, path
        assert b"platform-1" in response.content, path


def test_indented_json_is_still_drf_s(catalogue):
    response = client_for(None).get(
        "/api/v1/platforms/?page_size=1", HTTP_ACCEPT="application/json; indent=2"
    )
    assert response.content.startswith(b'{\n  "next": ')
