"""The contract horizon: supplier contracts ending within N months, with what could replace them."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from platforms.selectors.contracts import months_after
from tests.database_waits import database_activity, waits_recorded
from tests.factories import (
    AdoptionFactory,
    CapabilityFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    editor_of,
)
from tests.insights.conftest import client_for, get_json, platform

pytestmark = pytest.mark.django_db

URL = "/api/v1/insights/contracts/"
DAY = datetime.timedelta(days=1)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def contracts(today):
    notifications = CapabilityFactory(slug="notifications", name="Notifications")
    hosting = CapabilityFactory(slug="hosting", name="Hosting")
    edge = months_after(today, 18)
    platform("soon", [notifications], supplier="Texts Ltd", contract_end_date=today + 40 * DAY)
    platform("on-the-edge", [hosting], supplier="Cloud Ltd", contract_end_date=edge)
    platform("just-after", [notifications], contract_end_date=edge + DAY)
    platform("already-ended", [notifications], contract_end_date=today - DAY)
    platform("retired", [notifications], phase="retired", contract_end_date=today + 10 * DAY)
    platform("in-house", [notifications])  # no contract
    notify = platform("notify", [notifications])
    platform("texts-beta", [notifications], phase="beta")
    platform("retiring-texts", [notifications], phase="retiring")  # not a place to move to
    for _ in range(2):
        AdoptionFactory(platform=notify, organisation=OrganisationFactory())
    secret = DraftPlatformFactory(slug="secret-texts", phase="live")
    secret.capabilities.set([notifications])
    draft_contract = DraftPlatformFactory(slug="secret-contract", contract_end_date=today)
    draft_contract.capabilities.set([notifications])
    return today


def test_contracts_inside_the_window_with_the_platforms_that_could_replace_them(contracts):
    today = contracts
    body = get_json(client_for(None), URL, within=18)

    assert body["within_months"] == 18
    assert body["from"] == today.isoformat()
    assert body["until"] == months_after(today, 18).isoformat()
    assert [r["platform"]["slug"] for r in body["results"]] == ["soon", "on-the-edge"]
    assert body["count"] == 2
    soon = body["results"][0]
    assert soon["supplier"] == "Texts Ltd"
    assert soon["contract_end_date"] == (today + 40 * DAY).isoformat()
    assert [c["slug"] for c in soon["capabilities"]] == ["notifications"]
    alternatives = [(a["platform"]["slug"], a["reuse_count"]) for a in soon["alternatives"]]
    # Live and beta platforms meeting the same need, most reused first; never a draft, a
    # retiring or retired platform, or the platform itself.
    assert alternatives[0] == ("notify", 2)
    assert {slug for slug, _ in alternatives} == {
        "notify",
        "texts-beta",
        "in-house",
        "just-after",
        "already-ended",
    }
    assert soon["alternatives"][0]["shared_capabilities"] == ["notifications"]
    assert body["results"][1]["alternatives"] == []
    quarters = [q["contracts"] for q in body["by_quarter"]]
    assert sum(quarters) == 2 and all(quarters)
    assert "secret" not in str(body)


def test_each_contract_lists_every_platform_sharing_a_need_once_and_never_itself(today):
    """Two contracts ending in the window share a need (each is the other's alternative); an
    alternative meeting two of a contract's needs is listed once, with both."""
    notifications = CapabilityFactory(slug="notifications", name="Notifications")
    hosting = CapabilityFactory(slug="hosting", name="Hosting")
    platform("first", [notifications, hosting], contract_end_date=today + 10 * DAY)
    platform("second", [notifications], contract_end_date=today + 20 * DAY)
    both = platform("both-needs", [hosting, notifications])
    for _ in range(3):
        AdoptionFactory(platform=both, organisation=OrganisationFactory())
    platform("hosting-only", [hosting])

    results = {r["platform"]["slug"]: r for r in get_json(client_for(None), URL)["results"]}

    assert [
        (a["platform"]["slug"], a["shared_capabilities"]) for a in results["first"]["alternatives"]
    ] == [
        ("both-needs", ["hosting", "notifications"]),  # most reused first, its needs by name
        ("hosting-only", ["hosting"]),
        ("second", ["notifications"]),
    ]
    assert [
        (a["platform"]["slug"], a["shared_capabilities"]) for a in results["second"]["alternatives"]
    ] == [("both-needs", ["notifications"]), ("first", ["notifications"])]


def test_the_window_follows_within(contracts):
    assert get_json(client_for(None), URL)["within_months"] == 18  # the default
    assert [
        r["platform"]["slug"] for r in get_json(client_for(None), URL, within=2)["results"]
    ] == ["soon"]
    assert get_json(client_for(None), URL, within=0)["results"] == []


@pytest.mark.parametrize("within", ["-1", "x", "1.5", "", "121", "1e3"])
def test_a_bad_within_is_a_400_saying_what_is_allowed(db, within):
    response = client_for(None).get(URL, {"within": within})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"]["within"] == ["Send one whole number of months from 0 to 120, e.g. 18."]


def test_months_after_keeps_the_day_or_the_months_last():
    assert months_after(datetime.date(2026, 8, 31), 18) == datetime.date(2028, 2, 29)
    assert months_after(datetime.date(2026, 11, 28), 0) == datetime.date(2026, 11, 28)
    assert months_after(datetime.date(2026, 11, 28), 14) == datetime.date(2028, 1, 28)


@pytest.mark.parametrize("extra", [0, 30])
def test_contracts_queries_are_bounded(django_assert_max_num_queries, contracts, extra):
    notifications = CapabilityFactory(slug="notifications")
    for n in range(extra):
        platform(f"extra-{n}", [notifications, CapabilityFactory()], contract_end_date=contracts)
    # Twice this answered 503 in a full run on PostgreSQL (the alternatives statement stopped at
    # the 10 s statement_timeout: planned from statistics saying "empty", it read whole tables
    # once per contract-and-alternative row; it now reads per capability). Should it again, the
    # failure says what the database was doing during the wait and after it.
    with django_assert_max_num_queries(6), waits_recorded(after=3.0) as waits:
        response = client_for(None).get(URL)
    if response.status_code != 200 and connection.vendor == "postgresql":
        waits.append("after the answer:\n" + database_activity())
    assert response.status_code == 200, "\n".join([response.content.decode(), *waits])
    assert response.json()["count"] == 2 + extra


def test_each_contract_lists_its_first_ten_alternatives_and_counts_them_all(today):
    """The cap, the order (most reused, then by name) and the exact total, drafts aside."""
    notifications = CapabilityFactory(slug="notifications", name="Notifications")
    hosting = CapabilityFactory(slug="hosting", name="Hosting")
    platform("ending", [notifications, hosting], contract_end_date=today + 10 * DAY)
    for n in range(12):
        platform(f"texts-{n:02}", [notifications])
    both = platform("zz-both", [hosting, notifications])  # first by reuse despite its name
    AdoptionFactory(platform=both, organisation=OrganisationFactory())
    secret = DraftPlatformFactory(slug="secret-texts", phase="live")
    secret.capabilities.set([notifications])

    contract = get_json(client_for(None), URL)["results"][0]

    assert contract["alternatives_count"] == 13  # 12 + zz-both, not itself, not the draft
    assert [(a["platform"]["slug"], a["shared_capabilities"]) for a in contract["alternatives"]][
        :2
    ] == [("zz-both", ["hosting", "notifications"]), ("texts-00", ["notifications"])]
    assert [a["platform"]["slug"] for a in contract["alternatives"]] == ["zz-both"] + [
        f"texts-{n:02}" for n in range(9)
    ]
    # The draft's own organisation sees it, counted; a member of another organisation does not.
    own = get_json(client_for(editor_of(secret.owner)), URL)["results"][0]
    assert own["alternatives_count"] == 14
    other = get_json(client_for(editor_of(OrganisationFactory())), URL)["results"][0]
    assert other["alternatives_count"] == 13 and "secret" not in str(other)


def test_contracts_come_a_page_at_a_time_with_links(today):
    notifications = CapabilityFactory(slug="notifications", name="Notifications")
    for n in range(5):
        platform(f"ending-{n}", [notifications], contract_end_date=today + (n + 1) * DAY)

    first = get_json(client_for(None), URL, page_size=2)
    assert first["count"] == 5 and sum(q["contracts"] for q in first["by_quarter"]) == 5
    assert [r["platform"]["slug"] for r in first["results"]] == ["ending-0", "ending-1"]
    assert first["previous"] is None and "offset=2" in first["next"]
    last = get_json(client_for(None), URL, page_size=2, offset=4)
    assert [r["platform"]["slug"] for r in last["results"]] == ["ending-4"]
    assert last["next"] is None and last["results"][0]["alternatives_count"] == 4
