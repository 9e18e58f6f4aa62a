"""An organisation's profile: what it owns, what it reuses, and what it could reuse."""

import pytest

from platforms.selectors.profiles import PER_CAPABILITY
from tests.factories import (
    AdoptionFactory,
    CapabilityFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    editor_of,
)
from tests.insights.conftest import client_for, get_json, platform

pytestmark = pytest.mark.django_db

URL = "/api/v1/insights/organisations/{}/profile/"


@pytest.fixture
def scene(org_a, org_b):
    notifications = CapabilityFactory(slug="notifications", name="Notifications")
    payments = CapabilityFactory(slug="payments", name="Payments")
    platform("a-texts", [notifications], owner=org_a)
    platform("a-old-pay", [payments], owner=org_a, phase="retired")  # retired: nothing to replace
    notify = platform("notify", [notifications], owner=org_b)
    mailer = platform("mailer", [notifications], owner=org_b)
    platform("beta-texts", [notifications], owner=org_b, phase="beta")  # not live: not common yet
    pay = platform("pay", [payments], owner=org_b)
    for _ in range(3):
        AdoptionFactory(platform=notify, organisation=OrganisationFactory())
    AdoptionFactory(platform=mailer, organisation=OrganisationFactory())
    AdoptionFactory(platform=mailer, organisation=org_a, status="exploring")
    AdoptionFactory(platform=pay, organisation=org_a, use_case="Fees")
    return notify


def test_the_profile_says_what_it_owns_reuses_and_could_reuse(scene):
    body = get_json(client_for(None), URL.format("alpha-office"))

    assert body["organisation"]["slug"] == "alpha-office"
    assert [p["platform"]["slug"] for p in body["owns"]] == ["a-old-pay", "a-texts"]
    texts = body["owns"][1]
    assert [c["slug"] for c in texts["capabilities"]] == ["notifications"]
    assert [(r["platform"]["slug"], r["status"]) for r in body["reuses"]] == [
        ("mailer", "exploring"),
        ("pay", "in_use"),
    ]
    assert body["reuses"][1]["use_case"] == "Fees"
    assert body["summary"] == {"owns": 2, "reuses": 1, "could_reuse": 1, "adoptions": 2}
    [could] = body["could_reuse"]
    assert could["capability"]["slug"] == "notifications"
    assert [p["slug"] for p in could["own_platforms"]] == ["a-texts"]
    assert [
        (a["platform"]["slug"], a["reuse_count"], a["adoption_status"])
        for a in could["alternatives"]
    ] == [("notify", 3, None), ("mailer", 1, "exploring")]


def test_a_platform_already_in_use_is_not_offered(scene, org_a):
    AdoptionFactory(platform=scene, organisation=org_a)
    body = get_json(client_for(None), URL.format("alpha-office"))
    assert [a["platform"]["slug"] for a in body["could_reuse"][0]["alternatives"]] == ["mailer"]
    assert body["summary"]["reuses"] == 2


def test_drafts_follow_the_visibility_rules(scene, org_a, org_b):
    anonymous_before = get_json(client_for(None), URL.format("alpha-office"))
    notifications = scene.capabilities.get()
    draft = DraftPlatformFactory(slug="b-draft", owner=org_b, phase="live")
    draft.capabilities.set([notifications])
    AdoptionFactory(platform=draft, organisation=org_a)
    own_draft = DraftPlatformFactory(slug="a-draft", name="A-Draft", owner=org_a, phase="live")
    own_draft.capabilities.set([CapabilityFactory(slug="hosting")])

    # Neither draft shows, for anonymous readers; an editor of A sees its own draft only.
    assert get_json(client_for(None), URL.format("alpha-office")) == anonymous_before
    body = get_json(client_for(editor_of(org_a)), URL.format("alpha-office"))
    assert "b-draft" not in str(body)
    assert [p["platform"]["slug"] for p in body["owns"]] == ["a-draft", "a-old-pay", "a-texts"]
    body = get_json(client_for(editor_of(org_b)), URL.format("alpha-office"))
    assert "a-draft" not in str(body) and "b-draft" in str(body)


def test_an_unknown_organisation_is_404(db):
    response = client_for(None).get(URL.format("no-such-body"))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("extra", [0, 25])
def test_profile_queries_are_bounded(django_assert_max_num_queries, scene, org_a, extra):
    notifications = scene.capabilities.get()
    for n in range(extra):
        platform(f"mine-{n}", [notifications, CapabilityFactory()], owner=org_a)
        elsewhere = platform(f"theirs-{n}", [notifications], owner=OrganisationFactory())
        AdoptionFactory(platform=elsewhere, organisation=org_a, status="planned")
        AdoptionFactory(platform=elsewhere)
    client = client_for(editor_of(org_a))
    with django_assert_max_num_queries(8):
        body = get_json(client, URL.format("alpha-office"))
    assert len(body["owns"]) == 2 + extra
    # Alternatives are the most reused few of each capability, with how many there are.
    alternatives = body["could_reuse"][0]
    assert alternatives["alternatives_count"] == 2 + extra
    assert len(alternatives["alternatives"]) == min(2 + extra, PER_CAPABILITY)
