"""An impact analysis is kept in two parts (issue 14: impact <= 100 ms after a write, at 100,000
platforms): the walk, until a platform, dependency or membership is written, and the counts of
the organisations hit, until an adoption is written, or until the dependents or their owners
change. An adoption write, the most frequent, so counts again over the walk kept, without
walking; a write elsewhere in the graph walks again and keeps the counts.

Each test writes through the services (the one write path), commits, and checks which part was
made again (the walk is the only recursive query; the count the only read of adoptions), that
the answer is the one computed afresh, and that it shows the write.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from platforms import services
from platforms.models import Adoption, Dependency
from platforms.selectors import impact as impact_module
from platforms.selectors.impact import MAX_DEPTH, impact_changed, platform_impact
from tests.factories import OrganisationFactory, PublishedPlatformFactory
from tests.scale.test_impact_speed import _graph

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("nothing_kept")]


@pytest.fixture
def graph():
    """base <- a <- b, base <- c, all owned by ``owner``; ``user`` has c in use (the graph of
    ``test_impact_speed``, without its draft)."""
    with transaction.atomic():  # the adoption factory recounts reuse under a row lock
        made = _graph(draft=False)
    # Made before the analyses are kept: a row made in passing would be a write of its own.
    newcomer = OrganisationFactory(name="Newcomer")
    newcomer_base = PublishedPlatformFactory(slug="newcomer-base", owner=newcomer)
    return {**made, "newcomer": newcomer, "newcomer_base": newcomer_base}


def summary(impact) -> dict:
    return {
        "dependents": [(d.platform.slug, d.depth, d.depends_on, d.path) for d in impact.dependents],
        "cycles": impact.cycles,
        "by_depth": impact.by_depth,
        "truncated": impact.truncated,
        "organisations_count": impact.organisations_count,
        "organisations": [
            (a.organisation.name, a.owns_count, a.uses_count, a.owns, a.uses)
            for a in impact.organisations_affected
        ],
    }


def fresh(platform) -> dict:
    """The analysis computed now from the database, nothing kept."""
    analysis, organisations = impact_module._analyse(platform, AnonymousUser(), MAX_DEPTH)
    return summary(analysis.impact(platform, MAX_DEPTH, organisations))


def answered(platform) -> tuple[dict, set[str]]:
    """The analysis as the catalogue answers it, and which parts it made again."""
    with CaptureQueriesContext(connection) as queries:
        result = summary(platform_impact(platform=platform, user=AnonymousUser()))
    made = set()
    for query in queries.captured_queries:
        if "WITH RECURSIVE" in query["sql"]:
            made.add("walk")
        if Adoption._meta.db_table in query["sql"]:
            made.add("counts")
    return result, made


def kept(platform) -> dict:
    first, made = answered(platform)
    assert made == {"walk", "counts"}
    again, made = answered(platform)
    assert made == set() and again == first
    return first


def test_an_adoption_recorded_counts_again_over_the_walk_kept(graph):
    before = kept(graph["base"])
    services.adoption_record(
        actor=None, platform=graph["b"], organisation=graph["newcomer"], status="in_use"
    )
    after, made = answered(graph["base"])
    assert made == {"counts"}
    assert after == fresh(graph["base"])
    assert after["organisations_count"] == before["organisations_count"] + 1 == 3
    assert ("Newcomer", 0, 1, [], ["b"]) in after["organisations"]
    assert after["dependents"] == before["dependents"]
    # And it is kept again until the next write.
    assert answered(graph["base"]) == (after, set())


def test_an_adoption_ended_or_deleted_counts_again(graph):
    kept(graph["base"])
    adoption = Adoption.objects.get(pk=graph["adoption"].pk)
    services.adoption_update(actor=None, adoption=adoption, data={"status": "stopped"})
    after, made = answered(graph["base"])
    assert made == {"counts"}
    assert after == fresh(graph["base"])
    assert [name for name, *_ in after["organisations"]] == ["Owner"]

    assert answered(graph["base"]) == (after, set())  # kept again
    services.adoption_delete(actor=None, adoption=Adoption.objects.get(pk=graph["adoption"].pk))
    after, made = answered(graph["base"])
    assert made == {"counts"} and after == fresh(graph["base"])


def test_a_dependency_written_walks_and_counts_again(graph):
    before = kept(graph["base"])
    services.dependency_remove(actor=None, dependency=Dependency.objects.get(platform=graph["c"]))
    after, made = answered(graph["base"])
    assert made == {"walk", "counts"}
    assert after == fresh(graph["base"])
    # c no longer depends on base, so its adopter is no longer hit.
    assert [d[0] for d in after["dependents"]] == ["a", "b"] != before["dependents"]
    assert after["organisations_count"] == 1


def test_a_platform_renamed_walks_again_and_keeps_the_counts_of_the_same_dependents(graph):
    before = kept(graph["base"])
    services.platform_update(actor=None, platform=graph["a"], data={"name": "Zed"})
    after, made = answered(graph["base"])
    assert made == {"walk"}
    assert after == fresh(graph["base"])
    assert [d[0] for d in after["dependents"]] == ["c", "a", "b"]  # by name at each depth
    # The counts kept, their dependents listed nearest first in the new order.
    assert before["organisations"][0] == ("Owner", 3, 0, ["a", "c", "b"], [])
    assert after["organisations"][0] == ("Owner", 3, 0, ["c", "a", "b"], [])


def test_a_dependency_elsewhere_walks_again_and_keeps_the_counts(graph):
    before = kept(graph["base"])
    elsewhere = PublishedPlatformFactory(slug="elsewhere", owner=graph["newcomer"])
    services.dependency_add(actor=None, platform=elsewhere, depends_on=graph["newcomer_base"])
    after, made = answered(graph["base"])
    assert made == {"walk"}
    assert after == fresh(graph["base"]) == before


def test_a_dependent_given_another_owner_counts_again(graph):
    before = kept(graph["base"])
    platform = graph["b"]
    platform.owner = graph["newcomer"]
    platform.save()  # as the admin's change form does, through its service
    after, made = answered(graph["base"])
    assert made == {"walk", "counts"}
    assert after == fresh(graph["base"]) != before
    assert ("Newcomer", 1, 0, ["b"], []) in after["organisations"]


def test_a_bulk_write_without_signals_drops_both_parts(graph):
    kept(graph["base"])
    with transaction.atomic():
        Dependency.objects.bulk_create(
            [
                Dependency(
                    platform=PublishedPlatformFactory(slug="d", name="D"), depends_on=graph["b"]
                )
            ]
        )
        impact_changed()
    after, made = answered(graph["base"])
    assert made == {"walk", "counts"}
    assert after == fresh(graph["base"]) and after["dependents"][-1][0] == "d"


def test_an_adoption_written_in_a_transaction_is_counted_there_and_never_kept(graph):
    before = kept(graph["base"])

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        services.adoption_record(
            actor=None, platform=graph["a"], organisation=graph["newcomer"], status="in_use"
        )
        inside, made = answered(graph["base"])
        assert "counts" in made and inside["organisations_count"] == 3
        raise Undo
    # Rolled back: nothing was replaced, and what is kept is still the answer.
    assert answered(graph["base"]) == (before, set())


def test_a_platform_registered_keeps_both_parts_until_it_depends_on_one(graph):
    before = kept(graph["base"])
    new = services.platform_register(
        actor=None,
        owner=graph["newcomer"],
        name="Newly registered",
        summary="Registered after the analyses were kept.",
        slug="new",
        state="published",
    )
    after, made = answered(graph["base"])
    assert made == set() and after == before == fresh(graph["base"])

    services.dependency_add(actor=None, platform=new, depends_on=graph["c"])
    after, made = answered(graph["base"])
    assert "walk" in made and after == fresh(graph["base"])
    assert after["dependents"][-1][0] == "new"
