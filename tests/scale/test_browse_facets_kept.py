"""Browsing (the search page and ``search/`` without words), of the whole catalogue or with
only phases or openness ticked, reads its facets and its count from the figures kept for them
(``FacetCount``): counting 90,000 platforms took 135-213 ms at 100,000, a phase ticked 183-201
ms (issue 14). They must be the counts of exactly the platforms the reader may see, never
another organisation's draft, and follow every write at once, on both backends."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from platforms import insight_figures, services
from platforms.models import FacetCount, Platform
from tests.api.conftest import client_for
from tests.factories import (
    AdminUserFactory,
    CapabilityFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    StandardFactory,
    editor_of,
)
from tests.scale.facets import expected, shown

SEARCH = "/api/v1/search/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    payments, notifications = (
        CapabilityFactory(name="Payments"),
        CapabilityFactory(name="Notifications"),
    )
    api, accessibility = StandardFactory(name="Open API 3"), StandardFactory(name="WCAG 2.2")
    home, other = OrganisationFactory(name="Home Office"), OrganisationFactory(name="HMRC")
    for i, (phase, owner, capabilities, open_source) in enumerate(
        [
            ("live", home, [payments], True),
            ("live", home, [payments, notifications], False),
            ("beta", other, [notifications], True),
            ("alpha", other, [], False),
            ("retired", other, [payments], False),
        ]
    ):
        platform = PublishedPlatformFactory(
            name=f"Shared service {i}", phase=phase, owner=owner, is_open_source=open_source
        )
        platform.capabilities.set(capabilities)
        platform.standards.set([api] if i % 2 == 0 else [api, accessibility])
    # Each organisation's draft: seen by its own members and administrators only.
    for owner in (home, other):
        draft = DraftPlatformFactory(
            name=f"{owner.name} draft", phase="beta", owner=owner, is_open_source=True
        )
        draft.capabilities.set([payments])
        draft.standards.set([accessibility])
    return {
        "home": home,
        "other": other,
        "payments": payments,
        "accessibility": accessibility,
        "api": api,
    }


def browse(user, params=None):
    """The API's search without words as ``user`` sees it, and whether the kept figures (and
    not the platforms) gave its facets."""
    client = client_for(user) if user is not None else Client()
    with CaptureQueriesContext(connection) as queries:
        body = client.get(SEARCH, params or {}).json()
    kept = any(FacetCount._meta.db_table in q["sql"] for q in queries.captured_queries)
    return body, kept


@pytest.mark.parametrize("reader", ["anonymous", "home editor", "other editor", "administrator"])
def test_browsing_shows_the_counts_of_what_the_reader_may_see(catalogue, reader):
    user = {
        "anonymous": lambda: None,
        "home editor": lambda: editor_of(catalogue["home"]),
        "other editor": lambda: editor_of(catalogue["other"]),
        "administrator": AdminUserFactory,
    }[reader]()
    body, kept = browse(user)
    assert kept
    visible = Platform.objects.visible_to(user or AnonymousUser())
    assert shown(body["facets"]) == expected(visible)
    assert body["count"] == visible.count() == len(body["results"])
    payments = shown(body["facets"])["capability"][catalogue["payments"].slug]
    # 3 published, and the drafts of the reader's own organisation (both for an administrator).
    assert payments == {"anonymous": 3, "home editor": 4, "other editor": 4}.get(reader, 5)


@pytest.mark.parametrize(
    "params",
    [
        {"phase": ["live"]},
        {"phase": ["live", "beta", "retired"]},
        {"is_open_source": "true"},
        {"is_open_source": "false", "phase": ["beta", "alpha"]},
    ],
)
def test_phases_and_openness_ticked_are_counted_from_the_kept_figures(catalogue, params):
    editor = editor_of(catalogue["home"])
    body, kept = browse(editor, params)
    assert kept
    visible = Platform.objects.visible_to(editor)
    if "phase" in params:
        visible = visible.filter(phase__in=params["phase"])
    if "is_open_source" in params:
        visible = visible.filter(is_open_source=params["is_open_source"] == "true")
    assert shown(body["facets"]) == expected(visible)
    assert body["count"] == visible.count() == len(body["results"]) > 0


@pytest.mark.parametrize("facet", ["capability", "owner", "standard"])
def test_any_other_filter_is_counted_from_the_platforms(catalogue, facet):
    value = {
        "capability": catalogue["payments"].slug,
        "owner": catalogue["home"].slug,
        "standard": catalogue["accessibility"].slug,
    }[facet]
    body, kept = browse(None, {facet: value, "phase": ["live", "retired"]})
    assert not kept
    visible = Platform.objects.published().filter(phase__in=["live", "retired"])
    visible = visible.filter(
        **{
            {"capability": "capabilities__slug", "owner": "owner__slug"}.get(
                facet, "standards__slug"
            ): value
        }
    )
    assert shown(body["facets"]) == expected(visible)
    assert body["count"] == visible.count()


def test_the_search_page_with_a_phase_and_open_source_ticked_shows_the_kept_counts(
    client, catalogue
):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(
            reverse("web:search"), {"phase": ["live", "beta"], "open_source": "true"}
        ).content.decode()
    assert any(FacetCount._meta.db_table in q["sql"] for q in queries.captured_queries)
    assert "2 platforms found" in page
    assert "Live (1)" in page
    assert "Beta (1)" in page


def test_the_counts_follow_every_kind_of_write_at_once(catalogue):
    home, payments = catalogue["home"], catalogue["payments"]
    editor = editor_of(home)
    platform = Platform.objects.published().get(name="Shared service 3")
    # Each on its own: made open source, then live with other standards.
    services.platform_update(actor=None, platform=platform, data={"is_open_source": True})
    services.platform_update(
        actor=None,
        platform=platform,
        data={"phase": "live", "standards": [catalogue["accessibility"]]},
    )
    draft = Platform.objects.get(name="Home Office draft")
    draft.standards.add(catalogue["api"])
    services.platform_submit(actor=None, platform=draft)
    services.platform_publish(actor=None, platform=draft)
    services.platform_update(actor=None, platform=platform, data={"owner": home})
    services.platform_delete(actor=None, platform=Platform.objects.get(name="HMRC draft"))
    services.platform_retire(actor=None, platform=Platform.objects.get(name="Shared service 0"))
    for user in (None, editor, AdminUserFactory()):
        body, kept = browse(user)
        assert kept
        visible = Platform.objects.visible_to(user or AnonymousUser())
        assert shown(body["facets"]) == expected(visible)
        assert body["count"] == visible.count()
    facets = shown(browse(None)[0]["facets"])
    assert facets["capability"][payments.slug] == 4  # the published draft counts for everyone
    assert facets["owner"][home.slug] == 4
    assert facets["open_source"][True] == 4  # 0 and 2, 3 made open, the published draft
    assert insight_figures.stored() == insight_figures.fresh()


def test_the_search_page_without_words_shows_the_kept_counts(client, catalogue):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("web:search")).content.decode()
    assert any(FacetCount._meta.db_table in q["sql"] for q in queries.captured_queries)
    assert "5 platforms found" in page
    assert "Payments (3)" in page
    assert "WCAG 2.2 (2)" in page  # the drafts' are not counted
    assert "Retired (1)" in page


def test_the_rebuild_after_a_bulk_write_gives_the_same_counts(catalogue):
    before = shown(browse(None)[0]["facets"])
    FacetCount.objects.all().delete()
    insight_figures.rebuild()
    assert shown(browse(None)[0]["facets"]) == before
    assert insight_figures.stored() == insight_figures.fresh()


def test_a_capability_or_standard_deleted_leaves_no_count_behind(catalogue):
    catalogue["accessibility"].delete()
    catalogue["payments"].delete()
    assert insight_figures.stored() == insight_figures.fresh()
    body, kept = browse(None)
    assert kept
    assert shown(body["facets"]) == expected(Platform.objects.published())
    assert catalogue["payments"].slug not in shown(body["facets"])["capability"]
