"""The PostgreSQL search scores its candidates with SQL written once per search (``SCORE_SQL``),
not with ORM expressions resolved and compiled at every request (3-5 ms of Python for a query of
several words at 100,000 platforms). These tests hold that SQL to the ranking formula written
with Django's own search expressions: text rank for all the words (or a synonym) twice and for
any of them once, 0.8 of the name's word similarity, 0.3 of the owner's abbreviation similarity,
all times the platform's standing (its phase, unless every word of the query is in its name,
and its reuse).
"""

from __future__ import annotations

import pytest
from django.contrib.postgres.search import (
    SearchRank,
    TrigramSimilarity,
    TrigramWordSimilarity,
)
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from platforms import search
from platforms.models import Platform, Synonym
from platforms.search import get_backend
from platforms.search.base import named_by, standing
from tests.factories import AdoptionFactory, OrganisationFactory, PublishedPlatformFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres(reason="the scoring SQL is the PostgreSQL backend's"),
]

RANK_NORMALISATION = Value(32)


def formula(query: str):
    """The score of the search documentation, as ORM expressions."""
    strict, broad = get_backend()._queries(query)
    vector = F("search_vector")
    ranks = 2 * SearchRank(vector, strict, normalization=RANK_NORMALISATION) + SearchRank(
        vector, broad, normalization=RANK_NORMALISATION
    )
    return (
        ranks
        + 0.8 * TrigramWordSimilarity(query, "name")
        + 0.3 * Coalesce(TrigramSimilarity("owner__abbreviation", query), 0.0)
    )


@pytest.fixture
def catalogue():
    Synonym.objects.update_or_create(
        term="text message", defaults={"expansions": "sms, notifications"}
    )
    notices = OrganisationFactory(name="Notices Office", abbreviation="NTFY")
    payments = OrganisationFactory(name="Payments Agency", abbreviation="PAY")
    rows = [
        ("GOV.UK Notify", "Send text messages, emails and letters to users.", notices),
        ("Text message relay", "Sends SMS reminders about appointments.", payments),
        ("Notifications hub", "Push notifications for council services.", notices),
        ("Card payments", "Take card payments online.", payments),
        ("Payment links", "Send people a link to pay; text messages on request.", payments),
        ("Booking service", "Book appointments; reminders by text message.", notices),
        ("Message board", "Publish messages to staff.", payments),
    ]
    made = {
        name: PublishedPlatformFactory(name=name, summary=summary, owner=owner)
        for name, summary, owner in rows
    }
    # Standing: one retired, one retiring, two reused by a few organisations.
    Platform.objects.filter(name="Message board").update(phase=Platform.Phase.RETIRED)
    Platform.objects.filter(name="Notifications hub").update(phase=Platform.Phase.RETIRING)
    for name, adopters in (("Card payments", 3), ("GOV.UK Notify", 7)):
        for _ in range(adopters):
            AdoptionFactory(platform=made[name])
    search.reindex_all()


@pytest.mark.parametrize(
    "query",
    [
        "send text messages",
        "text message",
        "message board",
        "board",
        "payments",
        "card payments",
        "notfy",
        "pay",
    ],
)
def test_each_result_scores_what_the_formula_gives(catalogue, query):
    results = list(search.search(Platform.objects.published(), query))
    assert results, f"{query!r} finds the platforms that hold it"
    expected = dict(
        Platform.objects.filter(pk__in=[p.pk for p in results])
        .annotate(expected=formula(query))
        .values_list("pk", "expected")
    )
    for platform in results:
        named = named_by(query, platform.name)
        expected[platform.pk] *= standing(platform.phase, platform.reuse_count, named=named)
        assert platform.score == pytest.approx(expected[platform.pk], abs=1e-9), platform.name
    # Best first, ties by name, as the ranking says.
    assert [p.pk for p in results] == [
        pk
        for pk, _name in sorted(
            ((p.pk, p.name) for p in results), key=lambda r: (-expected[r[0]], r[1], r[0])
        )
    ]


def test_a_query_of_several_words_and_its_synonyms_ranks_the_closest_name_first(catalogue):
    names = [p.name for p in search.search(Platform.objects.published(), "send text messages")]
    assert names[0] == "Text message relay"
    assert {"GOV.UK Notify", "Notifications hub", "Booking service"} <= set(names)
    assert "Card payments" not in names
