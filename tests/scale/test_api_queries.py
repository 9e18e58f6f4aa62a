"""The lists, the detail and the nested lists run a small, fixed number of SQL queries whatever the
page size and the data size, the throttle's count included (one statement in the product's
default store, the database), measured at two data sizes."""

import pytest

from tests.factories import (
    AdoptionFactory,
    CapabilityFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    StandardFactory,
)

# (path, queries): the throttle's count, then the endpoint's own.
BUDGETS = [
    ("/api/v1/platforms/?page_size=100", 4),  # count, page, capabilities, standards
    ("/api/v1/platforms/?ordering=-reuse_count", 4),
    ("/api/v1/platforms/?phase=live&capability=payments", 5),  # + the capability's slug
    ("/api/v1/platforms/pay/", 4),  # count, platform, capabilities, standards
    ("/api/v1/platforms/pay/adoptions/?page_size=100", 3),  # count, platform, page
    ("/api/v1/organisations/adopter-0/adoptions/?page_size=100", 3),  # count, body, page
]


def build(size: int):
    payments = CapabilityFactory(slug="payments", name="Payments")
    standard = StandardFactory()
    owner = OrganisationFactory()
    pay = PublishedPlatformFactory(slug="pay", name="Pay", owner=owner)
    pay.capabilities.set([payments])
    adopters = [OrganisationFactory(slug=f"adopter-{n}") for n in range(size)]
    for n in range(size):
        platform = PublishedPlatformFactory(owner=owner, name=f"Platform {n}")
        platform.capabilities.set([payments, CapabilityFactory()])
        platform.standards.set([standard])
        AdoptionFactory(platform=pay, organisation=adopters[n])
        AdoptionFactory(platform=platform, organisation=adopters[0])


@pytest.mark.parametrize("size", [2, 25])
def test_reads_cost_the_same_queries_at_any_size(
    client, db, settings, size, django_assert_max_num_queries
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "catalogue_cache",
        }
    }
    build(size)
    client.get("/api/v1/capabilities/")  # the throttle's once-a-minute pruning, out of the way
    for path, budget in BUDGETS:
        with django_assert_max_num_queries(budget):
            response = client.get(path)
        assert response.status_code == 200, path
        rows = response.json()["results"] if "results" in response.json() else [response.json()]
        assert rows, path
