"""A new DWP editor's whole journey in the admin, on the real reference data (what ``make run``
loads): sign in with a password, find GOV.UK Pay, record DWP's use of it, register a platform,
see the similar-platforms warning, say what it depends on, submit it; a DWP reviewer publishes."""

from __future__ import annotations

from bs4 import BeautifulSoup
from django.urls import reverse

from platforms.models import Adoption, Capability, Membership, Organisation, Platform
from tests.factories import UserFactory
from tests.platforms.test_admin import form_data as page_form_data

PASSWORD = "correct horse battery staple"


def form_data(page, **overrides):
    """The page's form and its inline rows as the browser posts them back, with ``overrides``."""
    data = page_form_data(page)
    for inline in page.context["inline_admin_formsets"]:
        for form in inline.formset.initial_forms:
            for name in form.fields:
                value = form[name].value()
                if value not in (None, False):
                    data[form.add_prefix(name)] = "on" if value is True else str(value)
    data.update(overrides)
    return data


def _member(organisation, role, username):
    user = UserFactory(username=username)  # staff, to sign in; rights come from the membership
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def _sign_in(client, username):
    response = client.post(
        reverse("admin:login"),
        {"username": username, "password": PASSWORD, "next": reverse("admin:index")},
    )
    assert response.status_code == 302, "sign-in failed"
    assert response.url == reverse("admin:index")


def test_a_dwp_editor_journey_on_the_real_catalogue(
    reference_data, db, client, django_assert_max_num_queries
):
    dwp = Organisation.objects.get(slug="department-for-work-pensions")
    _member(dwp, Membership.Role.EDITOR, "dwp-editor")
    _member(dwp, Membership.Role.REVIEWER, "dwp-reviewer")
    pay = Platform.objects.get(slug="govuk-pay")
    notify = Platform.objects.get(slug="govuk-notify")

    # Sign in and find GOV.UK Pay in the whole published catalogue.
    _sign_in(client, "dwp-editor")
    changelist = client.get(reverse("admin:platforms_platform_changelist"), {"q": "Pay"})
    assert pay in changelist.context["cl"].result_list
    everything = client.get(reverse("admin:platforms_platform_changelist"))
    assert everything.context["cl"].result_count == Platform.objects.published().count()

    # Its page: read-only, owned by GDS, small and bounded although hundreds use it.
    with django_assert_max_num_queries(20):
        page = client.get(reverse("admin:platforms_platform_change", args=[pay.pk]))
    soup = BeautifulSoup(page.content, "html.parser")
    assert "Owned by Government Digital Service" in soup.find(id="owned-by").get_text()
    assert len(page.content) < 150_000
    record = soup.find("a", string="record an adoption")["href"]

    # Record DWP's use of it: the picker offers it, the form takes it.
    found = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "platforms",
            "model_name": "adoption",
            "field_name": "platform",
            "term": "Pay",
        },
    ).json()["results"]
    assert str(pay.pk) in [row["id"] for row in found]
    add = client.get(record)
    response = client.post(
        record,
        form_data(add, status="in_use", use_case="Journey test: fees for a DWP service"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    adoption = Adoption.objects.get(use_case="Journey test: fees for a DWP service")
    assert (adoption.platform, adoption.organisation) == (pay, dwp)

    # Register DWP's own platform: the similar warning points at GOV.UK Notify, as a link.
    notifications = Capability.objects.get(slug="notifications")
    add_url = reverse("admin:platforms_platform_add")
    add = client.get(add_url)
    response = client.post(
        add_url,
        form_data(
            add,
            name="DWP claimant messages",
            slug="dwp-claimant-messages",
            summary="Sends text messages and emails to benefit claimants about their claims.",
            capabilities=[str(notifications.pk)],
            phase="alpha",
            tags="sms, email",
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    ours = Platform.objects.get(slug="dwp-claimant-messages")
    assert (ours.owner, ours.state, ours.tags) == (dwp, Platform.State.DRAFT, ["sms", "email"])
    change_url = reverse("admin:platforms_platform_change", args=[ours.pk])
    page = client.get(change_url)
    panel = BeautifulSoup(page.content, "html.parser").find(id="similar-platforms")
    links = {a.get_text(strip=True): a["href"] for a in panel.find_all("a")}
    notify_url = reverse("admin:platforms_platform_change", args=[notify.pk])
    assert links.get("GOV.UK Notify") == notify_url

    # It uses GOV.UK Notify (another organisation's published platform); then submit it.
    response = client.post(
        change_url,
        form_data(
            page,
            **{
                "dependencies-TOTAL_FORMS": "1",
                "dependencies-0-depends_on": str(notify.pk),
                "dependencies-0-kind": "runtime",
                "_submit_for_review": "1",
            },
        ),
    )
    assert response.status_code == 302
    ours.refresh_from_db()
    assert ours.state == Platform.State.IN_REVIEW
    assert list(ours.dependencies.values_list("depends_on__slug", flat=True)) == ["govuk-notify"]

    # A DWP reviewer publishes it; everyone can read it now.
    client.logout()
    _sign_in(client, "dwp-reviewer")
    page = client.get(change_url)
    assert b"Save and publish" in page.content
    client.post(change_url, form_data(page, _publish="1"))
    ours.refresh_from_db()
    assert ours.state == Platform.State.PUBLISHED
    client.logout()
    assert client.get("/api/v1/platforms/dwp-claimant-messages/").status_code == 200
