"""The rules, as the admin, the API and the importers all meet them."""

import datetime

import pytest

from platforms import services
from platforms.models import Adoption, Platform
from tests.factories import (
    AdminUserFactory,
    AdoptionFactory,
    CapabilityFactory,
    DependencyFactory,
    DraftPlatformFactory,
    InReviewPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    RetiredPlatformFactory,
    UserFactory,
    editor_of,
    reviewer_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def home():
    return OrganisationFactory(name="Government Digital Service", slug="government-digital-service")


@pytest.fixture
def other():
    return OrganisationFactory(name="HM Revenue & Customs", slug="hm-revenue-customs")


# --- register / update -----------------------------------------------------------------------


def test_an_editor_registers_a_draft_for_their_organisation(home):
    editor = editor_of(home)
    payments = CapabilityFactory(name="Payments", slug="payments")

    platform = services.platform_register(
        actor=editor,
        owner=home,
        name="Card payments",
        summary="Take card payments from the public.",
        capabilities=[payments],
    )

    assert platform.state == Platform.State.DRAFT
    assert platform.slug == "card-payments"
    assert list(platform.capabilities.all()) == [payments]
    assert platform.history.first().history_user == editor


def test_registering_for_another_organisation_is_refused(home, other):
    with pytest.raises(services.NotAllowed, match="HM Revenue & Customs"):
        services.platform_register(
            actor=editor_of(home), owner=other, name="Tax payments", summary="Pay tax."
        )
    assert not Platform.objects.exists()


def test_a_user_without_organisation_cannot_register(home):
    with pytest.raises(services.NotAllowed):
        services.platform_register(actor=UserFactory(), owner=home, name="X", summary="Y")


def test_an_editor_cannot_register_straight_into_published(home):
    with pytest.raises(services.InvalidTransition):
        services.platform_register(
            actor=editor_of(home), owner=home, name="X", summary="Y", state="published"
        )


def test_duplicate_names_get_distinct_slugs(home):
    editor = editor_of(home)
    first = services.platform_register(actor=editor, owner=home, name="Notify", summary="S")
    second = services.platform_register(actor=editor, owner=home, name="Notify", summary="S")
    assert (first.slug, second.slug) == ("notify", "notify-2")


def test_invalid_fields_are_reported_by_field(home):
    with pytest.raises(services.InvalidData) as error:
        services.platform_register(
            actor=editor_of(home),
            owner=home,
            name="Forms",
            summary="Build forms",
            service_url="not a url",
            phase="finished",
        )
    assert set(error.value.field_errors) == {"service_url", "phase"}
    assert not Platform.objects.exists()


def test_unknown_fields_are_refused(home):
    with pytest.raises(services.InvalidData, match="state_of_mind"):
        services.platform_register(
            actor=None, owner=home, name="Forms", summary="S", state_of_mind="calm"
        )


def test_update_bumps_the_version_and_keeps_history(home):
    platform = DraftPlatformFactory(owner=home)
    editor = editor_of(home)

    updated = services.platform_update(
        actor=editor, platform=platform, data={"summary": "Send text messages"}
    )

    assert updated.version == platform.version + 1
    assert updated.history.count() == 2
    assert updated.history.first().history_user == editor


def test_a_stale_update_is_refused_and_nothing_is_lost(home):
    platform = DraftPlatformFactory(owner=home, summary="Original")
    editor = editor_of(home)
    services.platform_update(
        actor=editor, platform=platform, data={"summary": "First"}, expected_version=1
    )

    with pytest.raises(services.StaleVersion):
        services.platform_update(
            actor=editor, platform=platform, data={"summary": "Second"}, expected_version=1
        )
    platform.refresh_from_db()
    assert platform.summary == "First"


def test_an_editor_of_another_organisation_cannot_update(home, other):
    platform = PublishedPlatformFactory(owner=home, summary="Original")
    with pytest.raises(services.NotAllowed):
        services.platform_update(
            actor=editor_of(other), platform=platform, data={"summary": "Hijacked"}
        )
    platform.refresh_from_db()
    assert platform.summary == "Original"


def test_an_editor_cannot_hand_a_platform_to_an_organisation_they_are_not_in(home, other):
    platform = DraftPlatformFactory(owner=home)
    with pytest.raises(services.NotAllowed):
        services.platform_update(actor=editor_of(home), platform=platform, data={"owner": other})


# --- workflow --------------------------------------------------------------------------------


def test_draft_to_review_to_published(home):
    platform = DraftPlatformFactory(owner=home)

    submitted = services.platform_submit(actor=editor_of(home), platform=platform)
    assert submitted.state == Platform.State.IN_REVIEW
    published = services.platform_publish(actor=reviewer_of(home), platform=submitted)
    assert published.state == Platform.State.PUBLISHED


def test_an_editor_cannot_publish(home):
    platform = InReviewPlatformFactory(owner=home)
    with pytest.raises(services.NotAllowed, match="reviewer"):
        services.platform_publish(actor=editor_of(home), platform=platform)


def test_a_reviewer_of_another_organisation_cannot_publish(home, other):
    platform = InReviewPlatformFactory(owner=home)
    with pytest.raises(services.NotAllowed):
        services.platform_publish(actor=reviewer_of(other), platform=platform)


def test_a_draft_cannot_be_published_without_review(home):
    with pytest.raises(services.InvalidTransition, match="draft"):
        services.platform_publish(actor=AdminUserFactory(), platform=DraftPlatformFactory())


def test_a_rejection_returns_to_draft_with_the_reason(home):
    platform = InReviewPlatformFactory(owner=home)
    rejected = services.platform_reject(
        actor=reviewer_of(home), platform=platform, reason="Add the service URL"
    )
    assert rejected.state == Platform.State.DRAFT
    assert rejected.review_note == "Add the service URL"


def test_a_rejection_needs_a_reason(home):
    with pytest.raises(services.InvalidData):
        services.platform_reject(
            actor=reviewer_of(home), platform=InReviewPlatformFactory(owner=home), reason="  "
        )


def test_retire_with_a_replacement(home):
    verify = PublishedPlatformFactory(owner=home, name="GOV.UK Verify")
    one_login = PublishedPlatformFactory(owner=home, name="GOV.UK One Login")

    retired = services.platform_retire(
        actor=editor_of(home), platform=verify, replaced_by=one_login
    )

    assert retired.phase == Platform.Phase.RETIRED
    assert retired.replaced_by == one_login


def test_a_retired_platform_cannot_be_the_replacement(home):
    with pytest.raises(services.InvalidData, match="retired"):
        services.platform_retire(
            actor=None,
            platform=PublishedPlatformFactory(owner=home),
            replaced_by=RetiredPlatformFactory(),
        )


def test_a_platform_cannot_be_retired_twice():
    with pytest.raises(services.InvalidTransition):
        services.platform_retire(actor=None, platform=RetiredPlatformFactory())


# --- delete ----------------------------------------------------------------------------------


def test_deleting_an_unused_platform(home):
    platform = DraftPlatformFactory(owner=home)
    services.platform_delete(actor=editor_of(home), platform=platform)
    assert not Platform.objects.filter(pk=platform.pk).exists()


def test_deleting_an_adopted_platform_is_refused_with_advice_to_retire(home):
    platform = PublishedPlatformFactory(owner=home)
    AdoptionFactory(platform=platform)
    with pytest.raises(services.Conflict, match="Retire it instead"):
        services.platform_delete(actor=editor_of(home), platform=platform)
    assert Platform.objects.filter(pk=platform.pk).exists()


def test_deleting_a_platform_others_depend_on_is_refused(home):
    dependency = DependencyFactory(depends_on=PublishedPlatformFactory(owner=home))
    with pytest.raises(services.Conflict, match="depend on it"):
        services.platform_delete(actor=None, platform=dependency.depends_on)


# --- adoptions -------------------------------------------------------------------------------


def test_a_consumer_records_its_adoption(home, other):
    platform = PublishedPlatformFactory(owner=home)
    adoption = services.adoption_record(
        actor=editor_of(other),
        platform=platform,
        organisation=other,
        use_case="Self assessment reminders",
        evidence_source="Our own record",
    )
    assert adoption.status == Adoption.Status.IN_USE
    assert Platform.objects.with_reuse_counts().get(pk=platform.pk).reuse_count == 1


def test_an_editor_cannot_record_an_adoption_for_another_organisation(home, other):
    with pytest.raises(services.NotAllowed):
        services.adoption_record(
            actor=editor_of(home), platform=PublishedPlatformFactory(), organisation=other
        )


def test_nobody_outside_the_owner_can_adopt_a_draft(home, other):
    # Worded like a platform that does not exist: the refusal does not reveal the draft.
    with pytest.raises(services.InvalidData, match="no such platform"):
        services.adoption_record(
            actor=editor_of(other), platform=DraftPlatformFactory(owner=home), organisation=other
        )


def test_the_same_adoption_twice_is_refused(home, other):
    platform = PublishedPlatformFactory(owner=home)
    services.adoption_record(actor=None, platform=platform, organisation=other)
    with pytest.raises(services.InvalidData, match="already"):
        services.adoption_record(actor=None, platform=platform, organisation=other)


def test_end_an_adoption_keeps_it_as_history(other):
    adoption = AdoptionFactory(organisation=other, start_date=datetime.date(2020, 1, 1))
    ended = services.adoption_end(
        actor=editor_of(other), adoption=adoption, end_date=datetime.date(2024, 3, 31)
    )
    assert ended.status == Adoption.Status.STOPPED
    assert ended.end_date == datetime.date(2024, 3, 31)
    with pytest.raises(services.InvalidTransition):
        services.adoption_end(actor=None, adoption=ended)


def test_an_adoption_cannot_end_before_it_started(other):
    adoption = AdoptionFactory(organisation=other, start_date=datetime.date(2024, 1, 1))
    with pytest.raises(services.InvalidData, match="end date"):
        services.adoption_end(actor=None, adoption=adoption, end_date=datetime.date(2023, 1, 1))


# --- dependencies ----------------------------------------------------------------------------


def test_the_owner_adds_a_dependency(home):
    forms = PublishedPlatformFactory(owner=home, name="GOV.UK Forms")
    notify = PublishedPlatformFactory(name="GOV.UK Notify")
    dependency = services.dependency_add(actor=editor_of(home), platform=forms, depends_on=notify)
    assert list(notify.dependents.all()) == [dependency]


def test_no_self_dependency():
    platform = PublishedPlatformFactory()
    with pytest.raises(services.InvalidData, match="itself"):
        services.dependency_add(actor=None, platform=platform, depends_on=platform)


def test_another_organisation_cannot_add_dependencies(home, other):
    with pytest.raises(services.NotAllowed):
        services.dependency_add(
            actor=editor_of(other),
            platform=PublishedPlatformFactory(owner=home),
            depends_on=PublishedPlatformFactory(),
        )


# --- reference records -----------------------------------------------------------------------


def test_only_catalogue_admins_change_reference_records(home):
    from platforms.models import Capability

    with pytest.raises(services.NotAllowed):
        services.reference_save(actor=editor_of(home), model=Capability, data={"name": "Payments"})
    capability = services.reference_save(
        actor=AdminUserFactory(), model=Capability, data={"name": "Case management"}
    )
    assert capability.slug == "case-management"
    assert not Capability.objects.exclude(pk=capability.pk).exists()


def test_a_reference_record_in_use_cannot_be_deleted(home):
    PublishedPlatformFactory(owner=home)
    with pytest.raises(services.Conflict, match="1 platform"):
        services.reference_delete(actor=None, instance=home)


def test_renaming_an_owner_keeps_search_true(home):
    from platforms import search

    platform = PublishedPlatformFactory(owner=home, name="Case tracker")
    services.platform_update(actor=None, platform=platform, data={"summary": "Track casework."})
    services.reference_save(
        actor=None, model=type(home), data={"name": "Department of Casework"}, instance=home
    )
    from platforms.models import Platform

    found = search.search(Platform.objects.all(), "Department of Casework")
    assert platform in found


def test_editing_a_published_platform_keeps_it_published_and_recorded(home):
    """The rule we chose: review gates first publication; afterwards the owner's editors
    maintain the live record, and every change is in its history."""
    platform = PublishedPlatformFactory(owner=home, summary="Send emails")
    editor = editor_of(home)

    updated = services.platform_update(
        actor=editor, platform=platform, data={"summary": "Send emails and letters"}
    )

    assert updated.state == Platform.State.PUBLISHED
    assert Platform.objects.published().filter(pk=platform.pk).exists()
    latest = updated.history.first()
    assert (latest.history_user, latest.summary) == (editor, "Send emails and letters")
    with pytest.raises(services.InvalidTransition):
        services.platform_submit(actor=editor, platform=updated)
