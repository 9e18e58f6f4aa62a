"""The admin as a department editor, a reviewer and a catalogue administrator meet it."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from platforms.models import Adoption, Organisation, Platform
from tests.conftest import admin_form_data as form_data
from tests.factories import (
    AdminUserFactory,
    AdoptionFactory,
    DraftPlatformFactory,
    InReviewPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    editor_of,
    reviewer_of,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:platforms_platform_changelist")
ADD = reverse("admin:platforms_platform_add")


def change_url(platform):
    return reverse("admin:platforms_platform_change", args=[platform.pk])


@pytest.fixture
def home():
    return OrganisationFactory(name="Government Digital Service", abbreviation="GDS")


@pytest.fixture
def other():
    return OrganisationFactory(name="HM Revenue & Customs", abbreviation="HMRC")


def signed_in(client, user):
    client.force_login(user)
    return client


def test_an_editor_browses_the_published_catalogue_but_not_others_drafts(client, home, other):
    ours = DraftPlatformFactory(owner=home, name="GOV.UK Forms")
    theirs = PublishedPlatformFactory(owner=other, name="Government Gateway")
    hidden = DraftPlatformFactory(owner=other, name="Secret draft")

    response = signed_in(client, editor_of(home)).get(CHANGELIST)

    assert response.status_code == 200
    assert set(response.context["cl"].result_list) == {ours, theirs}
    assert hidden.name not in response.content.decode()
    mine = client.get(CHANGELIST, {"whose": "mine"})
    assert list(mine.context["cl"].result_list) == [ours]


def test_an_editor_reads_another_organisations_published_platform(client, home, other):
    theirs = PublishedPlatformFactory(owner=other, summary="Original")
    response = signed_in(client, editor_of(home)).get(change_url(theirs))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Owned by {escape(other.name)}" in page
    assert "doesn" not in page  # not "doesn't exist"
    assert 'name="_save"' not in page  # read-only: no Save button
    assert reverse("admin:platforms_adoption_add") + f"?platform={theirs.pk}" in page


def test_an_editor_cannot_open_another_organisations_draft(client, home, other):
    theirs = DraftPlatformFactory(owner=other)
    response = signed_in(client, editor_of(home)).get(change_url(theirs))
    absent = client.get(reverse("admin:platforms_platform_change", args=[987654]))
    assert response.status_code == absent.status_code == 302  # "doesn't exist", to the index
    assert response.url == absent.url == reverse("admin:index")


def test_an_editor_cannot_change_another_organisations_platform(client, home, other):
    theirs = PublishedPlatformFactory(owner=other, summary="Original")
    signed_in(client, editor_of(home)).post(
        change_url(theirs), {"name": theirs.name, "summary": "Hijacked"}
    )
    theirs.refresh_from_db()
    assert theirs.summary == "Original"


def test_an_editor_cannot_delete_another_organisations_platform(client, home, other):
    theirs = PublishedPlatformFactory(owner=other)
    url = reverse("admin:platforms_platform_delete", args=[theirs.pk])
    signed_in(client, editor_of(home)).post(url, {"post": "yes"})
    assert Platform.objects.filter(pk=theirs.pk).exists()


def test_an_editor_registers_a_draft_for_their_organisation(client, home):
    client = signed_in(client, editor_of(home))
    page = client.get(ADD)
    assert page.context["adminform"].form.initial["owner"] == home.pk

    response = client.post(
        ADD,
        form_data(page, name="Card payments", slug="card-payments", summary="Take payments."),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    platform = Platform.objects.get(slug="card-payments")
    assert platform.owner == home
    assert platform.state == Platform.State.DRAFT
    assert platform.history.first().history_user.memberships.get().organisation == home


def test_an_editor_cannot_pick_another_organisation_as_owner(client, home, other):
    client = signed_in(client, editor_of(home))
    page = client.get(ADD)
    response = client.post(
        ADD, form_data(page, name="Tax", slug="tax", summary="Pay tax.", owner=str(other.pk))
    )
    assert response.status_code == 200
    assert "owner" in response.context["adminform"].form.errors
    assert not Platform.objects.filter(slug="tax").exists()


def test_owner_autocomplete_offers_only_the_editors_organisations(client, home, other):
    response = signed_in(client, editor_of(home)).get(
        reverse("admin:autocomplete"),
        {
            "app_label": "platforms",
            "model_name": "platform",
            "field_name": "owner",
            "term": "",
        },
    )
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(home.pk)]


def test_a_save_over_a_newer_version_is_refused(client, home):
    platform = DraftPlatformFactory(owner=home, summary="Original")
    client = signed_in(client, editor_of(home))
    page = client.get(change_url(platform))
    # Someone else saves in between.
    Platform.objects.filter(pk=platform.pk).update(summary="Theirs", version=2)

    response = client.post(change_url(platform), form_data(page, summary="Mine"))

    assert response.status_code == 200
    assert "Someone else changed this platform" in response.content.decode()
    platform.refresh_from_db()
    assert platform.summary == "Theirs"


def test_a_change_goes_through_and_bumps_the_version(client, home):
    platform = DraftPlatformFactory(owner=home, summary="Original")
    client = signed_in(client, editor_of(home))
    page = client.get(change_url(platform))
    response = client.post(change_url(platform), form_data(page, summary="Send text messages"))
    assert response.status_code == 302
    platform.refresh_from_db()
    assert (platform.summary, platform.version) == ("Send text messages", 2)


def action(client, name, platforms):
    return client.post(
        CHANGELIST,
        {"action": name, "_selected_action": [p.pk for p in platforms]},
        follow=True,
    )


def test_an_editor_submits_but_cannot_publish(client, home):
    platform = DraftPlatformFactory(owner=home)
    client = signed_in(client, editor_of(home))

    action(client, "submit_for_review", [platform])
    platform.refresh_from_db()
    assert platform.state == Platform.State.IN_REVIEW

    response = action(client, "publish", [platform])
    platform.refresh_from_db()
    assert platform.state == Platform.State.IN_REVIEW
    assert "Only a reviewer" in response.content.decode()


def test_a_reviewer_publishes(client, home):
    platform = InReviewPlatformFactory(owner=home)
    action(signed_in(client, reviewer_of(home)), "publish", [platform])
    platform.refresh_from_db()
    assert platform.state == Platform.State.PUBLISHED


def test_deleting_an_adopted_platform_is_refused_with_a_message(client, home):
    platform = PublishedPlatformFactory(owner=home)
    AdoptionFactory(platform=platform)
    url = reverse("admin:platforms_platform_delete", args=[platform.pk])

    response = signed_in(client, editor_of(home)).post(url, {"post": "yes"}, follow=True)

    assert "Retire it instead" in response.content.decode()
    assert Platform.objects.filter(pk=platform.pk).exists()


def test_an_editor_reads_all_adoptions_of_visible_platforms_and_changes_their_own(
    client, home, other
):
    ours = AdoptionFactory(organisation=home)
    theirs = AdoptionFactory(organisation=other)
    hidden = AdoptionFactory(organisation=other, platform=DraftPlatformFactory(owner=other))
    client = signed_in(client, editor_of(home))
    response = client.get(reverse("admin:platforms_adoption_changelist"))
    assert set(response.context["cl"].result_list) == {ours, theirs}
    assert hidden not in response.context["cl"].result_list
    theirs_page = client.get(reverse("admin:platforms_adoption_change", args=[theirs.pk]))
    assert 'name="_save"' not in theirs_page.content.decode()
    ours_page = client.get(reverse("admin:platforms_adoption_change", args=[ours.pk]))
    assert 'name="_save"' in ours_page.content.decode()


def test_an_editor_records_an_adoption_only_for_their_organisation(client, home, other):
    platform = PublishedPlatformFactory(owner=other)
    client = signed_in(client, editor_of(home))
    add = reverse("admin:platforms_adoption_add")
    page = client.get(add)

    refused = client.post(
        add, form_data(page, platform=str(platform.pk), organisation=str(other.pk), status="in_use")
    )
    assert refused.status_code == 200
    accepted = client.post(
        add, form_data(page, platform=str(platform.pk), organisation=str(home.pk), status="in_use")
    )
    assert accepted.status_code == 302
    assert list(Adoption.objects.values_list("organisation", flat=True)) == [home.pk]


def test_reference_data_is_read_only_for_editors(client, home):
    client = signed_in(client, editor_of(home))
    url = reverse("admin:platforms_organisation_change", args=[home.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"name": "Renamed", "slug": home.slug, "kind": "other", "status": "live"})
    home.refresh_from_db()
    assert home.name == "Government Digital Service"


def test_a_user_without_membership_sees_no_catalogue(client):
    from tests.factories import UserFactory

    response = signed_in(client, UserFactory()).get(CHANGELIST)
    assert response.status_code == 403


def test_a_catalogue_admin_sees_everything(client, home, other):
    DraftPlatformFactory(owner=home)
    PublishedPlatformFactory(owner=other)
    response = signed_in(client, AdminUserFactory()).get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 2


@pytest.mark.parametrize(
    "url_name", ["platforms_platform_changelist", "platforms_adoption_changelist"]
)
def test_changelists_run_a_constant_number_of_queries(
    client, home, url_name, django_assert_max_num_queries
):
    editor = editor_of(home)
    client = signed_in(client, editor)
    url = reverse(f"admin:{url_name}")

    def make(n):
        for _ in range(n):
            platform = PublishedPlatformFactory(owner=home)
            AdoptionFactory(platform=platform, organisation=home)
            AdoptionFactory(platform=platform)

    make(2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    make(40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["cl"].result_list) >= 40


def test_organisation_changelist_is_bounded(client, django_assert_max_num_queries):
    parent = OrganisationFactory()
    for _ in range(60):
        OrganisationFactory(parent=parent)
    client = signed_in(client, AdminUserFactory())
    with django_assert_max_num_queries(10):
        response = client.get(reverse("admin:platforms_organisation_changelist"))
    assert response.status_code == 200
    assert Organisation.objects.count() == 61


def test_history_shows_who_changed_what(client, home):
    from platforms import services

    platform = DraftPlatformFactory(owner=home, summary="Original")
    editor = editor_of(home)
    services.platform_update(actor=editor, platform=platform, data={"summary": "Send letters"})
    url = reverse("admin:platforms_platform_history", args=[platform.pk])

    response = signed_in(client, editor).get(url)

    page = response.content.decode()
    assert response.status_code == 200
    assert editor.username in page
    assert "Original" in page and "Send letters" in page


def test_another_organisation_cannot_read_a_platforms_admin_history(client, home, other):
    platform = DraftPlatformFactory(owner=home)
    url = reverse("admin:platforms_platform_history", args=[platform.pk])
    response = signed_in(client, editor_of(other)).get(url)
    absent = client.get(reverse("admin:platforms_platform_history", args=[987654]))
    assert response.status_code == absent.status_code == 302  # "doesn't exist"
    assert response.url == absent.url == reverse("admin:index")
    version = platform.history.first().history_id
    form = reverse("admin:platforms_platform_simple_history", args=[platform.pk, version])
    assert client.get(form).url == reverse("admin:index")
