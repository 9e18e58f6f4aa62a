"""Duplicate detection: a department registering a platform is shown the ones that look like it."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from platforms import search
from platforms.models import Platform
from tests.factories import (
    CapabilityFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    editor_of,
)

SIMILAR = reverse("admin:platforms_platform_similar")


def platform(factory=PublishedPlatformFactory, **fields):
    created = factory(**fields)
    search.reindex(created)
    return created


def by_slug(found):
    return {s.platform.slug: s for s in found}


# --- on factories ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_shared_capability_is_a_reason():
    notifications = CapabilityFactory(name="Notifications")
    existing = platform(name="Messenger", summary="Sends letters.")
    existing.capabilities.set([notifications])
    found = search.similar({"name": "Courier", "capabilities": [notifications]})
    assert [s.platform for s in found] == [existing]
    assert found[0].reasons == ["shares capability Notifications"]
    assert 0 < found[0].score <= 1


@pytest.mark.django_db
def test_capabilities_may_be_given_as_slugs_or_ids():
    payments = CapabilityFactory(name="Payments", slug="payments")
    existing = platform(name="Till", summary="Takes money.")
    existing.capabilities.set([payments])
    assert search.similar({"name": "x", "capabilities": ["payments"]})[0].platform == existing
    assert search.similar({"name": "x", "capabilities": [payments.pk]})[0].platform == existing


@pytest.mark.django_db
def test_a_similar_name_is_a_reason():
    existing = platform(name="Parcel Tracker", summary="Follows deliveries.")
    found = search.similar({"name": "Parcel Trackr", "summary": "Knows where a box is."})
    assert found[0].platform == existing
    assert "similar name to Parcel Tracker" in found[0].reasons


@pytest.mark.django_db
def test_only_platforms_the_user_can_see_are_offered():
    platform(name="Parcel Tracker", summary="Follows parcel deliveries.")
    platform(DraftPlatformFactory, name="Parcel Tracker Two", summary="Follows parcel deliveries.")
    draft = {"name": "Parcel tracking", "summary": "Follow parcel deliveries."}
    visible = Platform.objects.visible_to(AnonymousUser())
    assert [s.platform.name for s in search.similar(draft, queryset=visible)] == ["Parcel Tracker"]


@pytest.mark.django_db
def test_a_saved_platform_is_not_similar_to_itself():
    notifications = CapabilityFactory(name="Notifications")
    one = platform(name="Messenger", summary="Sends letters.")
    two = platform(name="Postie", summary="Sends letters.")
    for p in (one, two):
        p.capabilities.set([notifications])
    assert [s.platform for s in search.similar(one)] == [two]


@pytest.mark.django_db
def test_nothing_to_compare_finds_nothing():
    platform(name="Messenger")
    assert search.similar({"name": "  ", "summary": ""}) == []


# --- on the real reference data ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("reference_catalogue")
class TestOnTheReferenceData:
    def test_an_sms_and_email_service_flags_govuk_notify(self):
        found = search.similar({"name": "SMS and email notification service"})
        assert "govuk-notify" in [s.platform.slug for s in found[:2]]
        assert "similar description" in by_slug(found)["govuk-notify"].reasons

    def test_online_card_payments_flag_govuk_pay(self):
        found = search.similar({"name": "Online card payments for council services"})
        assert found[0].platform.slug == "govuk-pay"

    def test_a_sign_in_service_flags_one_login_first(self):
        found = search.similar(
            {"name": "Citizen login", "summary": "Let residents sign in to council services."}
        )
        assert found[0].platform.slug == "govuk-one-login"

    def test_a_retired_platform_comes_with_its_replacement(self):
        found = by_slug(
            search.similar(
                {
                    "name": "Identity assurance hub",
                    "summary": "Identity providers verify users' identity, connected using SAML.",
                }
            )
        )
        assert "retired — replaced by GOV.UK One Login" in found["govuk-verify"].reasons

    def test_an_existing_platform_is_compared_by_its_capabilities(self):
        verify = Platform.objects.get(slug="govuk-verify")
        found = by_slug(search.similar(verify))
        assert "govuk-verify" not in found
        assert "shares capability Identity and access" in found["govuk-one-login"].reasons
        assert "retiring — replaced by GOV.UK One Login" in found["government-gateway"].reasons


# --- in the admin ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_endpoint_lists_similar_platforms_as_json(client):
    owner = OrganisationFactory()
    client.force_login(editor_of(owner))
    platform(name="Parcel Tracker", summary="Follows parcel deliveries.")
    response = client.get(SIMILAR, {"name": "Parcel Trackr", "summary": "Follow parcels."})
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["name"] == "Parcel Tracker"
    assert "similar name to Parcel Tracker" in result["reasons"]


@pytest.mark.django_db
def test_the_admin_endpoint_needs_a_signed_in_member(client):
    assert client.get(SIMILAR, {"name": "x"}).status_code == 302  # to the login page


@pytest.mark.django_db
def test_the_change_form_warns_of_similar_platforms(client):
    owner = OrganisationFactory()
    client.force_login(editor_of(owner))
    mine = platform(name="Parcel Tracker", summary="Follows parcel deliveries.", owner=owner)
    platform(name="Parcel Trackr <b>", summary="Follows parcel deliveries.")
    response = client.get(reverse("admin:platforms_platform_change", args=[mine.pk]))
    content = response.content.decode()
    assert "Similar platforms already in the catalogue" in content
    assert "Parcel Trackr &lt;b&gt;" in content
    assert [s.platform.name for s in response.context["similar_platforms"]] == ["Parcel Trackr <b>"]


@pytest.mark.django_db
def test_a_failed_add_shows_the_similar_platforms_for_what_was_typed(client):
    owner = OrganisationFactory()
    client.force_login(editor_of(owner))
    platform(name="Parcel Tracker", summary="Follows parcel deliveries.")
    response = client.post(
        reverse("admin:platforms_platform_add"),
        {"name": "Parcel Trackr", "summary": ""},  # summary is required: the form comes back
    )
    assert response.status_code == 200
    assert [s.platform.name for s in response.context["similar_platforms"]] == ["Parcel Tracker"]
