"""Duplication: capabilities met by two or more platforms in service, ranked by how many
organisations are split across them; drafts never count."""

import pytest

from tests.factories import (
    AdoptionFactory,
    CapabilityFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    editor_of,
)
from tests.insights.conftest import client_for, get_json, platform

pytestmark = pytest.mark.django_db

URL = "/api/v1/insights/duplication/"


@pytest.fixture
def split(org_a, org_b):
    """Two platforms meeting notifications with split adopters, a retired one replaced, and a
    second, smaller duplication (hosting)."""
    notifications = CapabilityFactory(slug="notifications", name="Notifications")
    hosting = CapabilityFactory(slug="hosting", name="Hosting")
    lonely = CapabilityFactory(slug="forms", name="Forms")
    notify = platform("notify", [notifications], owner=org_a)
    texts = platform("texts", [notifications], owner=org_b, phase="beta")
    platform("old-texts", [notifications], owner=org_b, phase="retired", replaced_by=notify)
    platform("idea", [notifications], owner=org_b, phase="discovery")  # not in service
    platform("forms", [lonely], owner=org_a)
    platform("cloud-a", [hosting], owner=org_a)
    platform("cloud-b", [hosting], owner=org_b, phase="retiring")
    one, two, three, four = (OrganisationFactory(slug=f"council-{n}") for n in range(1, 5))
    AdoptionFactory(platform=notify, organisation=one)
    AdoptionFactory(platform=notify, organisation=two)
    AdoptionFactory(platform=notify, organisation=four)
    AdoptionFactory(platform=notify, organisation=three, status="exploring")  # not using
    AdoptionFactory(platform=texts, organisation=three)
    AdoptionFactory(platform=texts, organisation=four)  # four pays twice
    AdoptionFactory(platform=texts, organisation=org_a)  # the owner of the other one, too
    return notifications


def test_duplicated_capabilities_are_ranked_by_organisations_split(split):
    body = get_json(client_for(None), URL)

    assert body["count"] == 2
    assert [(r["rank"], r["capability"]["slug"]) for r in body["results"]] == [
        (1, "notifications"),
        (2, "hosting"),
    ]
    notifications, hosting = body["results"]
    # Owners alpha and beta, councils 1, 2, 3 (texts) and 4: six organisations.
    assert notifications["organisations"] == 6
    # Council 4 uses both; alpha owns notify and uses texts.
    assert notifications["organisations_on_several"] == 2
    assert notifications["platforms_in_service"] == 2
    rows = {p["platform"]["slug"]: p for p in notifications["platforms"]}
    assert list(rows) == ["notify", "texts"]  # most adopted first
    assert rows["notify"]["adopters"] == 3
    assert rows["notify"]["adopters_also_elsewhere"] == 1  # council 4
    assert rows["texts"]["adopters"] == 3  # councils 3, 4 and alpha
    assert rows["texts"]["adopters_also_elsewhere"] == 2  # council 4, and alpha (owner of notify)
    assert rows["texts"]["owner"]["slug"] == "beta-board"
    assert rows["texts"]["phase"] == "beta"
    assert [r["platform"]["slug"] for r in notifications["replaced"]] == ["old-texts"]
    assert notifications["replaced"][0]["replaced_by"]["slug"] == "notify"
    assert hosting["organisations"] == 2 and hosting["organisations_on_several"] == 0
    assert {p["platform"]["slug"] for p in hosting["platforms"]} == {"cloud-a", "cloud-b"}


def test_another_organisations_draft_never_counts(split, org_a):
    lonely = CapabilityFactory(slug="forms")
    other = OrganisationFactory(slug="other-office")
    before = get_json(client_for(None), URL)
    draft = DraftPlatformFactory(slug="draft-forms", owner=other, phase="live")
    draft.capabilities.set([lonely, split])
    AdoptionFactory(platform=draft, organisation=OrganisationFactory())

    for reader in (None, editor_of(org_a)):
        assert get_json(client_for(reader), URL) == before

    # Its own editors see it: forms becomes a duplication for them.
    mine = get_json(client_for(editor_of(other)), URL)
    assert {r["capability"]["slug"] for r in mine["results"]} == {
        "notifications",
        "hosting",
        "forms",
    }


def test_a_draft_replacement_is_not_named(split, org_a, org_b):
    secret = DraftPlatformFactory(slug="secret-replacement", owner=OrganisationFactory())
    platform("older-texts", [split], owner=org_b, phase="retired", replaced_by=secret)
    body = get_json(client_for(None), URL)
    replaced = {r["platform"]["slug"]: r for r in body["results"][0]["replaced"]}
    assert replaced["older-texts"]["replaced_by"] is None
    assert "secret" not in str(body)


def test_nothing_duplicated(org_a):
    platform("only", [CapabilityFactory()], owner=org_a)
    assert get_json(client_for(None), URL) == {"count": 0, "results": []}


@pytest.mark.parametrize("extra", [0, 30])
def test_duplication_queries_are_bounded(django_assert_max_num_queries, split, extra):
    for n in range(extra):
        capability = CapabilityFactory()
        for _ in range(2):
            created = platform(f"extra-{n}-{_}", [capability, split], owner=OrganisationFactory())
            AdoptionFactory(platform=created)
    with django_assert_max_num_queries(4):
        body = get_json(client_for(None), URL)
    assert body["count"] == 2 + extra
