"""The stored ``Platform.reuse_count`` (what the list shows and orders by) always equals a fresh
count of the organisations other than the owner with an adoption in use, after every kind of
write the services make."""

import pytest

from platforms import services
from platforms.models import Adoption, Platform
from tests.factories import OrganisationFactory, PublishedPlatformFactory


def assert_counts_fresh():
    rows = Platform.objects.fresh_reuse_counts().values_list(
        "slug", "reuse_count", "fresh_reuse_count"
    )
    stale = [(slug, stored, fresh) for slug, stored, fresh in rows if stored != fresh]
    assert not stale, f"stored != fresh for {stale}"


def reuse(platform):
    return Platform.objects.get(pk=platform.pk).reuse_count


@pytest.mark.django_db
def test_every_write_keeps_the_stored_count_fresh():
    owner, a, b = OrganisationFactory(), OrganisationFactory(), OrganisationFactory()
    pay = services.platform_register(
        actor=None, owner=owner, name="Pay", summary="Payments.", state="published"
    )
    notify = PublishedPlatformFactory(owner=a)
    assert reuse(pay) == 0
    assert_counts_fresh()

    first = services.adoption_record(actor=None, platform=pay, organisation=a)
    assert reuse(pay) == 1
    assert_counts_fresh()

    # A second use by the same body is not a second reuser.
    services.adoption_record(actor=None, platform=pay, organisation=a, use_case="refunds")
    assert reuse(pay) == 1
    services.adoption_record(actor=None, platform=pay, organisation=b)
    assert reuse(pay) == 2
    # The owner's own use is not reuse; planned use is not use yet.
    services.adoption_record(actor=None, platform=pay, organisation=owner)
    planned = services.adoption_record(
        actor=None, platform=notify, organisation=b, status=Adoption.Status.PLANNED
    )
    assert (reuse(pay), reuse(notify)) == (2, 0)
    assert_counts_fresh()

    services.adoption_update(actor=None, adoption=planned, data={"status": "in_use"})
    assert reuse(notify) == 1
    assert_counts_fresh()

    services.adoption_end(actor=None, adoption=first)  # a still uses it for refunds
    assert reuse(pay) == 2
    services.adoption_end(
        actor=None, adoption=Adoption.objects.get(platform=pay, use_case="refunds")
    )
    assert reuse(pay) == 1
    assert_counts_fresh()

    services.adoption_delete(
        actor=None, adoption=Adoption.objects.get(platform=pay, organisation=b)
    )
    assert reuse(pay) == 0
    assert_counts_fresh()

    # Giving the platform to the body that uses it: its use is now the owner's own.
    services.adoption_delete(
        actor=None, adoption=Adoption.objects.get(platform=pay, organisation=owner)
    )
    services.adoption_record(actor=None, platform=pay, organisation=b)
    assert reuse(pay) == 1
    services.platform_update(actor=None, platform=pay, data={"owner": b})
    assert reuse(pay) == 0
    services.platform_update(actor=None, platform=pay, data={"owner": owner})
    assert reuse(pay) == 1
    assert_counts_fresh()

    # Transitions save the row again: the count survives them.
    services.platform_retire(actor=None, platform=Platform.objects.get(pk=pay.pk))
    assert reuse(pay) == 1
    assert_counts_fresh()


@pytest.mark.django_db
def test_the_list_orders_by_the_stored_count(api_client):
    owner = OrganisationFactory()
    users = [OrganisationFactory() for _ in range(3)]
    platforms = [PublishedPlatformFactory(owner=owner) for _ in range(3)]
    for n, platform in enumerate(platforms):
        for organisation in users[: n + 1]:
            services.adoption_record(actor=None, platform=platform, organisation=organisation)
    response = api_client.get("/api/v1/platforms/", {"ordering": "-reuse_count"})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["slug"], r["reuse_count"]) for r in rows] == [
        (platforms[2].slug, 3),
        (platforms[1].slug, 2),
        (platforms[0].slug, 1),
    ]
