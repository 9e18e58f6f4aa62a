"""GET /api/v1/platforms/{slug}/similar/ and POST /api/v1/platforms/similar/: what already exists
that looks like a platform, or like one about to be registered. On the real reference platforms,
then on factories for the rules."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from platforms import search
from platforms.models import Platform
from tests.api.conftest import client_for
from tests.conftest import reference_catalogue_loaded
from tests.factories import (
    CapabilityFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    editor_of,
)

DRAFT = "/api/v1/platforms/similar/"


def similar(slug: str) -> str:
    return f"/api/v1/platforms/{slug}/similar/"


def by_slug(response):
    assert response.status_code == 200, response.content
    return {row["slug"]: row for row in response.json()["results"]}


# --- on the reference data -------------------------------------------------------------------


@pytest.mark.django_db
class TestOnTheReferenceData:
    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def _reference_catalogue(cls, django_db_setup, django_db_blocker):
        with reference_catalogue_loaded(django_db_blocker):
            yield

    def test_an_sms_and_email_draft_finds_govuk_notify(self, api_client):
        response = api_client.post(
            DRAFT, {"name": "SMS and email notification service"}, format="json"
        )
        found = by_slug(response)
        assert "govuk-notify" in list(found)[:3]
        notify = found["govuk-notify"]
        assert "similar description" in notify["reasons"]
        assert 0 < notify["score"] <= 1
        # The compact platform, as in the list.
        assert notify["owner"]["slug"] and notify["url"].endswith("/platforms/govuk-notify/")

    def test_capabilities_are_compared_too(self, api_client):
        response = api_client.post(
            DRAFT,
            {"name": "Council payments", "capabilities": ["payments"]},
            format="json",
        )
        first = response.json()["results"][0]
        assert first["slug"] == "govuk-pay"
        assert "shares capability Payments" in first["reasons"]

    def test_a_retired_platform_comes_with_its_replacement(self, api_client):
        found = by_slug(
            api_client.post(
                DRAFT,
                {
                    "name": "Identity assurance hub",
                    "summary": "Identity providers verify users' identity, connected using SAML.",
                },
                format="json",
            )
        )
        verify = found["govuk-verify"]
        assert verify["phase"] == "retired"
        assert verify["replaced_by"]["slug"] == "govuk-one-login"
        assert "retired — replaced by GOV.UK One Login" in verify["reasons"]

    def test_a_platform_is_compared_with_the_others(self, api_client):
        found = by_slug(api_client.get(similar("govuk-verify")))
        assert "govuk-verify" not in found
        assert "shares capability Identity and access" in found["govuk-one-login"]["reasons"]
        gateway = found["government-gateway"]
        assert gateway["replaced_by"]["slug"] == "govuk-one-login"

    def test_limit(self, api_client):
        assert len(api_client.get(similar("govuk-verify")).json()["results"]) >= 2
        assert len(api_client.get(similar("govuk-verify"), {"limit": 1}).json()["results"]) == 1
        assert api_client.get(similar("govuk-notify"), {"limit": 51}).status_code == 400
        assert api_client.get(similar("govuk-notify"), {"limit": 0}).status_code == 400

    def test_queries_do_not_grow_with_the_results(self, api_client, django_assert_max_num_queries):
        with django_assert_max_num_queries(16) as few:
            api_client.get(similar("govuk-verify"), {"limit": 1})
        with django_assert_max_num_queries(16) as many:
            api_client.get(similar("govuk-verify"), {"limit": 50})
        assert len(many.captured_queries) == len(few.captured_queries)

    def test_the_platforms_found_are_read_once(self, api_client):
        """The rows shown are the rows the comparison read: one statement selects the platforms
        found with their owners, not one to compare and a second to list them."""
        with CaptureQueriesContext(connection) as queries:
            found = by_slug(api_client.post(DRAFT, {"name": "Text message sender"}, format="json"))
        assert "govuk-notify" in found
        whole_rows = 'SELECT "platforms_platform"."id", "platforms_platform"."created_at"'
        rows_read = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(whole_rows)]
        assert len(rows_read) == 1, rows_read


# --- the rules -------------------------------------------------------------------------------


def platform(factory=PublishedPlatformFactory, **fields):
    created = factory(**fields)
    search.reindex(created)
    return created


@pytest.mark.django_db
def test_only_platforms_the_user_may_see_are_returned(org_a, org_b, api_client):
    platform(slug="public", name="Parcel Tracker", summary="Follows parcel deliveries.")
    platform(DraftPlatformFactory, slug="ours", name="Parcel Tracker Two", owner=org_a)
    platform(DraftPlatformFactory, slug="theirs", name="Parcel Tracker Three", owner=org_b)
    body = {"name": "Parcel tracking", "summary": "Follow parcel deliveries."}
    assert set(by_slug(api_client.post(DRAFT, body, format="json"))) == {"public"}
    member = client_for(editor_of(org_a))
    assert set(by_slug(member.post(DRAFT, body, format="json"))) == {"public", "ours"}
    # A draft of another organisation answers 404, like a slug nobody uses.
    assert api_client.get(similar("theirs")).status_code == 404
    assert api_client.get(similar("nothing")).status_code == 404


@pytest.mark.django_db
def test_a_hidden_replacement_is_not_named(org_a, org_b, api_client):
    notifications = CapabilityFactory(slug="notifications", name="Notifications")
    secret = platform(DraftPlatformFactory, slug="secret", name="Secret courier", owner=org_a)
    old = platform(
        slug="old",
        name="Old courier",
        owner=org_a,
        phase=Platform.Phase.RETIRING,
        replaced_by=secret,
    )
    old.capabilities.set([notifications])
    body = {"name": "Courier", "capabilities": ["notifications"]}
    found = by_slug(api_client.post(DRAFT, body, format="json"))["old"]
    assert found["replaced_by"] is None
    assert "retiring, no replacement named" in found["reasons"]
    assert "Secret" not in str(found)
    member = by_slug(client_for(editor_of(org_a)).post(DRAFT, body, format="json"))["old"]
    assert member["replaced_by"]["slug"] == "secret"
    assert "retiring — replaced by Secret courier" in member["reasons"]


@pytest.mark.django_db
def test_anyone_may_ask_and_nothing_is_saved(org_a, api_client):
    platform(name="Parcel Tracker", summary="Follows parcel deliveries.")
    before = Platform.objects.count()
    response = api_client.post(DRAFT, {"name": "Parcel Trackr"}, format="json")
    assert response.status_code == 200
    assert "similar name to Parcel Tracker" in response.json()["results"][0]["reasons"]
    assert Platform.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "non_field_errors"),
        ({"name": "  ", "summary": ""}, "non_field_errors"),
        ({"name": "x", "capabilities": ["no-such-thing"]}, "capabilities"),
        ({"name": "x", "capabilities": "payments"}, "capabilities"),
        ({"name": 7}, "name"),
        ({"name": "x", "owner": "alpha-office"}, "owner"),
        ({"summary": "x" * 301}, "summary"),
    ],
)
def test_a_bad_draft_is_a_400(api_client, body, field):
    response = api_client.post(DRAFT, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


@pytest.mark.django_db
def test_a_draft_similar_is_post_only(api_client):
    assert api_client.get(DRAFT).status_code == 405


@pytest.mark.django_db
def test_anonymous_callers_are_throttled_harder(api_client):
    OrganisationFactory()
    codes = [
        api_client.post(DRAFT, {"name": "Parcel"}, format="json").status_code for _ in range(31)
    ]
    assert codes[:30] == [200] * 30 and codes[30] == 429
