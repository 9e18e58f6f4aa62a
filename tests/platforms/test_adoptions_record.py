"""``services.adoptions_record``: many adoptions at once (the reference data's adopters of GOV.UK
Pay and Notify), checked as one adoption is, written all or none, with their history, the reuse
counts and the insight figures right at the end."""

import datetime

import pytest

from platforms import insight_figures, services
from platforms.models import Adoption, Platform
from tests.factories import (
    CapabilityFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    editor_of,
)
from tests.scale.test_reuse_count import assert_counts_fresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    owner, one, two, three = (OrganisationFactory(slug=s) for s in ("owner", "one", "two", "3"))
    pay = PublishedPlatformFactory(slug="pay", owner=owner, phase="live")
    pay.capabilities.set([CapabilityFactory(slug="payments")])
    return {"owner": owner, "one": one, "two": two, "three": three, "pay": pay}


def adoptions(world, *slugs, **fields):
    return [Adoption(platform=world["pay"], organisation=world[s], **fields) for s in slugs]


def test_they_are_written_with_their_history_and_counted_once(world):
    written = services.adoptions_record(
        actor=None,
        adoptions=adoptions(world, "one", "two", evidence_source="GOV.UK Pay performance data")
        + adoptions(world, "three", status="exploring"),
    )
    assert all(a.pk for a in written)
    rows = Adoption.objects.filter(platform=world["pay"]).order_by("organisation__slug")
    assert [(a.organisation.slug, a.status) for a in rows] == [
        ("3", "exploring"),
        ("one", "in_use"),
        ("two", "in_use"),
    ]
    assert Adoption.history.filter(platform=world["pay"], history_type="+").count() == 3
    # Two bodies other than the owner use it; the one exploring is not reuse.
    assert Platform.objects.get(pk=world["pay"].pk).reuse_count == 2
    assert_counts_fresh()
    stored = insight_figures.stored()
    assert stored == insight_figures.fresh()
    assert stored[2][(world["one"].pk, 0)][1:] == (1, 1, 1)  # adopts one, reuses it, in use


def test_one_already_recorded_refuses_them_all(world):
    services.adoption_record(actor=None, platform=world["pay"], organisation=world["two"])
    with pytest.raises(services.Conflict) as refused:
        services.adoptions_record(actor=None, adoptions=adoptions(world, "one", "two"))
    assert str(refused.value) == (
        f"{world['two'].name} already has an adoption of {world['pay'].name} for that use."
    )
    assert list(Adoption.objects.values_list("organisation__slug", flat=True)) == ["two"]


def test_the_same_one_twice_in_the_list_is_refused(world):
    with pytest.raises(services.Conflict):
        services.adoptions_record(actor=None, adoptions=adoptions(world, "one", "two", "one"))
    assert not Adoption.objects.exists()


def test_an_end_before_its_start_is_refused_and_nothing_is_written(world):
    bad = adoptions(
        world, "two", start_date=datetime.date(2024, 5, 1), end_date=datetime.date(2024, 4, 1)
    )
    with pytest.raises(services.InvalidData) as refused:
        services.adoptions_record(actor=None, adoptions=adoptions(world, "one") + bad)
    assert refused.value.field_errors == {
        "end_date": ["The end date cannot be before the start date."]
    }
    assert not Adoption.objects.exists()


def test_an_editor_records_only_for_their_own_body(world):
    editor = editor_of(world["one"])
    with pytest.raises(services.NotAllowed, match="not a member of it"):
        services.adoptions_record(actor=editor, adoptions=adoptions(world, "one", "two"))
    assert not Adoption.objects.exists()
    services.adoptions_record(actor=editor, adoptions=adoptions(world, "one"))
    assert Adoption.objects.get().organisation == world["one"]


def test_another_bodys_draft_is_refused_as_if_it_did_not_exist(world):
    draft = DraftPlatformFactory(slug="secret", owner=world["two"])
    editor = editor_of(world["one"])
    with pytest.raises(services.InvalidData) as refused:
        services.adoptions_record(
            actor=editor, adoptions=[Adoption(platform=draft, organisation=world["one"])]
        )
    assert refused.value.field_errors == {
        "platform": ["There is no such platform in the catalogue."]
    }
    assert not Adoption.objects.exists()
