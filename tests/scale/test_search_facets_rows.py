"""The facets of a large set given without words by filters the kept figures do not answer (a
kind, for instance: browsing, with or without phases or openness, reads ``FacetCount``) are
counted from the search names on PostgreSQL (issue 14: 350-690 ms at 100,000 platforms, now
110-200). They must be the counts of the platforms the reader may see, as any other set's are,
and follow every write at once. The size from which that path is taken is lowered here so that
a few platforms cross it."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from platforms.models import Platform
from platforms.search import postgres
from tests.api.conftest import client_for
from tests.factories import (
    CapabilityFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    StandardFactory,
    editor_of,
)
from tests.scale.facets import expected, shown

SEARCH = "/api/v1/search/"
# A filter that keeps every platform: without one, or with phases or openness only, the
# facets are read from the kept figures (tests/scale/test_browse_facets_kept.py), not counted.
EVERY_KIND = {"kind": list(Platform.Kind.values)}

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres(reason="the search names are the PostgreSQL backend's"),
]


@pytest.fixture
def catalogue(monkeypatch):
    monkeypatch.setattr(postgres, "ROWS_FACETS_MATERIALISED_FROM", 0)
    monkeypatch.setattr(postgres, "ROWS_FACETS_FROM", 0)
    payments, notifications = (
        CapabilityFactory(name="Payments"),
        CapabilityFactory(name="Notifications"),
    )
    api_standard = StandardFactory(name="Open API 3")
    home, other = OrganisationFactory(name="Home Office"), OrganisationFactory(name="HMRC")
    for i, (phase, owner, capabilities, open_source) in enumerate(
        [
            ("live", home, [payments], True),
            ("live", home, [payments, notifications], False),
            ("beta", other, [notifications], True),
            ("alpha", other, [], False),
            ("live", other, [payments], False),
        ]
    ):
        platform = PublishedPlatformFactory(
            name=f"Shared service {i}", phase=phase, owner=owner, is_open_source=open_source
        )
        platform.capabilities.set(capabilities)
        if i % 2 == 0:
            platform.standards.set([api_standard])
    draft = DraftPlatformFactory(name="Home draft", phase="live", owner=home)
    draft.capabilities.set([payments])
    return {"home": home, "payments": payments, "draft": draft}


def search_names_read(queries) -> bool:
    return any(
        "platforms_search_name" in q["sql"]
        and "GROUPING" in q["sql"]
        and " AS NOT MATERIALIZED (" in q["sql"]
        for q in queries
    )


def test_browsing_counts_every_published_platform_from_the_search_names(client, catalogue):
    with CaptureQueriesContext(connection) as queries:
        body = client.get(SEARCH, EVERY_KIND).json()
    assert search_names_read(queries.captured_queries)
    assert shown(body["facets"]) == expected(Platform.objects.published())
    assert shown(body["facets"])["capability"][catalogue["payments"].slug] == 3  # not the draft


def test_an_editor_browsing_also_counts_the_drafts_they_may_see(catalogue):
    editor = editor_of(catalogue["home"])
    with CaptureQueriesContext(connection) as queries:
        body = client_for(editor).get(SEARCH, EVERY_KIND).json()
    assert search_names_read(queries.captured_queries)
    visible = Platform.objects.visible_to(editor)
    assert visible.count() == 6
    assert shown(body["facets"]) == expected(visible)


def test_a_phase_filter_counts_the_platforms_in_that_phase(client, catalogue):
    with CaptureQueriesContext(connection) as queries:
        body = client.get(SEARCH, {"phase": ["live", "beta"], **EVERY_KIND}).json()
    assert search_names_read(queries.captured_queries)
    assert shown(body["facets"]) == expected(
        Platform.objects.published().filter(phase__in=["live", "beta"])
    )
    assert shown(body["facets"])["phase"] == Counter({"live": 3, "beta": 1})


def test_the_search_page_without_words_shows_the_same_counts(client, catalogue):
    page = client.get(reverse("web:search")).content.decode()
    assert "Payments (3)" in page
    assert "Notifications (2)" in page
    assert "Live (3)" in page


def test_the_counts_follow_a_write_at_once(client, catalogue):
    before = shown(client.get(SEARCH, EVERY_KIND).json()["facets"])
    platform = Platform.objects.published().get(name="Shared service 4")
    platform.capabilities.remove(catalogue["payments"])
    Platform.objects.filter(pk=platform.pk).update(phase="retiring")
    after = shown(client.get(SEARCH, EVERY_KIND).json()["facets"])
    assert after["capability"][catalogue["payments"].slug] == (
        before["capability"][catalogue["payments"].slug] - 1
    )
    assert after["phase"]["retiring"] == 1
    assert after == expected(Platform.objects.published())


def test_a_small_set_is_counted_through_the_platforms_indexes(client, catalogue, monkeypatch):
    monkeypatch.setattr(postgres, "ROWS_FACETS_MATERIALISED_FROM", 10_000)
    monkeypatch.setattr(postgres, "ROWS_FACETS_FROM", 10_000)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(SEARCH, EVERY_KIND).json()
    assert not any("platforms_search_name" in q["sql"] for q in queries.captured_queries)
    assert shown(body["facets"]) == expected(Platform.objects.published())


def test_a_middling_set_is_counted_from_the_search_names_read_once(client, catalogue, monkeypatch):
    # A capability's platforms, between the two sizes: the search names read once, materialised.
    monkeypatch.setattr(postgres, "ROWS_FACETS_MATERIALISED_FROM", 0)
    monkeypatch.setattr(postgres, "ROWS_FACETS_FROM", 10_000)
    payments = catalogue["payments"]
    with CaptureQueriesContext(connection) as queries:
        body = client.get(SEARCH, {"capability": payments.slug}).json()
    read = [q["sql"] for q in queries.captured_queries if "platforms_search_name" in q["sql"]]
    assert read and all(" AS MATERIALIZED (" in sql for sql in read)
    meeting = Platform.objects.published().filter(capabilities=payments)
    assert shown(body["facets"]) == expected(meeting)
    assert body["count"] == meeting.count() == 3
