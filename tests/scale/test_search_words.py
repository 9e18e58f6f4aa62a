"""Search at national scale (issue 14), this round: the typo rescue of a one-word query looks
words up (PostgreSQL: migration 0009_search_words) and finds what comparing whole names found;
a member's search is read by its ranked ids like anyone's. Speed is in benchmarks/, never here."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from platforms import search
from platforms.models import Platform
from platforms.search import base
from tests.factories import (
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    editor_of,
)

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.postgres(reason="the word list is the PostgreSQL backend's")


def platform(name: str, summary: str = "Keeps a register for the department.", **fields):
    made = PublishedPlatformFactory(name=name, summary=summary, **fields)
    search.reindex(made)
    return made


def names(result) -> set[str]:
    return {p.name for p in result}


@postgres_only
@pytest.mark.parametrize("typo", ["notfy", "paymnts", "lettrs", "registr"])
def test_the_words_alike_find_the_names_that_whole_names_alike_found(typo):
    """For names whose words are alike the query's: the difference is the next test's. (The
    summaries hold no word alike: the words of every document correct a typo first, and the
    names alike are added when those find fewer than three platforms.)"""
    for name in (
        "GOV.UK Notify",
        "Notifications hub 12",
        "Content notify exchange",
        "Payments gateway",
        "Card payment checker 7",
        "Letters service",
        "Land Registry lookup",
        "Register of widgets",
        "Unrelated toolkit",
    ):
        platform(name, summary="Kept by the department.")
    found = names(search.search(Platform.objects.published(), typo))
    # What the comparison of the query with every name finds (pg_trgm's word similarity, at
    # the threshold the search sets on the connection).
    alike = names(Platform.objects.published().filter(name__trigram_word_similar=typo))
    assert found, typo
    assert found == alike


@postgres_only
def test_a_name_alike_only_across_two_of_its_words_is_not_a_typos_match():
    platform("Letters hub")
    platform("Data and registers let checker")
    platform("Document management pays service")
    platform("Payments gateway")
    # Whole names compared, "registers let" held "rs", "le", "let" of "lettrs", and "management
    # pays" held "nt" and "pay" of "paymnt": names alike by the ends of two words. A name
    # matches when one of its words is like the query's.
    assert names(search.search(Platform.objects.published(), "lettrs")) == {"Letters hub"}
    assert names(search.search(Platform.objects.published(), "paymnt")) == {"Payments gateway"}


@postgres_only
def test_a_name_written_after_the_migration_is_found_by_its_typo_and_so_is_a_new_name():
    zebra = platform("Zebrafy ledger")
    assert names(search.search(Platform.objects.published(), "zebrfy")) == {"Zebrafy ledger"}
    # Renamed: the new name's words are looked up too, the old one finds nothing any more.
    Platform.objects.filter(pk=zebra.pk).update(name="Quokkafy ledger")
    search.reindex(zebra)
    assert names(search.search(Platform.objects.published(), "quokkfy")) == {"Quokkafy ledger"}
    assert not names(search.search(Platform.objects.published(), "zebrfy"))


@postgres_only
def test_a_typo_of_several_words_still_compares_whole_names():
    platform("Payments hub")
    platform("Hub of letters")
    # "paymnets hub": no platform holds "paymnets"; the name alike as a whole is found.
    assert "Payments hub" in names(search.search(Platform.objects.published(), "paymnets hub"))


def test_a_members_search_finds_their_drafts_and_reads_only_its_page(
    django_assert_num_queries,
):
    mine, theirs = OrganisationFactory(), OrganisationFactory()
    member = editor_of(mine)
    for i in range(4):
        platform(f"Payments service {i}", summary="Take card payments.")
    own = DraftPlatformFactory(name="Payments draft", summary="Take card payments.", owner=mine)
    other = DraftPlatformFactory(
        name="Payments secret", summary="Take card payments.", owner=theirs
    )
    search.reindex([own, other])

    result = search.search(Platform.objects.visible_to(member), "payments")
    assert "Payments draft" in names(result)
    assert "Payments secret" not in names(result)
    assert "Payments draft" not in names(
        search.search(Platform.objects.visible_to(AnonymousUser()), "payments")
    )
    # The member's visibility was applied while ranking: the count is the number of ranked ids
    # (no query) and a page reads its own rows (one query), as for an anonymous reader.
    assert isinstance(result.query, base.RankedIdsQuery)
    with django_assert_num_queries(0):
        assert result.count() == 5
    with django_assert_num_queries(1):
        page = list(result.all()[:2])
    assert [p.pk for p in page] == result.query.ranked_ids[:2]


def test_a_members_search_that_finds_nothing_counts_without_a_query(django_assert_num_queries):
    member = editor_of(OrganisationFactory())
    platform("Payments hub")
    result = search.search(Platform.objects.visible_to(member), "xqzzv")
    with django_assert_num_queries(0):
        assert result.count() == 0
