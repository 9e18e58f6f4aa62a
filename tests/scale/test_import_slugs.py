"""The slugs an import plans for its new platforms follow ``services.platform_slug_holders``
(published slugs and the owner's own; another organisation's draft holds none), read for all
the owners of a file in a constant number of queries, not one per row or per owner."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from platforms.importers import run_import
from tests.factories import DraftPlatformFactory, OrganisationFactory, PublishedPlatformFactory

pytestmark = pytest.mark.django_db


def _component(name: str) -> str:
    return (
        f"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n"
        "  description: Track casework.\nspec:\n  type: service\n  lifecycle: production\n"
        "  owner: group:platform-team\n"
    )


def _planned_slugs(owner: str, *names: str) -> list[str]:
    body = "---\n".join(_component(name) for name in names).encode()
    plan = run_import([("catalog-info.yaml", body)], "backstage", owner, None, dry_run=True)
    assert not plan.errors, [str(p) for p in plan.errors]
    return [item.slug for item in plan.created]


def test_planned_slugs_avoid_published_and_own_slugs_but_not_other_drafts():
    north = OrganisationFactory(slug="north")
    OrganisationFactory(slug="south")
    PublishedPlatformFactory(slug="ferry-pay", owner=north)
    DraftPlatformFactory(slug="quay-notes", owner=north)
    # Published by north: taken for everyone; north's draft: free for south, taken for north.
    assert _planned_slugs("south", "ferry-pay", "quay-notes") == ["ferry-pay-2", "quay-notes"]
    assert _planned_slugs("north", "quay-notes") == ["quay-notes-2"]


def test_the_slug_checks_of_a_plan_take_the_same_queries_for_two_owners_or_twenty():
    for n in range(20):
        OrganisationFactory(slug=f"body-{n}")

    def plan(count: int) -> int:
        lines = ["slug,name,summary,owner"] + [
            f"tracker-{n},Tracker {n},Tracks.,body-{n}" for n in range(count)
        ]
        body = ("\n".join(lines) + "\n").encode()
        with CaptureQueriesContext(connection) as queries:
            result = run_import([("file.csv", body)], "csv", None, None, dry_run=True)
        assert len(result.created) == count and not result.errors
        return len(queries.captured_queries)

    assert plan(20) == plan(2)


def test_a_file_whose_names_are_taken_costs_the_same_queries_for_two_rows_or_twenty():
    """The "-2", "-3"... a taken slug tries are read with the file's slugs, not per row."""
    body = OrganisationFactory(slug="body")
    for n in range(20):
        PublishedPlatformFactory(slug=f"tracker-{n}")
        DraftPlatformFactory(slug=f"tracker-{n}-2", owner=body)

    def plan(count: int) -> int:
        names = [f"tracker-{n}" for n in range(count)]
        with CaptureQueriesContext(connection) as queries:
            assert _planned_slugs("body", *names) == [f"{name}-3" for name in names]
        return len(queries.captured_queries)

    assert plan(20) == plan(2)
