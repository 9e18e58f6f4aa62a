"""The admin index's headline figures, for staff and reviewers, linking into the changelists."""

import datetime
import re

import pytest
from django.urls import reverse

from tests.factories import (
    AdminUserFactory,
    AdoptionFactory,
    CapabilityFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    reviewer_of,
)

pytestmark = pytest.mark.django_db


def platform(owner, capability, **fields):
    created = PublishedPlatformFactory(owner=owner, **fields)
    created.capabilities.set([capability])
    return created


@pytest.fixture
def catalogue(org_a, org_b):
    notifications = CapabilityFactory(slug="notifications", name="Notifications")
    notify = platform(org_a, notifications, name="Notify")
    platform(
        org_b,
        notifications,
        name="Texts",
        phase="beta",
        supplier="Texts Ltd",
        contract_end_date=datetime.date.today() + datetime.timedelta(days=30),
    )
    for _ in range(3):
        AdoptionFactory(platform=notify, organisation=OrganisationFactory())
    AdoptionFactory(platform=notify, organisation=org_a)  # the owner: not reuse
    secret = DraftPlatformFactory(owner=OrganisationFactory(), name="Secret draft")
    secret.capabilities.set([notifications])
    return notifications


def page(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response.content.decode()


def text(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_reviewer_sees_the_headline_figures_with_links(client, catalogue, org_a):
    html = page(client, reviewer_of(org_a))
    words = text(html)
    assert "Platforms 2" in words
    assert "3 organisations use a platform another one owns (4 adoptions in use)" in words
    assert "1 capability is met by two or more platforms in service" in words
    # The two owners and the three adopters (the owner's own adoption is not reuse).
    assert "Notifications : 2 platforms (Notify, Texts), 5 organisations split across them" in words
    assert "1 supplier contract ends in the next 18 months" in words
    # The contracts themselves, with where they could move, are on the contracts page it links.
    contracts_page = reverse("web:insights-contracts")
    assert f'href="{contracts_page}"' in html
    listed = text(client.get(contracts_page).content.decode())
    assert "Texts" in listed and "Texts Ltd" in listed and "Notify" in listed
    assert "Secret draft" not in html
    changelist = reverse("admin:platforms_platform_changelist")
    assert f'href="{changelist}?capabilities__id__exact={catalogue.pk}"' in html
    assert f'href="{changelist}?phase__exact=live"' in html
    assert f'href="{reverse("admin:platforms_adoption_changelist")}?status__exact=in_use"' in html
    # The model list is still there.
    assert reverse("admin:platforms_adoption_changelist") in html


def test_the_links_open_changelists(client, catalogue):
    html = page(client, AdminUserFactory())
    links = re.findall(r'href="(/admin/platforms/[^"]+\?[^"]+)"', html)
    assert len(links) >= 4
    for link in links:
        response = client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200, link
        assert "?e=1" not in response.get("Location", ""), link  # not an invalid lookup


@pytest.mark.parametrize("extra", [0, 30])
def test_the_dashboard_queries_are_bounded(
    client, django_assert_max_num_queries, catalogue, org_a, extra
):
    for _ in range(extra):
        created = platform(OrganisationFactory(), CapabilityFactory(), phase="live")
        platform(OrganisationFactory(), created.capabilities.get(), phase="beta")
        AdoptionFactory(platform=created)
    user = AdminUserFactory()
    client.force_login(user)
    client.get(reverse("admin:index"))  # the admin's own first-visit queries
    # The bound for every page, with a contract ending (the catalogue's "Texts").
    with django_assert_max_num_queries(8):
        response = client.get(reverse("admin:index"))
    assert response.status_code == 200
