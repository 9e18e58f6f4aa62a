"""Typos corrected against the words of the whole catalogue, on either database: a query word no
document holds is searched as itself or the nearest words the documents hold (names, summaries,
capabilities, standards, tags, descriptions), as SQLite always did. PostgreSQL used to rescue a
typo only by the platform names alike it ("paymnt" missed GOV.UK Pay, whose summary and
capability say payments; "identty" found only "OS Linked Identifiers API")."""

from __future__ import annotations

import pytest

from platforms import search, services
from platforms.importers import run_import
from platforms.models import Platform
from tests.factories import OrganisationFactory, PublishedPlatformFactory
from tests.web.test_pages import text_of

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/search/"


def found(q: str) -> set[str]:
    search.forget()
    return {p.slug for p in search.search(Platform.objects.published(), q)}


@pytest.mark.usefixtures("reference_data")
class TestOnTheReferenceData:
    def test_a_misspelt_word_finds_what_the_word_finds(self, api_client):
        payments = found("payments")
        assert "govuk-pay" in payments
        assert found("paymnt") == payments
        # The API's count and pages, as the architect sees them.
        response = api_client.get(SEARCH, {"q": "paymnt", "page_size": 50}).json()
        assert response["count"] == len(payments)
        assert {r["slug"] for r in response["results"]} == payments

    def test_a_misspelling_of_identity_finds_the_identity_services(self):
        assert {"govuk-one-login", "government-gateway"} <= found("identty")

    def test_a_misspelt_word_among_others_is_corrected_where_it_stands(self):
        assert found("send text mesages") >= found("send text messages")

    def test_a_word_near_no_word_of_the_catalogue_finds_nothing_and_the_page_says_so(self, client):
        assert found("xqzzv") == set()
        page = text_of(client.get("/search/", {"q": "xqzzv"}))
        assert "0 platforms found" in page
        assert "checking your spelling" in page


def test_a_new_platforms_words_are_corrected_to_once_registered_or_changed():
    owner = OrganisationFactory(name="Harbour Office")
    PublishedPlatformFactory(name="Tide tables", summary="Publishes the tides.")
    search.reindex(Platform.objects.all())
    assert found("heliogrph") == set()

    # Not in its name: the names alike cannot find it, only the words of its document.
    signals = services.platform_register(
        actor=None,
        owner=owner,
        name="Harbour signals",
        summary="Sends heliograph messages to ships.",
        state=Platform.State.PUBLISHED,
    )
    assert found("heliogrph") == {signals.slug}

    services.platform_update(
        actor=None, platform=signals, data={"summary": "Sends messages watched by a kestrel."}
    )
    assert found("kestral") == {signals.slug}


@pytest.mark.postgres(reason="SQLite's typo words are those of the names and summaries")
def test_a_word_only_a_description_holds_corrects_a_typo():
    owner = OrganisationFactory(name="Harbour Office")
    signals = services.platform_register(
        actor=None,
        owner=owner,
        name="Harbour signals",
        summary="Sends messages to ships.",
        description="Flashes them by heliograph.",
        state=Platform.State.PUBLISHED,
    )
    assert found("heliogrph") == {signals.slug}


def test_a_platform_imported_in_bulk_is_found_by_a_misspelling_of_its_words():
    OrganisationFactory(slug="harbour-office", name="Harbour Office")
    PublishedPlatformFactory(name="Tide tables", summary="Publishes the tides.")
    search.reindex(Platform.objects.all())
    body = (
        b"slug,name,summary,owner,phase\n"
        b"ferry-signals,Ferry signals,Signals to ferries by heliograph.,harbour-office,live\n"
    )
    plan = run_import([("file.csv", body)], "csv", None, None, dry_run=False)
    assert plan.applied, [str(p) for p in plan.errors]
    Platform.objects.filter(slug="ferry-signals").update(state=Platform.State.PUBLISHED)
    assert found("heliogrph") == {"ferry-signals"}
