"""Search is for finding something to reuse: of platforms the words match alike, the one in
service and used by more organisations comes first, and a retired platform comes after what
replaced it. The text score is multiplied by the platform's standing (``base.STANDING_SQL``),
on both databases."""

from __future__ import annotations

import pytest
from django.urls import reverse

from platforms.models import Platform
from platforms.search.base import standing
from tests.factories import AdoptionFactory, OrganisationFactory, PublishedPlatformFactory


def _ranked(client, query: str) -> list[dict]:
    response = client.get(reverse("api:search-list"), {"q": query, "page_size": 20})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def _slugs(client, query: str) -> list[str]:
    return [row["slug"] for row in _ranked(client, query)]


# --- the rule, on two platforms the words match alike ------------------------------------------


@pytest.fixture
def twins(db):
    """Two platforms whose text is the same, owned by organisations the query does not name."""
    made = {}
    for key, abbreviation in (("first", "QXA"), ("second", "QXB")):
        owner = OrganisationFactory(name=f"Office {abbreviation}", abbreviation=abbreviation)
        made[key] = PublishedPlatformFactory(
            name=f"Widget register {key}",
            summary="Keeps the register of widgets for local services.",
            description="",
            owner=owner,
            phase=Platform.Phase.LIVE,
        )
    return made


def _scores(client, query: str) -> dict[str, float]:
    return {row["slug"]: row["score"] for row in _ranked(client, query)}


def test_alike_matches_score_the_same_until_one_is_reused(twins, api_client):
    first, second = twins["first"], twins["second"]
    scores = _scores(api_client, "widgets")
    assert scores[first.slug] == pytest.approx(scores[second.slug], rel=1e-3)

    for _ in range(5):
        AdoptionFactory(platform=second)
    second.refresh_from_db()
    assert second.reuse_count == 5

    scores = _scores(api_client, "widgets")
    assert list(scores)[0] == second.slug, "the reused one comes first"
    assert scores[second.slug] / scores[first.slug] == pytest.approx(
        standing(Platform.Phase.LIVE, 5), rel=1e-3
    )


@pytest.mark.parametrize("phase", [Platform.Phase.RETIRING, Platform.Phase.RETIRED])
def test_a_platform_leaving_service_comes_after_one_in_service(twins, api_client, phase):
    first, second = twins["first"], twins["second"]
    Platform.objects.filter(pk=first.pk).update(phase=phase)
    from platforms import search

    search.reindex([first.pk])  # an update() bypasses the services; the index is told here

    scores = _scores(api_client, "widgets")
    assert list(scores) == [second.slug, first.slug]
    assert scores[first.slug] / scores[second.slug] == pytest.approx(standing(phase, 0), rel=1e-3)


def test_a_retired_platform_named_by_the_query_keeps_its_place(db, api_client):
    owner = OrganisationFactory(name="Office QXC", abbreviation="QXC")
    summary = "Keeps the register of widgets for local services."
    retired = PublishedPlatformFactory(
        name="Widget register", summary=summary, owner=owner, phase=Platform.Phase.RETIRED
    )
    live = PublishedPlatformFactory(
        name="Widget register service", summary=summary, owner=owner, phase=Platform.Phase.LIVE
    )
    # Asked for by another name, the live one comes first ...
    assert _slugs(api_client, "widget register service")[0] == live.slug
    # ... but whoever types the retired one's name (in any case) finds it first.
    assert _slugs(api_client, "WIDGET REGISTER")[0] == retired.slug
    assert standing(Platform.Phase.RETIRED, 0, named=True) == 1.0


def test_reuse_never_turns_a_weak_match_into_a_strong_one():
    """However many organisations use a platform, its score at most doubles."""
    assert standing(Platform.Phase.LIVE, 0) == 1.0
    assert standing(Platform.Phase.LIVE, 20) == pytest.approx(1.5)
    assert standing(Platform.Phase.LIVE, 10**6) < 2.0
    assert standing(Platform.Phase.RETIRED, 10**6) < standing(Platform.Phase.LIVE, 0)


# --- what an architect sees on the real catalogue ----------------------------------------------


@pytest.mark.django_db
class TestOnTheRealCatalogue:
    """The reference data as ``make run`` loads it, adoptions included."""

    @pytest.fixture(autouse=True)
    def _data(self, reference_data):
        pass

    def test_payments_finds_the_payments_platform_first(self, api_client):
        slugs = _slugs(api_client, "payments")
        assert slugs[0] == "govuk-pay", slugs

    def test_a_retired_platform_comes_after_the_one_replacing_it(self, api_client):
        verify = Platform.objects.get(slug="govuk-verify")
        assert verify.phase == Platform.Phase.RETIRED
        assert verify.replaced_by.slug == "govuk-one-login"
        slugs = _slugs(api_client, "identity")
        assert slugs.index("govuk-one-login") < slugs.index("govuk-verify"), slugs

    def test_naming_a_retired_platform_still_finds_it_first(self, api_client):
        assert _slugs(api_client, "GOV.UK Verify")[0] == "govuk-verify"

    def test_the_search_page_shows_the_same_order(self, client):
        response = client.get(reverse("web:search"), {"q": "payments"})
        page = response.content.decode()
        assert page.index("GOV.UK Pay") < page.index("Payment Dates")
