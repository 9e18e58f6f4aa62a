"""Every insight, read by anyone but the owner's members, is exactly the same with or without
another organisation's draft: it never appears, not even as a count."""

import datetime

import pytest

from tests.factories import (
    AdoptionFactory,
    CapabilityFactory,
    DependencyFactory,
    DraftPlatformFactory,
    InReviewPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    editor_of,
)
from tests.insights.conftest import client_for

pytestmark = pytest.mark.django_db

URLS = [
    "/api/v1/insights/",
    "/api/v1/insights/duplication/",
    "/api/v1/insights/organisations/alpha-office/profile/",
    "/api/v1/insights/organisations/beta-board/profile/",
    "/api/v1/insights/platforms/notify/impact/",
    "/api/v1/platforms/notify/dependents/",
    "/api/v1/insights/contracts/?within=120",
    "/api/v1/insights/matrix/",
    "/api/v1/insights/matrix/?format=csv",
    "/api/v1/insights/matrix/?parent=alpha-office&capability=notifications",
    "/api/v1/insights/platforms/notify/trend/",
]


def read_all(user):
    client = client_for(user)
    responses = {}
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content)
        responses[url] = response.content
    return responses


def test_no_insight_changes_when_another_organisation_adds_drafts(org_a, org_b):
    notifications = CapabilityFactory(slug="notifications")
    notify = PublishedPlatformFactory(slug="notify", owner=org_a, phase="live")
    notify.capabilities.set([notifications])
    texts = PublishedPlatformFactory(
        slug="texts", owner=org_a, contract_end_date=datetime.date.today()
    )
    texts.capabilities.set([notifications])
    AdoptionFactory(platform=notify, organisation=org_b, start_date=datetime.date(2024, 1, 1))
    agency = OrganisationFactory(slug="agency", parent=org_a)
    AdoptionFactory(platform=texts, organisation=agency)
    retired = PublishedPlatformFactory(owner=org_b, phase="retired")
    retired.capabilities.set([notifications])
    readers = {"anonymous": None, "editor of A": editor_of(org_a), "editor of B": editor_of(org_b)}
    before = {name: read_all(user) for name, user in readers.items()}

    secret_org = OrganisationFactory(slug="secret-org", name="Secret Org")
    for factory in (DraftPlatformFactory, InReviewPlatformFactory):
        draft = factory(owner=secret_org, phase="live", contract_end_date=datetime.date.today())
        draft.capabilities.set([notifications])
        DependencyFactory(platform=draft, depends_on=notify)
        AdoptionFactory(platform=draft, organisation=org_a, start_date=datetime.date(2024, 1, 1))
        AdoptionFactory(platform=draft, organisation=agency)
    # A published platform may name a draft as its replacement: the draft stays unnamed.
    type(retired).objects.filter(pk=retired.pk).update(replaced_by=draft)

    for name, user in readers.items():
        assert read_all(user) == before[name], name
    # The drafts' own organisation sees them.
    owner_view = read_all(editor_of(secret_org))
    assert b"shared-platform" in owner_view["/api/v1/insights/duplication/"]
