"""A department editor in the admin (issue 9): browse the catalogue, record reuse of anyone's
published platform, depend on it, submit a draft with a button, type tags as words; and a
much-used platform's page stays small. Plus the admin half of issue 10: history pages never write,
and the admin accepts only the platforms a user may name."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from platforms import services
from platforms.models import Adoption, Dependency, Organisation, Platform
from tests.factories import (
    AdminUserFactory,
    DependencyFactory,
    DraftPlatformFactory,
    InReviewPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    RetiredPlatformFactory,
    editor_of,
    reviewer_of,
)
from tests.platforms.test_admin import form_data

pytestmark = pytest.mark.django_db

ADOPTION_ADD = reverse("admin:platforms_adoption_add")
AUTOCOMPLETE = reverse("admin:autocomplete")


def change_url(platform):
    return reverse("admin:platforms_platform_change", args=[platform.pk])


@pytest.fixture
def gds():
    return OrganisationFactory(name="Government Digital Service", slug="gds", abbreviation="GDS")


@pytest.fixture
def dwp():
    return OrganisationFactory(
        name="Department for Work and Pensions", slug="dwp", abbreviation="DWP"
    )


@pytest.fixture
def pay(gds):
    return PublishedPlatformFactory(
        owner=gds, name="GOV.UK Pay", slug="govuk-pay", summary="Take payments online."
    )


def autocomplete(client, model, field, term):
    response = client.get(
        AUTOCOMPLETE,
        {"app_label": "platforms", "model_name": model, "field_name": field, "term": term},
    )
    assert response.status_code == 200, response.content
    return [row["text"] for row in response.json()["results"]]


# --- recording reuse -------------------------------------------------------------------------


def test_a_dwp_editor_finds_govuk_pay_in_the_adoption_picker_and_records_its_use(client, dwp, pay):
    secret = DraftPlatformFactory(owner=pay.owner, name="GOV.UK Pay Next")
    client.force_login(editor_of(dwp))

    offered = autocomplete(client, "adoption", "platform", "Pay")
    assert "GOV.UK Pay" in offered
    assert secret.name not in offered  # another organisation's draft is never offered

    page = client.get(ADOPTION_ADD, {"platform": pay.pk})
    assert page.context["adminform"].form.initial["organisation"] == dwp.pk
    response = client.post(
        ADOPTION_ADD,
        form_data(page, platform=str(pay.pk), status="in_use", use_case="Benefit overpayments"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    adoption = Adoption.objects.get()
    assert (adoption.platform, adoption.organisation) == (pay, dwp)
    assert adoption.history.first().history_user.memberships.get().organisation == dwp


def test_the_adoption_picker_offers_only_the_editors_organisations_as_consumer(client, dwp, gds):
    client.force_login(editor_of(dwp))
    assert autocomplete(client, "adoption", "organisation", "Department") == [str(dwp)]


def test_a_read_only_platform_page_links_to_recording_an_adoption(client, dwp, pay):
    client.force_login(editor_of(dwp))
    page = BeautifulSoup(client.get(change_url(pay)).content, "html.parser")
    link = page.find("a", string="record an adoption")
    assert link["href"] == f"{ADOPTION_ADD}?platform={pay.pk}"


# --- dependencies and replacements -----------------------------------------------------------


def test_an_editor_records_a_dependency_on_another_organisations_published_platform(
    client, dwp, pay
):
    ours = DraftPlatformFactory(owner=dwp, name="Claim a benefit")
    client.force_login(editor_of(dwp))
    assert "GOV.UK Pay" in autocomplete(client, "dependency", "depends_on", "Pay")
    assert autocomplete(client, "dependency", "platform", "") == [ours.name]

    page = client.get(change_url(ours))
    data = form_data(
        page,
        **{
            "dependencies-TOTAL_FORMS": "1",
            "dependencies-0-depends_on": str(pay.pk),
            "dependencies-0-kind": "runtime",
            "dependencies-0-description": "Card payments",
        },
    )
    response = client.post(change_url(ours), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(ours.dependencies.values_list("depends_on__slug", flat=True)) == ["govuk-pay"]


def _refusal(client, ours, field, pk):
    """The errors the form answers when ``field`` names the platform with id ``pk``."""
    page = client.get(change_url(ours))
    if field == "replaced_by":
        data = form_data(page, phase="retired", replaced_by=str(pk))
    else:
        data = form_data(
            page,
            **{
                "dependencies-TOTAL_FORMS": "1",
                "dependencies-0-depends_on": str(pk),
                "dependencies-0-kind": "runtime",
            },
        )
    response = client.post(change_url(ours), data)
    assert response.status_code == 200  # the form again, with the error
    assert "zebracorn" not in response.content.decode().lower()
    errors = [response.context["adminform"].form.errors]
    errors += [inline.formset.errors for inline in response.context["inline_admin_formsets"]]
    return str(errors).replace(str(pk), "<pk>")


@pytest.mark.parametrize("field", ["depends_on", "replaced_by"])
def test_another_organisations_draft_is_refused_exactly_like_a_missing_platform(
    client, dwp, gds, field
):
    ours = PublishedPlatformFactory(owner=dwp, name="Claim a benefit")
    secret = DraftPlatformFactory(owner=gds, name="Zebracorn", slug="zebracorn")
    client.force_login(editor_of(dwp))

    hidden = _refusal(client, ours, field, secret.pk)
    absent = _refusal(client, ours, field, 987654)

    assert "Select a valid choice" in hidden
    assert hidden == absent
    ours.refresh_from_db()
    assert ours.replaced_by is None
    assert not ours.dependencies.exists()


def test_editing_a_dependency_goes_through_the_services(client, dwp, pay, monkeypatch):
    ours = PublishedPlatformFactory(owner=dwp)
    dependency = DependencyFactory(platform=ours, depends_on=pay, kind="runtime")
    calls = []
    real = services.dependency_update
    monkeypatch.setattr(services, "dependency_update", lambda **kw: calls.append(kw) or real(**kw))
    client.force_login(editor_of(dwp))
    url = reverse("admin:platforms_dependency_change", args=[dependency.pk])
    page = client.get(url)
    response = client.post(url, form_data(page, kind="data"))
    assert response.status_code == 302
    assert calls and calls[0]["data"] == {"kind": "data"}
    dependency.refresh_from_db()
    assert dependency.kind == "data"


# --- submitting, publishing, tags ------------------------------------------------------------


def test_an_editor_submits_a_draft_with_a_button_and_a_reviewer_publishes_it(client, dwp):
    draft = DraftPlatformFactory(owner=dwp, name="Claim a benefit")
    client.force_login(editor_of(dwp))
    page = client.get(change_url(draft))
    buttons = BeautifulSoup(page.content, "html.parser").find_all("input", type="submit")
    assert "Save and submit for review" in [b["value"] for b in buttons]

    response = client.post(change_url(draft), form_data(page, _submit_for_review="1"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == Platform.State.IN_REVIEW

    client.force_login(reviewer_of(dwp))
    page = client.get(change_url(draft))
    assert b"Save and publish" in page.content
    client.post(change_url(draft), form_data(page, _publish="1"))
    draft.refresh_from_db()
    assert draft.state == Platform.State.PUBLISHED


def test_an_editor_has_no_publish_button(client, dwp):
    submitted = InReviewPlatformFactory(owner=dwp)
    client.force_login(editor_of(dwp))
    page = client.get(change_url(submitted))
    assert b"Save and publish" not in page.content
    client.post(change_url(submitted), form_data(page, _publish="1"))
    submitted.refresh_from_db()
    assert submitted.state == Platform.State.IN_REVIEW


def test_tags_are_typed_as_words_not_json(client, dwp):
    ours = DraftPlatformFactory(owner=dwp, tags=["payments", "card"])
    client.force_login(editor_of(dwp))
    page = client.get(change_url(ours))
    field = BeautifulSoup(page.content, "html.parser").find(attrs={"name": "tags"})
    assert field.name == "input" and field["value"] == "payments, card"

    client.post(change_url(ours), form_data(page, tags="payments,  direct debit, , payments"))
    ours.refresh_from_db()
    assert ours.tags == ["payments", "direct debit"]


# --- the similar-platforms warning -----------------------------------------------------------


def test_similar_platforms_are_links_and_retired_ones_name_their_replacement(client, dwp, gds):
    one_login = PublishedPlatformFactory(owner=gds, name="GOV.UK One Login", phase="live")
    RetiredPlatformFactory(
        owner=gds,
        name="GOV.UK Verify",
        summary="Prove your identity online to use government services.",
        replaced_by=one_login,
    )
    client.force_login(editor_of(dwp))
    found = client.get(
        reverse("admin:platforms_platform_similar"),
        {"name": "GOV.UK Verify identity", "summary": "Prove your identity online."},
    ).json()["results"]
    verify = next(r for r in found if r["name"] == "GOV.UK Verify")
    assert verify["url"].startswith("/admin/platforms/platform/")
    assert verify["replaced_by"] == {"name": "GOV.UK One Login", "url": change_url(one_login)}

    page = client.get(
        reverse("admin:platforms_platform_add"),
    )
    assert page.status_code == 200
    bound = client.post(
        reverse("admin:platforms_platform_add"),
        form_data(
            page, name="GOV.UK Verify identity", summary="Prove your identity online.", slug=""
        ),
    )
    panel = BeautifulSoup(bound.content, "html.parser").find(id="similar-platforms")
    links = {a.get_text(strip=True): a["href"] for a in panel.find_all("a")}
    assert links["GOV.UK Verify"].startswith("/admin/platforms/platform/")
    assert links["GOV.UK One Login"] == change_url(one_login)
    assert "replaced by" in panel.get_text()


# --- a much-used platform's page -------------------------------------------------------------


def _adopted(gds, count):
    notify = PublishedPlatformFactory(owner=gds, name="GOV.UK Notify", slug="govuk-notify")
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"Council {n}", slug=f"council-{n}", kind="local_authority")
        for n in range(count)
    )
    Adoption.objects.bulk_create(
        Adoption(platform=notify, organisation=o, status="in_use") for o in organisations
    )
    for n in range(min(count, 3)):
        DependencyFactory(depends_on=notify, platform__owner=organisations[n])
    return notify


@pytest.mark.parametrize("count", [3, 1000])
def test_a_much_used_platforms_page_is_small_and_bounded(
    client, gds, count, django_assert_max_num_queries
):
    notify = _adopted(gds, count)
    client.force_login(editor_of(gds))
    with django_assert_max_num_queries(20):
        response = client.get(change_url(notify))
    assert response.status_code == 200
    page = response.content.decode()
    assert len(page) < 150_000
    # Adopters are counted and linked, not listed.
    assert not re.search(r"/admin/platforms/adoption/\d+/change/", page)
    soup = BeautifulSoup(page, "html.parser")
    see_all = soup.find("a", string=f"See all {count} adoptions")
    assert see_all["href"] == (
        reverse("admin:platforms_adoption_changelist") + f"?platform={notify.pk}"
    )
    # Save is at the top of the form, before any fieldset.
    form = soup.find("form", id="platform_form")
    first_save = form.find("input", attrs={"name": "_save"})
    first_fieldset = form.find("fieldset")
    assert first_save.find_next("fieldset") is first_fieldset

    # The linked list: paginated, filterable by status, bounded too.
    with django_assert_max_num_queries(20):
        adopters = client.get(see_all["href"], {"status__exact": "in_use"})
    assert adopters.context["cl"].result_count == count
    assert len(adopters.context["cl"].result_list) == min(count, 100)


# --- history pages never write (issue 10) ----------------------------------------------------


def test_the_history_form_refuses_post_after_the_platform_changed_owner(client, dwp, gds):
    platform = PublishedPlatformFactory(owner=dwp, summary="Original")
    version = platform.history.first().history_id
    services.platform_update(actor=AdminUserFactory(), platform=platform, data={"owner": gds})
    platform.refresh_from_db()
    url = reverse("admin:platforms_platform_simple_history", args=[platform.pk, version])
    client.force_login(editor_of(dwp))
    assert client.get(url).status_code == 200  # reading an old version is fine
    response = client.post(
        url, {"name": platform.name, "summary": "Hijacked", "version": platform.version}
    )
    assert response.status_code == 405
    platform.refresh_from_db()
    assert platform.summary == "Original"
    assert platform.owner == gds


def test_the_services_decide_on_the_current_row_not_the_copy_they_are_given(dwp, gds):
    platform = PublishedPlatformFactory(owner=dwp)
    historical = platform.history.first().instance  # still names DWP as owner
    services.platform_update(actor=None, platform=platform, data={"owner": gds})
    dwp_editor = editor_of(dwp)
    for call in (
        lambda: services.platform_update(
            actor=dwp_editor, platform=historical, data={"summary": "Hijacked"}
        ),
        lambda: services.platform_retire(actor=dwp_editor, platform=historical),
        lambda: services.platform_delete(actor=dwp_editor, platform=historical),
    ):
        with pytest.raises(services.NotAllowed):
            call()
    platform.refresh_from_db()
    assert platform.summary != "Hijacked" and platform.phase == "live"


def test_a_dependency_to_another_organisations_draft_is_refused_like_a_missing_one(dwp, gds):
    ours = PublishedPlatformFactory(owner=dwp)
    secret = DraftPlatformFactory(owner=gds, name="Zebracorn")
    with pytest.raises(services.InvalidData) as refused:
        services.dependency_add(actor=editor_of(dwp), platform=ours, depends_on=secret)
    assert "Zebracorn" not in refused.value.message
    assert not Dependency.objects.exists()
    with pytest.raises(services.InvalidData) as refused:
        services.platform_update(
            actor=editor_of(dwp),
            platform=ours,
            data={"phase": "retired", "replaced_by": secret},
        )
    assert "Zebracorn" not in refused.value.message
