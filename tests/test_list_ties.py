"""Pages never skip or repeat a row, even where the documented ordering ties.

A slug is unique among published platforms and within an owner only (``0007_draft_slugs``): a
member of several organisations sees the published "case-tracker" and each of their own
organisations' drafts "case-tracker", all named "Case Tracker". Those rows tie on every
documented ordering (name, then slug); the primary key breaks the tie, so each page continues
where the last one stopped: the API's cursor pages, forwards and backwards, and the public
pages' numbered pages."""

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogue.web import views
from platforms.models import Platform
from tests.api.conftest import client_for
from tests.factories import (
    CapabilityFactory,
    DraftPlatformFactory,
    InReviewPlatformFactory,
    MembershipFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ORDERINGS = [None, "name", "-name", "updated_at", "-updated_at", "reuse_count", "-reuse_count"]


@pytest.fixture
def member_with_twins():
    """A member of three organisations, each with its own "Case Tracker" beside the published
    one, and platforms before and after them in every order; every row shares ``updated_at``
    and ``reuse_count`` (0), so those orderings tie across the whole list."""
    member = UserFactory()
    platforms = [PublishedPlatformFactory(name="Case Tracker", slug="case-tracker")]
    for kind in (DraftPlatformFactory, DraftPlatformFactory, InReviewPlatformFactory):
        organisation = OrganisationFactory()
        MembershipFactory(user=member, organisation=organisation)
        platforms.append(kind(owner=organisation, name="Case Tracker", slug="case-tracker"))
    platforms.append(PublishedPlatformFactory(name="Address Lookup", slug="address-lookup"))
    platforms.append(PublishedPlatformFactory(name="Zebra Forms", slug="zebra-forms"))
    DraftPlatformFactory(name="Hidden Tracker", slug="case-tracker")  # not the member's
    casework = CapabilityFactory(name="Case management", slug="case-management")
    for platform in platforms:
        platform.capabilities.add(casework)
    Platform.objects.update(updated_at=timezone.now())  # nobody adopts any: reuse_count 0
    return member


def _visible(member) -> list[tuple[str, str]]:
    return sorted(Platform.objects.visible_to(member).values_list("owner__slug", "slug"))


def _row(row: dict) -> tuple[str, str]:
    return row["owner"]["slug"], row["slug"]  # unique (platform_owner_slug_unique)


def _walk(client, params: dict) -> list[tuple[str, str]]:
    """The rows of every page, following the next links from the first page to the end."""
    seen: list[tuple[str, str]] = []
    page = client.get("/api/v1/platforms/", params).json()
    for _ in range(20):
        seen.extend(_row(row) for row in page["results"])
        if not page["next"]:
            return seen
        page = client.get(page["next"]).json()
    raise AssertionError(f"more pages than rows: {seen}")


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_paging_one_at_a_time_shows_each_visible_row_exactly_once(member_with_twins, ordering):
    visible = _visible(member_with_twins)
    assert len(visible) == 6  # the published twin, three of the member's, two others
    client = client_for(member_with_twins)
    params = {"page_size": 1, **({"ordering": ordering} if ordering else {})}
    whole = client.get("/api/v1/platforms/", {**params, "page_size": 100}).json()["results"]

    forwards = _walk(client, params)

    assert sorted(forwards) == visible, forwards
    assert forwards == [_row(row) for row in whole]  # the order of one page holding them all


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_paging_back_from_the_last_page_shows_each_row_exactly_once(member_with_twins, ordering):
    client = client_for(member_with_twins)
    params = {"page_size": 1, **({"ordering": ordering} if ordering else {})}
    forwards = _walk(client, params)
    # Forwards to the last page, then back along the previous links to the first.
    page = client.get("/api/v1/platforms/", params).json()
    while page["next"]:
        page = client.get(page["next"]).json()
    backwards = [_row(row) for row in page["results"]]
    while page["previous"]:
        page = client.get(page["previous"]).json()
        backwards.extend(_row(row) for row in page["results"])

    assert backwards == forwards[::-1]


# --- the public pages: numbered pages of one row --------------------------------------------


@pytest.mark.parametrize(
    ("url", "size", "rows"),
    [
        (reverse("web:search"), "PAGE_SIZE", "page"),  # no words: every platform, by name
        (reverse("web:capability", args=["case-management"]), "CAPABILITY_PAGE_SIZE", "platforms"),
    ],
)
def test_a_public_list_one_row_a_page_shows_each_row_exactly_once(
    client, member_with_twins, monkeypatch, url, size, rows
):
    monkeypatch.setattr(views, size, 1)
    client.force_login(member_with_twins)
    seen = []
    for number in range(1, 7):
        response = client.get(url, {"page": number})
        assert response.status_code == 200, (number, response.status_code)
        seen.extend((p.owner.slug, p.slug) for p in response.context[rows])

    assert sorted(seen) == _visible(member_with_twins)


def test_the_unsearched_search_endpoint_one_row_a_page_shows_each_row_exactly_once(
    member_with_twins,
):
    client = client_for(member_with_twins)
    seen = []
    for offset in range(6):
        page = client.get("/api/v1/search/", {"page_size": 1, "offset": offset}).json()
        seen.extend(_row(row) for row in page["results"])
    assert sorted(seen) == _visible(member_with_twins)
