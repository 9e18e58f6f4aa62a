"""An import counts again only the insight figures of what it touched (issue 14): the
capabilities its platforms meet (or met) and the organisations that own or use them, instead
of every figure of the catalogue after a one-row import. The figures kept must still equal a
fresh count of the whole catalogue."""

from __future__ import annotations

import pytest

from platforms import insight_figures
from platforms.importers import run_import
from platforms.models import CapabilityCount, OrganisationUse, Platform
from tests.factories import (
    AdoptionFactory,
    CapabilityFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
)

pytestmark = pytest.mark.django_db

HEADER = "slug,name,summary,owner,phase,replaced_by,capabilities,standards,tags,description"


@pytest.fixture
def catalogue():
    """A catalogue larger than the import: ten capabilities, twelve organisations, forty
    platforms, adoptions in use and not."""
    capabilities = [CapabilityFactory(slug=f"cap-{n}") for n in range(10)]
    organisations = [OrganisationFactory(slug=f"org-{n}") for n in range(12)]
    for n in range(40):
        platform = PublishedPlatformFactory(
            slug=f"platform-{n}",
            owner=organisations[n % 12],
            phase=("live", "beta", "retired", "alpha")[n % 4],
        )
        platform.capabilities.set([capabilities[n % 10], capabilities[(n * 3) % 10]])
        for k in range(n % 4):
            AdoptionFactory(
                platform=platform,
                organisation=organisations[(n + k + 1) % 12],
                status="in_use" if k % 2 == 0 else "exploring",
            )
    insight_figures.rebuild()
    assert insight_figures.stored() == insight_figures.fresh()
    return capabilities, organisations


def _import(*lines: str, header: str = HEADER) -> None:
    body = ("\n".join([header, *lines]) + "\n").encode()
    plan = run_import([("file.csv", body)], "csv", None, None, dry_run=False)
    assert plan.applied, [str(p) for p in plan.errors]


def test_a_small_import_keeps_every_figure_equal_to_a_fresh_count(catalogue):
    # platform-1 meets cap-1 and cap-3 and is owned by org-1: it moves to org-5 with cap-7 only.
    _import(
        "new-one,New One,Takes payments.,org-2,live,,cap-0;cap-9,,,",
        "platform-1,Platform 1,Moved.,org-5,live,,cap-7,,,",
    )
    assert insight_figures.stored() == insight_figures.fresh()
    _import(
        "platform-2,org-11,in_use",
        "new-one,org-7,in_use",
        header="platform,organisation,status",
    )
    assert insight_figures.stored() == insight_figures.fresh()
    assert Platform.objects.get(slug="platform-2").reuse_count >= 1


def test_figures_the_import_did_not_touch_are_not_counted_again(catalogue):
    capabilities, organisations = catalogue
    # Figures of a capability and an organisation the import has nothing to do with, made
    # wrong on purpose: a full rebuild would put them right, the import leaves them alone.
    untouched_capability, untouched_organisation = capabilities[4], organisations[10]
    CapabilityCount.objects.filter(capability=untouched_capability).update(live=999)
    OrganisationUse.objects.filter(organisation=untouched_organisation).update(owns=999)
    touched_capability = capabilities[0]
    CapabilityCount.objects.filter(capability=touched_capability).update(live=999)

    _import("new-one,New One,Takes payments.,org-2,live,,cap-0,,,")

    assert set(
        CapabilityCount.objects.filter(capability=untouched_capability).values_list(
            "live", flat=True
        )
    ) == {999}
    assert set(
        OrganisationUse.objects.filter(organisation=untouched_organisation).values_list(
            "owns", flat=True
        )
    ) == {999}
    use, count, organisation, *_facets = insight_figures.stored()
    fresh_use, fresh_count, fresh_organisation, *_facets = insight_figures.fresh()
    touched = touched_capability.pk
    assert {k: v for k, v in count.items() if k[0] == touched} == {
        k: v for k, v in fresh_count.items() if k[0] == touched
    }
    assert {k: v for k, v in use.items() if k[0] == touched} == {
        k: v for k, v in fresh_use.items() if k[0] == touched
    }
    org_2 = organisations[2].pk
    assert {k: v for k, v in organisation.items() if k[0] == org_2} == {
        k: v for k, v in fresh_organisation.items() if k[0] == org_2
    }
