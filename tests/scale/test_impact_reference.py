"""The impact analysis against a plain computation from the rows (issue 14: impact with nothing
kept <= 100 ms at 100,000 platforms).

The analysis walks and counts in one statement when the walk is whole, counts in a statement of
its own over the dependents kept when it is cut short (or after an adoption write), and lists the
dependents each organisation has in use from an index of its own on PostgreSQL (a window on
SQLite). Each way must give what a breadth-first walk over the dependencies and a count over the
adoptions, written plainly in Python, give: on a graph with diamonds, cycles, a draft, and
organisations using a platform for several purposes or no longer using it, with fewer
organisations listed and fewer dependents per list than there are, so the cuts are exercised.
"""

from __future__ import annotations

import random
from collections import defaultdict

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from platforms.models import Adoption, Dependency, Platform
from platforms.selectors import impact as impact_module
from platforms.selectors.impact import MAX_DEPTH
from tests.factories import DraftPlatformFactory, OrganisationFactory, PublishedPlatformFactory

pytestmark = pytest.mark.django_db

TOP = 4
LISTED = 3


@pytest.fixture
def few_listed(monkeypatch):
    monkeypatch.setattr(impact_module, "TOP_ORGANISATIONS", TOP)
    monkeypatch.setattr(impact_module, "LISTED", LISTED)


@pytest.fixture
def catalogue():
    """40 published platforms, each depending on one to three of those before it, a few
    depending on later ones (cycles), a draft in the middle of the graph; 12 organisations
    owning them and adopting them, some for two purposes, some no longer."""
    rng = random.Random(14)
    organisations = [OrganisationFactory(name=f"Organisation {n:02}") for n in range(12)]
    platforms = [
        PublishedPlatformFactory(
            slug=f"p{n:02}",
            # Names tie across platforms, so the order falls back to the slug.
            name=f"Platform {rng.choice('ABCDEFGH')}",
            owner=rng.choice(organisations),
        )
        for n in range(40)
    ]
    draft = DraftPlatformFactory(slug="draft", name="Draft", owner=organisations[0])
    pairs = set()
    for n, platform in enumerate(platforms[1:], start=1):
        for on in rng.sample(platforms[:n], k=min(n, rng.randint(1, 3))):
            pairs.add((platform, on))
    for _ in range(5):
        low, high = sorted(rng.sample(range(40), 2))
        pairs.add((platforms[low], platforms[high]))
    pairs |= {(draft, platforms[0]), (platforms[30], draft), (platforms[31], draft)}
    Dependency.objects.bulk_create(Dependency(platform=p, depends_on=on) for p, on in pairs)
    adoptions = []
    for platform in platforms:
        for organisation in rng.sample(organisations, k=rng.randint(0, 6)):
            for use_case in rng.sample(["", "payments", "letters"], k=rng.randint(1, 2)):
                adoptions.append(
                    Adoption(
                        platform=platform,
                        organisation=organisation,
                        use_case=use_case,
                        status=rng.choice(["in_use", "in_use", "stopped", "planned"]),
                    )
                )
    Adoption.objects.bulk_create(adoptions)
    return platforms


def reference(root: Platform, max_depth: int = MAX_DEPTH) -> dict:
    """What the anonymous public should be told, computed plainly from every row."""
    platforms = {p.pk: p for p in Platform.objects.select_related("owner")}
    rank = {pk: (p.name, p.slug, pk) for pk, p in platforms.items()}
    children = defaultdict(set)
    for dependent, on in Dependency.objects.values_list("platform_id", "depends_on_id"):
        if platforms[dependent].state == "published":
            children[on].add(dependent)
    depth = {root.pk: 0}
    frontier = [root.pk]
    while frontier and depth[frontier[0]] < max_depth:
        following = sorted({c for p in frontier for c in children[p] if c not in depth})
        depth.update((c, depth[frontier[0]] + 1) for c in following)
        frontier = following
    order = sorted((pk for pk in depth if pk != root.pk), key=lambda pk: (depth[pk], rank[pk]))
    parents = defaultdict(list)
    for on, dependents in children.items():
        for dependent in dependents:
            if on in depth and dependent in depth:
                parents[dependent].append(on)

    def path(pk):
        steps = [pk]
        while steps[-1] != root.pk:
            here = steps[-1]
            steps.append(
                min((p for p in parents[here] if depth[p] == depth[here] - 1), key=rank.get)
            )
        return [platforms[pk].slug for pk in reversed(steps)]

    position = {pk: n for n, pk in enumerate(order)}
    owns, uses = defaultdict(set), defaultdict(set)
    for pk in order:
        owns[platforms[pk].owner_id].add(pk)
    for pk, organisation in Adoption.objects.filter(status="in_use").values_list(
        "platform_id", "organisation_id"
    ):
        if pk in position:
            uses[organisation].add(pk)
    hit = {org for org in owns.keys() | uses.keys() if owns[org] or uses[org]}
    top = sorted(hit, key=lambda org: (-(len(owns[org]) + len(uses[org])), org))[:TOP]
    organisation_of = {p.owner_id: p.owner for p in platforms.values()}
    organisation_of.update(
        (a.organisation_id, a.organisation) for a in Adoption.objects.select_related("organisation")
    )

    def listed(ids):
        return [platforms[pk].slug for pk in sorted(sorted(ids)[:LISTED], key=position.get)]

    organisations = sorted(
        (
            (
                organisation_of[org].name,
                organisation_of[org].slug,
                len(owns[org]),
                len(uses[org]),
                listed(owns[org]),
                listed(uses[org]),
            )
            for org in top
        ),
        key=lambda row: (-(row[2] + row[3]), row[0], row[1]),
    )
    return {
        "dependents": [
            (
                platforms[pk].slug,
                depth[pk],
                sorted(platforms[p].slug for p in parents[pk]),
                path(pk),
            )
            for pk in order
        ],
        "organisations_count": len(hit),
        "organisations": organisations,
    }


def answer(impact) -> dict:
    return {
        "dependents": [(d.platform.slug, d.depth, d.depends_on, d.path) for d in impact.dependents],
        "organisations_count": impact.organisations_count,
        "organisations": [
            (
                a.organisation.name,
                a.organisation.slug,
                a.owns_count,
                a.uses_count,
                a.owns,
                a.uses,
            )
            for a in impact.organisations_affected
        ],
    }


def analysed(root, max_depth=MAX_DEPTH):
    analysis, organisations = impact_module._analyse(root, AnonymousUser(), max_depth)
    return analysis.impact(root, max_depth, organisations)


@pytest.mark.usefixtures("few_listed")
def test_walked_and_counted_in_one_statement_as_computed_plainly(catalogue):
    for root in catalogue[:3]:
        expected = reference(root)
        assert len(expected["dependents"]) > 10 and expected["organisations_count"] > TOP
        assert answer(analysed(root)) == expected


@pytest.mark.usefixtures("few_listed")
def test_counted_on_their_own_over_the_walk_as_computed_plainly(catalogue):
    """As after an adoption write: the walk kept, the organisations counted again alone."""
    root = catalogue[0]
    walk, _counted = impact_module._walk(root, AnonymousUser(), MAX_DEPTH, count=False)
    assert _counted is None
    counts, organisations = impact_module._count(walk)
    impact = impact_module._Analysis(walk, counts).impact(root, MAX_DEPTH, organisations)
    assert answer(impact) == reference(root)


@pytest.mark.usefixtures("few_listed")
def test_a_walk_cut_short_counts_the_dependents_kept(catalogue):
    root = catalogue[0]
    impact = analysed(root, max_depth=2)
    assert impact.truncated
    assert answer(impact) == reference(root, max_depth=2)


@pytest.mark.usefixtures("few_listed")
def test_nothing_depends_on_it(catalogue):
    lonely = PublishedPlatformFactory(slug="lonely")
    impact = analysed(lonely)
    assert answer(impact) == {"dependents": [], "organisations_count": 0, "organisations": []}


@pytest.mark.usefixtures("few_listed")
def test_a_walk_of_more_edges_than_counted_in_its_statement_counts_on_its_own(
    catalogue, monkeypatch
):
    """Walks following more than ``MAX_PLATFORMS`` edges are counted by a second statement, as
    the statement cannot tell whether Python will cut them."""
    root = catalogue[0]
    expected = reference(root)
    monkeypatch.setattr(impact_module, "MAX_PLATFORMS", len(expected["dependents"]))
    with CaptureQueriesContext(connection) as queries:
        impact = analysed(root)
    assert len(queries) == 2 and not impact.truncated
    assert answer(impact) == expected
    monkeypatch.setattr(impact_module, "MAX_PLATFORMS", 1_000)
    with CaptureQueriesContext(connection) as queries:
        impact = analysed(root)
    assert len(queries) == 1
    assert answer(impact) == expected


def test_a_page_of_dependents_is_read_in_one_query_with_what_it_is_shown_by(catalogue):
    """A page of dependents reads only what they are shown by (their slug, name, and owner's
    slug and name): one query for the page, none more when a page shows them, and the values
    are the rows' own. Any other field is still right, read when asked for."""
    root = catalogue[0]
    impact = analysed(root)
    with CaptureQueriesContext(connection) as queries:
        page = impact.dependents[:10]
        shown = [(d.platform.slug, d.platform.name, d.platform.owner.slug) for d in page]
        shown_owners = [d.platform.owner.name for d in page]
    assert len(queries) == 1
    rows = {p.slug: p for p in Platform.objects.select_related("owner")}
    assert shown == [(slug, rows[slug].name, rows[slug].owner.slug) for slug, _, _ in shown]
    assert shown_owners == [rows[slug].owner.name for slug, _, _ in shown]
    assert len(shown) == 10
    assert page[0].platform.description == rows[page[0].platform.slug].description


@pytest.mark.usefixtures("few_listed")
def test_the_collector_is_paused_during_a_walk_only(catalogue, monkeypatch):
    """The walk pauses Python's garbage collector (its rows are freed by reference counting)
    and resumes it after, also when the walk fails; a collector paused before stays paused."""
    import gc

    seen = []
    real_format = impact_module._format

    def format_and_look(*args, **kwargs):
        seen.append(gc.isenabled())
        return real_format(*args, **kwargs)

    monkeypatch.setattr(impact_module, "_format", format_and_look)
    assert gc.isenabled()
    analysed(catalogue[0])
    assert seen == [False] and gc.isenabled()

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(impact_module, "_format", broken)
    with pytest.raises(RuntimeError):
        analysed(catalogue[0])
    assert gc.isenabled()

    monkeypatch.setattr(impact_module, "_format", real_format)
    gc.disable()
    try:
        assert answer(analysed(catalogue[0])) == reference(catalogue[0])
        assert not gc.isenabled()
    finally:
        gc.enable()
