"""Impact analysis: what stops working, and for whom, if a platform goes away.

The walk follows each dependency once, never each path: one recursive query (SQLite and
PostgreSQL alike) whose ``UNION`` keeps the distinct (platform, the platform it depends on) pairs
reached over the dependencies the user may see, so the walk and the edges between the platforms
reached are one pass over the ``(depends_on, platform)`` index. Paths are exponential in a dense
graph (GOV.UK Notify's 9,600 dependents at 100,000 platforms are millions of paths); edges are at
most the catalogue's. A platform reached over several edges is expanded once per edge (on the
100,000-platform data, 28,000 expansions in all for 50,000 edges), and the answer is cut at
``MAX_LINKS`` edges. The rest is done once over those edges, in memory: a breadth-first pass
gives each platform its depth and its first parent (so one shortest path can be shown), and the
strongly connected components give the dependency cycles, each reported once and never followed
round.

Everything that grows with the graph is cut to a bound: the dependents come a page at a time
(``Impact.dependents`` is a lazy sequence: ``len()`` is the total, a slice one query), the
organisations hit as their count plus the ``TOP_ORGANISATIONS`` hit hardest, each with at most
``LISTED`` slugs per list, and at most ``MAX_CYCLES`` cycles. Four queries whatever the graph.

With nothing kept, the walk and the counts of the organisations hit are one statement: the
dependents are counted where they are walked (no second round trip, no 9,600 ids sent back),
and the dependents each organisation listed has in use are read for those 50 organisations only,
from an index of their in-use adoptions by platform (``adoption_in_use_by_org``), not by going
over the 66,000 (organisation, dependent) pairs again. A walk cut short (or of more than
``MAX_PLATFORMS`` edges) is counted by a second statement over the dependents kept.

The analysis of a platform is kept, per process, in two parts (see "Kept until the next write"
below): the walk, until a platform, dependency or membership is written, and the counts of the
organisations hit, until an adoption is written or the dependents or their owners change. A kept
analysis costs a lookup; after an adoption write only the count runs again (one statement over
the 85,000 in-use adoptions of Notify's dependents at 100,000 platforms); after another write,
the walk alone, and the count only if the dependents or their owners changed
(``benchmarks/impact_cold.py`` measures each case). Then only the page of dependents shown and
the organisations listed are read (two queries, plus one for the catalogue's versions), each with
the fields it is shown by.

A walk runs with Python's garbage collector paused (``platforms.collector``): its 10,000 rows,
dropped once read, otherwise set off a full collection of the process every few walks.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
import uuid
from array import array
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING, Any, overload

from cachetools import TTLCache
from django.core.cache import cache
from django.db import connection, transaction

from platforms.collector import collections_paused
from platforms.models import Adoption, Dependency, Membership, Organisation, Platform
from platforms.selectors._sql import EVERY_PLATFORM, TABLES, visible_platforms

if TYPE_CHECKING:
    from platforms.querysets import User

# How far the analysis follows a chain (deep enough for any real one); deeper is cut, and said.
MAX_DEPTH = 25
# Platforms walked at most: a graph reaching more is cut short, and the answer says so.
MAX_PLATFORMS = 20_000
# Dependencies followed at most (the walk reads edges): beyond, the answer is cut short too.
MAX_LINKS = 3 * MAX_PLATFORMS
# Cycles reported at most (one per strongly connected group of platforms).
MAX_CYCLES = 20
# The organisations listed: those hit by the most dependents; the rest are counted.
TOP_ORGANISATIONS = 50
# Slugs listed per organisation and list (owns, uses); the counts give the rest.
LISTED = 10
# Analyses kept per process: at most this many dependents in all (some 500 bytes each: GOV.UK
# Notify's 9,600 at 100,000 platforms take 4.8 MB; so at most about 50 MB a process), each for
# at most ``KEPT_SECONDS`` even if nothing is written (a bound on what a write outside the
# application, in psql, could leave stale).
KEPT_DEPENDENTS = 100_000
KEPT_SECONDS = 600

logger = logging.getLogger(__name__)


@dataclass
class Dependent:
    platform: Platform
    depth: int
    depends_on: list[str]
    path: list[str] = field(default_factory=list)


@dataclass
class AffectedOrganisation:
    organisation: Organisation
    owns: list[str] = field(default_factory=list)
    uses: list[str] = field(default_factory=list)
    owns_count: int = 0
    uses_count: int = 0


@dataclass(frozen=True)
class _Graph:
    """The platforms reached, as kept: dictionaries and tuples of plain values only, which the
    garbage collector does not track (an object per platform, 9,600 for GOV.UK Notify, would
    make each of its full collections walk them all, a pause of a tenth of a second)."""

    order: list[int]  # the dependents, nearest first
    slug: dict[int, str]
    depth: dict[int, int]
    parent: dict[int, int]  # the first parent on one shortest path (none for the platform asked)
    parents_of: dict[int, tuple[int, ...]]  # the platforms reached each one depends on directly


# What a dependent is shown by, API and page alike (its summary and its owner's): only these are
# read (a platform row is some 1,700 bytes, a page of 100 read whole and made into models took
# twice as long); any other field is read from the database if asked for.
DEPENDENT_FIELDS = ("id", "slug", "name", "owner_id", "owner__id", "owner__slug", "owner__name")


class DependentList(Sequence):
    """The dependents, nearest first (by depth, then name): ``len()`` is how many, a slice loads
    the platforms of that slice only (one query, none for platforms already loaded), with the
    fields they are shown by (``DEPENDENT_FIELDS``)."""

    def __init__(self, graph: _Graph):
        self._graph = graph
        self._order = graph.order
        self._platforms: dict[int, Platform] = {}

    def __len__(self) -> int:
        return len(self._order)

    @overload
    def __getitem__(self, index: int) -> Dependent: ...
    @overload
    def __getitem__(self, index: slice) -> list[Dependent]: ...
    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._load(self._order[index])
        return self._load([self._order[index]])[0]

    def __iter__(self) -> Iterator[Dependent]:
        return iter(self[:])

    def __bool__(self) -> bool:
        return bool(self._order)

    def _path(self, pk: int) -> list[str]:
        path = []
        current: int | None = pk
        while current is not None:
            path.append(self._graph.slug[current])
            current = self._graph.parent.get(current)
        return path[::-1]

    def _load(self, ids: list[int]) -> list[Dependent]:
        missing = [pk for pk in ids if pk not in self._platforms]
        if missing:
            self._platforms.update(
                (p.pk, p)
                for p in Platform.objects.filter(pk__in=missing)
                .select_related("owner")
                .only(*DEPENDENT_FIELDS)
            )
        return [
            Dependent(
                platform=self._platforms[pk],
                depth=self._graph.depth[pk],
                depends_on=sorted(self._graph.slug[u] for u in self._graph.parents_of.get(pk, ())),
                path=self._path(pk),
            )
            for pk in ids
        ]


@dataclass
class Impact:
    platform: Platform
    dependents: DependentList
    organisations_affected: list[AffectedOrganisation]
    truncated: bool
    max_depth: int = MAX_DEPTH
    cycles: list[list[str]] = field(default_factory=list)
    by_depth: list[dict[str, int]] = field(default_factory=list)
    organisations_count: int = 0
    # The name of every platform walked, by slug (for paths and cycles shown by name).
    names: dict[str, str] = field(default_factory=dict)


# The walk: each dependency followed once (``UNION`` keeps distinct (platform, the platform it
# depends on) pairs), then each platform reached read from ``platform_impact_node`` alone, in id
# order (neighbouring probes of the index, not 10,000 random ones), and ranked by name for the
# order shown.
_WALK = """
reach(id, parent) AS (
    SELECT CAST(%(root)s AS BIGINT), CAST(NULL AS BIGINT)
    UNION
    SELECT d.platform_id, d.depends_on_id FROM reach
    JOIN {dependency} d ON d.depends_on_id = reach.id {hidden}
),
walked(id, parent) AS (SELECT id, parent FROM reach LIMIT %(links)s),
nodes(id, parent, owner, slug, name, position) AS (
    SELECT w.id, w.parent, p.owner_id, p.slug, p.name,
           DENSE_RANK() OVER (ORDER BY p.name, p.slug, p.id)
    FROM (SELECT id, parent FROM walked ORDER BY id) w JOIN {platform} p ON p.id = w.id
)"""
_WALK_ROWS = "SELECT 0 AS kind, id, parent, owner, slug, name, position FROM nodes"

# The dependents, counted in the walk's own statement (no second round trip, no ids sent back):
# only when the walk cannot have been cut at ``MAX_LINKS`` edges nor ``MAX_PLATFORMS``
# platforms, that is when it followed at most ``MAX_PLATFORMS`` edges (the dependents kept after
# a cut, or a walk of more edges, are counted by a statement of their own).
_GIVEN_WALKED = """
given(id, owner) AS (
    SELECT DISTINCT id, owner FROM nodes
    WHERE id <> %(root)s
    AND (SELECT COUNT(*) FROM walked) <= %(max_edges)s
)"""

# The organisations hit: how many dependents each owns and has in use (an organisation using one
# for several purposes counts it once), all of them counted, the ``TOP_ORGANISATIONS`` hit
# hardest listed with the smallest ids of at most ``LISTED`` of each.
_COUNTED = """
used(org, pid) AS (
    SELECT a.organisation_id, a.platform_id FROM {adoption} a
    WHERE a.status = %(in_use)s AND a.platform_id {in_given}
    GROUP BY a.platform_id, a.organisation_id
),
per_org(org, owns, uses) AS (
    SELECT org, CAST(SUM(owns) AS BIGINT), CAST(SUM(uses) AS BIGINT) FROM (
        SELECT owner AS org, COUNT(*) AS owns, 0 AS uses FROM given GROUP BY owner
        UNION ALL
        SELECT org, 0, COUNT(*) FROM used GROUP BY org
    ) counted GROUP BY org
),
top(org, owns, uses) AS (
    SELECT org, owns, uses FROM per_org ORDER BY owns + uses DESC, org LIMIT %(top)s
),
owned(org, pid, n) AS (
    SELECT owner, id, ROW_NUMBER() OVER (PARTITION BY owner ORDER BY id) FROM given
    WHERE owner IN (SELECT org FROM top)
)"""
_COUNT_ROWS = """
SELECT 1 AS kind, COUNT(*), NULL, NULL, NULL, NULL, NULL FROM per_org
UNION ALL
SELECT 2, top.org, top.owns, top.uses, o.slug, o.name, NULL
FROM top JOIN {organisation} o ON o.id = top.org
UNION ALL
SELECT 3, org, pid, 1, NULL, NULL, NULL FROM owned WHERE n <= %(listed)s
UNION ALL
"""
# The dependents each of the organisations listed has in use, the first ``LISTED`` by id. On
# PostgreSQL read for those organisations only, each from ``adoption_in_use_by_org`` in
# platform order until ``LISTED`` are dependents (about 300 index entries each for GOV.UK
# Notify's, where going over every in-use adoption of the dependents again costs 66,000 rows
# kept, hashed and sorted: 20 ms). ``IS TRUE`` keeps the test of being a dependent a hash of the
# dependents built once (a hashed ``SubPlan``), where a join would sort them for each
# organisation. SQLite (no ``LATERAL``) numbers them in a window.
_USED_LISTED = {
    "postgresql": """
SELECT 3, t.org, u.pid, 0, NULL, NULL, NULL FROM top t CROSS JOIN LATERAL (
    SELECT DISTINCT a.platform_id AS pid FROM {adoption} a
    WHERE a.organisation_id = t.org AND a.status = %(in_use)s
    AND (a.platform_id IN (SELECT id FROM given)) IS TRUE
    ORDER BY a.platform_id LIMIT %(listed)s
) u""",
    "sqlite": """
SELECT 3, org, pid, 0, NULL, NULL, NULL FROM (
    SELECT org, pid, ROW_NUMBER() OVER (PARTITION BY org ORDER BY pid) AS n FROM used
    WHERE org IN (SELECT org FROM top)
) listed WHERE n <= %(listed)s""",
}


def _count_rows() -> str:
    """The rows of the organisations hit (after ``_COUNTED``), for this database."""
    return _COUNT_ROWS + _USED_LISTED.get(connection.vendor, _USED_LISTED["sqlite"])


def _counts_params() -> dict[str, Any]:
    return {"in_use": Adoption.Status.IN_USE, "top": TOP_ORGANISATIONS, "listed": LISTED}


def _format(sql: str, hidden: str = "") -> str:
    return sql.format(
        dependency=TABLES["dependency"],
        platform=TABLES["platform"],
        adoption=TABLES["adoption"],
        organisation=TABLES["organisation"],
        hidden=hidden,
        in_given=_IN_GIVEN.get(connection.vendor, _IN_GIVEN["sqlite"]),
    )


# The walk must neither show nor follow what the user may not see: the complement of the
# visibility rule (``visible_platforms``), as a condition on a platform ``h`` probed once per
# platform reached. Drafts and submissions are few (the partial index ``platform_unpublished``),
# where the visible platforms are nearly the whole catalogue.
_HIDDEN = (
    "WHERE NOT EXISTS (SELECT 1 FROM {platform} h WHERE h.id = d.platform_id AND NOT {visible})"
)


def _hidden_clause(user: User) -> tuple[str, dict[str, Any]]:
    """The walk's condition leaving out the platforms ``user`` may not see (none for staff)."""
    visible, params = visible_platforms(user, "h", placeholder="%(user)s")
    if visible == EVERY_PLATFORM:
        return "", {}  # no probe at all
    hidden = _HIDDEN.format(platform=TABLES["platform"], visible=visible)
    return hidden, ({"user": params[0]} if params else {})


# A platform id being one of the dependents (``given``). On PostgreSQL an array computed once (an
# ``InitPlan``, so the planner does not weigh 9,600 constants): the in-use adoptions are read from
# ``adoption_in_use`` in its order, each (organisation, platform) pair kept once as they come.
_IN_GIVEN = {
    "postgresql": "= ANY(ARRAY(SELECT id FROM given))",
    "sqlite": "IN (SELECT id FROM given)",
}


def _given(ids: list[int], owners: list[int]) -> tuple[str, str, dict[str, Any]]:
    """A table ``(id, owner)`` of the dependents, bound as parameters whatever their number
    (thousands of placeholders would overflow SQLite's limit and cost PostgreSQL a long parse),
    and the condition of a platform id being one of them (``_IN_GIVEN``)."""
    if connection.vendor == "postgresql":
        return (
            "SELECT * FROM unnest(CAST(string_to_array(%(ids)s, ',') AS bigint[]), "
            "CAST(string_to_array(%(owners)s, ',') AS bigint[]))",
            _IN_GIVEN["postgresql"],
            {"ids": ",".join(map(str, ids)), "owners": ",".join(map(str, owners))},
        )
    return (
        "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(%(given)s)",
        _IN_GIVEN["sqlite"],
        {"given": json.dumps(list(zip(ids, owners, strict=True)))},
    )


def _cycles(
    nodes: Iterable[int],
    children: Mapping[int, Sequence[int]],
    parents: Mapping[int, Sequence[int]],
    depth: dict[int, int],
    back: tuple[list[int], list[int]] | None = None,
) -> list[list[int]]:
    """One shortest cycle per group of platforms depending on each other round a loop, at most
    ``MAX_CYCLES`` (``children`` and ``parents``: the edges among ``nodes``, each way; ``depth``:
    the breadth-first depth of each, none for the platform asked about; ``back``: the edges to
    a platform no deeper than where they start, as the walk met them, if it met them all).

    Depth grows by one along the edges of the shortest paths, so a loop has at least one edge
    to a platform no deeper than where it starts: without such an edge (most graphs) there is
    no loop, found in one pass. Otherwise a platform on a loop is both reached from the end of
    one of those edges and reaches the start of one: the groups are found among those only."""
    if back is None:
        back = ([], [])
        for u in nodes:
            below = depth.get(u, 0)
            for v in children.get(u, ()):
                if depth.get(v, 0) <= below:
                    back[0].append(u)
                    back[1].append(v)
    starts, ends = back
    if not starts:
        return []
    reached_from_ends = _closure(ends, children)
    candidates = _closure(starts, parents) & reached_from_ends
    rest = {
        u: sorted(v for v in children.get(u, ()) if v in candidates) for u in sorted(candidates)
    }
    groups = _strongly_connected(list(rest), rest)
    return sorted(_shortest_cycle(group, rest) for group in groups)[:MAX_CYCLES]


def _closure(starts: list[int], edges: Mapping[int, Sequence[int]]) -> set[int]:
    """The platforms reached from ``starts`` (themselves included) over ``edges``."""
    seen = set(starts)
    stack = list(seen)
    while stack:
        for v in edges.get(stack.pop(), ()):
            if v not in seen:
                seen.add(v)
                stack.append(v)
    return seen


def _strongly_connected(nodes: list[int], children: dict[int, list[int]]) -> list[list[int]]:
    """Tarjan's strongly connected components (iterative: a chain of 20,000 would overflow
    Python's recursion), only those of two platforms or more."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    groups: list[list[int]] = []
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(children.get(start, ())))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            advanced = False
            for child in edges:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(children.get(child, ()))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)
    return groups


def _shortest_cycle(group: list[int], children: dict[int, list[int]]) -> list[int]:
    """The shortest cycle through the group's first platform (smallest id), within the group:
    ``[a, b, c, a]``."""
    members = set(group)
    start = min(group)
    came_from: dict[int, int] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in children.get(node, ()):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if child in members and child not in came_from:
                came_from[child] = node
                queue.append(child)
    return []  # unreachable: a strongly connected group always closes


@dataclass(frozen=True)
class _Hit:
    """One of the organisations hit hardest, as kept: names are read afresh on each request."""

    organisation_id: int
    owns: tuple[int, ...]  # at most LISTED ids of the dependents it owns (the smallest)
    uses: tuple[int, ...]  # and of those it has in use
    owns_count: int
    uses_count: int


@dataclass(frozen=True)
class _Walk:
    """What the walk found for one platform and audience: made from the platforms, their
    dependencies and the memberships only, so kept until one of those is written."""

    graph: _Graph
    owners: tuple[int, ...]  # the owner of each dependent, in ``graph.order``
    truncated: bool
    cycles: list[list[str]]
    by_depth: list[tuple[int, int]]
    names: dict[str, str]
    # The dependents and their owners, all the counts are made from, as a digest: walks with
    # the same dependents (another audience, or the same platform after a write elsewhere in
    # the graph) share their counts.
    dependents_digest: bytes
    position: dict[int, int]  # each dependent's place in ``graph.order``

    def slugs(self, ids: tuple[int, ...]) -> list[str]:
        """The slugs of these dependents, nearest first."""
        return [self.graph.slug[pk] for pk in sorted(ids, key=self.position.__getitem__)]


@dataclass(frozen=True)
class _Counts:
    """The organisations hit, counted over a walk's dependents: made from the dependents, their
    owners and the adoptions in use, so kept until an adoption is written, under the digest of
    the dependents (``_Walk.dependents_digest``)."""

    hit: list[_Hit]
    organisations_count: int


@dataclass(frozen=True)
class _Analysis:
    """A walk and its counts. Shared by the requests until the next write, so never changed once
    made: each request gets its own ``DependentList`` and ``AffectedOrganisation`` objects."""

    walk: _Walk
    counts: _Counts

    def impact(
        self, platform: Platform, max_depth: int, organisations: dict[int, Organisation]
    ) -> Impact:
        walk, counts = self.walk, self.counts
        affected = [
            AffectedOrganisation(
                organisation=organisations[hit.organisation_id],
                owns=walk.slugs(hit.owns),
                uses=walk.slugs(hit.uses),
                owns_count=hit.owns_count,
                uses_count=hit.uses_count,
            )
            for hit in counts.hit
            if hit.organisation_id in organisations
        ]
        affected.sort(
            key=lambda a: (
                -(a.owns_count + a.uses_count),
                a.organisation.name,
                a.organisation.slug,
            )
        )
        return Impact(
            platform=platform,
            dependents=DependentList(walk.graph),
            organisations_affected=affected,
            organisations_count=counts.organisations_count,
            truncated=walk.truncated,
            max_depth=max_depth,
            cycles=[list(cycle) for cycle in walk.cycles],
            by_depth=[{"depth": d, "platforms": n} for d, n in walk.by_depth],
            names=walk.names,
        )


def platform_impact(*, platform: Platform, user: User, max_depth: int = MAX_DEPTH) -> Impact:
    """Every platform that depends on ``platform`` directly or through others, with the
    organisations that own them or have them in use. Only what ``user`` may see is followed: a
    draft of another organisation is neither shown nor traversed. At most four queries whatever
    the graph, one more per slice of dependents read: with nothing kept, two (the catalogue's
    versions, the walk and the counts in one statement; three when the walk is cut short); when
    the analysis is kept (see ``impact_changed``), two: the versions and the organisations
    listed. After a write of adoptions only, the walk kept is counted again (two); after a write
    elsewhere, walked again, the counts kept (three: the organisations listed read again).

    Returns an ``Impact``:

    - ``platform``: the platform asked about;
    - ``dependents``: a ``DependentList`` of ``Dependent``, nearest first (``depth`` 1 depends on
      it directly, then by name); ``len()`` is the total, and a slice loads only its platforms.
      Each has ``path`` (slugs from ``platform`` to it, one shortest chain) and ``depends_on``
      (the slugs of the platforms in the chain it depends on directly): a graph's nodes and edges;
    - ``organisations_affected``: the ``TOP_ORGANISATIONS`` organisations hit by the most
      dependents, each with how many it ``owns`` and ``uses`` (adoptions in use) and at most
      ``LISTED`` slugs of each (nearest first); ``organisations_count``: all of them;
    - ``cycles``: for each group of platforms depending on each other round a loop, its shortest
      cycle as slugs, first repeated at the end (``["a", "b", "a"]``); the walk never goes round
      one;
    - ``by_depth``: ``[{"depth": 1, "platforms": 3}, ...]``, for a chart;
    - ``truncated``: true if the chain goes deeper than ``max_depth`` or reaches more than
      ``MAX_PLATFORMS`` platforms, and the answer is cut short.
    """
    walk_key, adoptions = _kept_keys(platform, user, max_depth)
    walk = _kept_get(_kept_walks, walk_key)
    counted = None
    if walk is None:
        # Walked again after a write elsewhere in the graph: the counts are most likely kept
        # for the same dependents as last time; if not, they are counted in the same statement.
        asked = None if walk_key is None else walk_key[1:]
        last = _kept_get(_kept_digests, asked)
        likely = None if last is None or adoptions is None else (adoptions, last)
        walk, counted = _walk(
            platform, user, max_depth, count=_kept_get(_kept_counts, likely) is None
        )
        _kept_put(_kept_walks, walk_key, walk)
        _kept_put(_kept_digests, asked, walk.dependents_digest)
    counts_key = None if adoptions is None else (adoptions, walk.dependents_digest)
    counts = None if counted else _kept_get(_kept_counts, counts_key)
    if counts is not None:
        # As the count reads them (``_organisation``): what an organisation is shown by.
        organisations = Organisation.objects.only("id", "slug", "name").in_bulk(
            [hit.organisation_id for hit in counts.hit]
        )
    else:
        counts, organisations = counted or _count(walk)
        _kept_put(_kept_counts, counts_key, counts)
    return _Analysis(walk, counts).impact(platform, max_depth, organisations)


def _analyse(
    platform: Platform, user: User, max_depth: int
) -> tuple[_Analysis, dict[int, Organisation]]:
    """The walk and the counts, from the database, nothing kept (one query; two when the walk
    is cut short): the analysis, and the organisations it lists."""
    walk, counted = _walk(platform, user, max_depth, count=True)
    counts, organisations = counted or _count(walk)
    return _Analysis(walk, counts), organisations


@collections_paused()
def _walk(
    platform: Platform, user: User, max_depth: int, *, count: bool
) -> tuple[_Walk, tuple[_Counts, dict[int, Organisation]] | None]:
    """The platforms reached from ``platform`` over the dependencies ``user`` may see (one
    query: a row per edge followed, with the platform it reaches), each given its depth and
    first parent, and the cycles among them; with ``count``, the organisations hit, counted in
    the same statement (None when the walk is cut short: then ``_count`` counts the dependents
    kept)."""
    hidden_sql, params = _hidden_clause(user)
    params.update(root=platform.pk, links=MAX_LINKS + 1)
    if count:
        sql = f"WITH RECURSIVE{_WALK},{_GIVEN_WALKED},{_COUNTED}\n{_WALK_ROWS}\nUNION ALL"
        sql += _count_rows()
        params.update(_counts_params(), max_edges=MAX_PLATFORMS)
    else:
        sql = f"WITH RECURSIVE{_WALK}\n{_WALK_ROWS}"
    with connection.cursor() as cursor:
        cursor.execute(_format(sql, hidden_sql), params)
        rows = cursor.fetchall()
    count_rows = []
    if count:
        count_rows = [row for row in rows if row[0]]
        rows = [row for row in rows if not row[0]]
    # Counted in the statement when it followed at most MAX_PLATFORMS edges (``_GIVEN_WALKED``).
    counted = count and len(rows) <= MAX_PLATFORMS
    truncated = len(rows) > MAX_LINKS
    if truncated:  # the edges to the platforms last by name are left out
        rows.sort(key=itemgetter(6))
        del rows[MAX_LINKS:]

    # Plain dictionaries of plain values: no object per platform (see ``_Graph``), nor a list
    # per platform while walking (each platform's parents are a tuple from the start): 10,000
    # lists living through the walk made the collector move them to its oldest generation, and
    # run a full collection (tens of milliseconds) every second or third analysis. (The rows
    # taken a column at a time with ``zip`` made a tuple per value: more collections, not fewer.)
    slug: dict[int, str] = {}
    owner: dict[int, int] = {}
    rank: dict[int, int] = {}
    names: dict[str, str] = {}
    children: dict[int, list[int]] = defaultdict(list)  # a list per parent only (1,300 of 9,600)
    parents: dict[int, tuple[int, ...]] = {}
    for _kind, pk, source, owner_id, node_slug, name, position in rows:
        if pk not in slug:
            slug[pk] = node_slug
            owner[pk] = owner_id
            rank[pk] = position
            names[node_slug] = name
        if source is not None:
            children[source].append(pk)
            known = parents.get(pk)
            parents[pk] = (source,) if known is None else (*known, source)
    del rows

    # Breadth first: each platform's depth and first parent (by name), nearest first.
    order: list[int] = []
    depth: dict[int, int] = {}
    parent: dict[int, int] = {}
    reached = {platform.pk}
    frontier = [platform.pk]
    level = 0
    # The edges to a platform no deeper than where they start, for ``_cycles``.
    back: tuple[list[int], list[int]] | None = ([], [])
    while frontier:
        level += 1
        following = []
        for source in frontier:
            for child in children.get(source, ()):
                if child not in reached:
                    if level > max_depth:
                        truncated = True
                        break
                    reached.add(child)
                    depth[child] = level
                    parent[child] = source
                    following.append(child)
                elif depth.get(child, 0) < level:
                    back[0].append(source)
                    back[1].append(child)
        following.sort(key=rank.__getitem__)
        frontier = following
        order += following
    if len(order) > MAX_PLATFORMS:
        truncated = True
        del order[MAX_PLATFORMS:]
        reached = {platform.pk, *order}

    cut = len(reached) < len(slug)
    if cut:  # cut short: only the edges among the platforms kept
        children = {u: [v for v in children.get(u, ()) if v in reached] for u in reached}
        parents = {u: tuple(v for v in parents.get(u, ()) if v in reached) for u in reached}
        slug = {pk: slug[pk] for pk in reached}
        depth = {pk: depth[pk] for pk in order}
        parent = {pk: parent[pk] for pk in order}
    if truncated:  # not every edge was met: looked for again among those kept
        back = None
    cycles = _cycles(reached, children, parents, depth, back)
    graph = _Graph(
        order=order,
        slug=slug,
        depth=depth,
        parent=parent,
        # Every platform with parents has some, unless cut short.
        parents_of={pk: sources for pk, sources in parents.items() if sources} if cut else parents,
    )
    ids = sorted(order)
    walk = _Walk(
        graph=graph,
        owners=tuple(map(owner.__getitem__, order)),
        truncated=truncated,
        cycles=[[slug[pk] for pk in cycle] for cycle in cycles],
        by_depth=sorted(Counter(graph.depth.values()).items()),
        names=names,
        dependents_digest=hashlib.blake2b(
            array("q", ids).tobytes() + array("q", map(owner.__getitem__, ids)).tobytes()
        ).digest(),
        position={pk: n for n, pk in enumerate(order)},
    )
    return walk, _read_counts(count_rows) if counted and not truncated else None


def _organisation(pk: int, slug: str, name: str) -> Organisation:
    """An organisation as read with the figures: what it is shown by (any other field is read
    from the database if asked for, never a default standing in for it)."""
    shown = {"id": pk, "slug": slug, "name": name}
    fields = [f.attname for f in Organisation._meta.concrete_fields if f.attname in shown]
    return Organisation.from_db(connection.alias, fields, [shown[f] for f in fields])


def _count(walk: _Walk) -> tuple[_Counts, dict[int, Organisation]]:
    """The organisations hit hardest (owning or using the most dependents), read with their
    names, and how many are hit: counted in the database over every dependent, only the top few
    read (one query, none when nothing depends on the platform)."""
    order = walk.graph.order
    if not order:
        return _Counts(hit=[], organisations_count=0), {}
    given_sql, _in, params = _given(order, list(walk.owners))
    params.update(_counts_params())
    sql = f"WITH given(id, owner) AS ({given_sql}),{_COUNTED}{_count_rows()}"
    with connection.cursor() as cursor:
        cursor.execute(_format(sql), params)
        return _read_counts(cursor.fetchall())


def _read_counts(rows: list[tuple]) -> tuple[_Counts, dict[int, Organisation]]:
    """The counts from their rows (``_COUNT_ROWS``), and the organisations listed."""
    count = 0
    top: dict[int, tuple[int, int]] = {}
    organisations: dict[int, Organisation] = {}
    listed: dict[tuple[int, int], list[int]] = defaultdict(list)
    for kind, org, a, b, slug, name, _ in rows:
        if kind == 1:
            count = org
        elif kind == 2:
            top[org] = (int(a), int(b))
            # Only what an organisation is shown by; any other field is read if asked for.
            organisations[org] = _organisation(org, slug, name)
        else:
            listed[(org, int(b))].append(a)

    hit = [
        _Hit(
            organisation_id=org,
            owns=tuple(sorted(listed[(org, 1)])),
            uses=tuple(sorted(listed[(org, 0)])),
            owns_count=owns,
            uses_count=uses,
        )
        for org, (owns, uses) in top.items()
    ]
    return _Counts(hit=hit, organisations_count=count), organisations


# --- Kept until the next write ---------------------------------------------------------------
#
# An analysis is kept in this process's memory in two parts, under versions kept in the shared
# cache (``CACHES["default"]``: the database's cache table, or Redis), read together in one
# request to it:
#
# - the walk, under the graph's version, which a platform, dependency or membership saved or
#   deleted replaces: those rows make the walk (what depends on what, who may see it, the
#   owners, names and slugs);
# - the counts of the organisations hit, under the adoptions' version, which an adoption saved
#   or deleted replaces, and the digest of the dependents and their owners they were counted
#   over: so an adoption write, the most frequent, counts again over the walk kept, without
#   walking; and a write elsewhere in the graph walks again, but counts again only if the
#   dependents or their owners changed.
#
# The versions are replaced once the writing transaction commits (the models' signals, whatever
# the path: services, admin, API); bulk writes that send no signal (imports,
# ``generate_catalogue``) call ``impact_changed`` themselves, which replaces both. The versions
# are read before the walk and replaced after the commit, so a part is never kept under a
# version older than the rows it was made from. A transaction's own uncommitted writes are seen
# by its reads, never kept. Whatever happens, nothing is kept longer than ``KEPT_SECONDS``.

VERSION_KEY = "platforms:impact:version"  # the graph's
ADOPTIONS_VERSION_KEY = "platforms:impact:adoptions"
_kept_walks: TTLCache = TTLCache(
    maxsize=KEPT_DEPENDENTS,
    ttl=KEPT_SECONDS,
    getsizeof=lambda walk: len(walk.graph.order) + 1,
)
# Counts are small: at most TOP_ORGANISATIONS organisations with 2 x LISTED ids each.
_kept_counts: TTLCache = TTLCache(maxsize=10_000, ttl=KEPT_SECONDS)
# The digest of each analysis's dependents when last walked, by (platform, audience, depth),
# whatever the versions: a hint only, that after a write elsewhere in the graph the counts are
# likely kept, so the walk is made again without counting (checked against the new digest).
_kept_digests: TTLCache = TTLCache(maxsize=10_000, ttl=KEPT_SECONDS)
_kept_lock = threading.Lock()


def _audience(user: User) -> str:
    """Who the analysis is for, as the walk's visibility rule (``_hidden_clause``) tells them
    apart: a member's drafts differ from another member's, so a member's analyses are theirs."""
    if user.is_authenticated and user.is_superuser:
        return "all"
    if not user.is_authenticated:
        return "public"
    return f"user:{user.pk}"


def _pending(publish) -> bool:
    """Whether this connection's transaction will replace a version (``publish``) on commit."""
    return connection.in_atomic_block and any(
        func is publish for _, func, _ in connection.run_on_commit
    )


def _change_pending() -> bool:
    """Whether this connection's transaction has written something that changes analyses and
    not committed it yet: its reads must see those rows, and nobody else may be given them."""
    return any(_pending(publish) for publish in _PUBLISH.values())


def _versions() -> tuple[str | None, str | None]:
    """The graph's and the adoptions' versions (one cache read; one more per version missing)."""
    versions = cache.get_many([VERSION_KEY, ADOPTIONS_VERSION_KEY])
    for key in (VERSION_KEY, ADOPTIONS_VERSION_KEY):
        if key not in versions:
            version = uuid.uuid4().hex
            # Another process may have added one first: then it is the one.
            versions[key] = version if cache.add(key, version, timeout=None) else cache.get(key)
    return versions.get(VERSION_KEY), versions.get(ADOPTIONS_VERSION_KEY)


def _kept_keys(platform: Platform, user: User, max_depth: int) -> tuple[tuple | None, str | None]:
    """The key of the walk asked for under the graph's current version, and the adoptions'
    current version (the counts' key with the walk's digest), or None when nothing may be kept
    (writes pending, or no shared cache)."""
    if _change_pending():
        return None, None
    try:
        graph, adoptions = _versions()
    except Exception:  # the analysis is still right without the cache, only slower
        logger.exception("Impact analysis: the catalogue's version could not be read")
        return None, None
    if graph is None or adoptions is None:
        return None, None
    return (graph, platform.pk, _audience(user), max_depth), adoptions


def _kept_get(kept: TTLCache, key: tuple | None) -> Any:
    if key is None:
        return None
    with _kept_lock:
        return kept.get(key)


def _kept_put(kept: TTLCache, key: tuple | None, value: Any) -> None:
    if key is None:
        return
    # One larger than everything kept may be (ValueError) is not kept.
    with _kept_lock, contextlib.suppress(ValueError):
        kept[key] = value


def _publish_graph_change() -> None:
    """A platform, dependency or membership changed: walks are made again (counts are kept
    under the digest of what they were counted over)."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    with _kept_lock:
        _kept_walks.clear()


def _publish_adoptions_change() -> None:
    """Adoptions changed: counts are made again, not walks."""
    cache.set(ADOPTIONS_VERSION_KEY, uuid.uuid4().hex, timeout=None)
    with _kept_lock:
        _kept_counts.clear()


def _publish_change() -> None:
    """Anything may have changed (a bulk write): walks and counts are made again."""
    cache.set_many(
        {VERSION_KEY: uuid.uuid4().hex, ADOPTIONS_VERSION_KEY: uuid.uuid4().hex}, timeout=None
    )
    with _kept_lock:
        _kept_walks.clear()
        _kept_counts.clear()


# What a write of each model changes; any other sender, or none (a bulk write), everything.
_PUBLISH = {
    Platform: _publish_graph_change,
    Dependency: _publish_graph_change,
    Membership: _publish_graph_change,
    Adoption: _publish_adoptions_change,
    None: _publish_change,
}


def impact_changed(sender: type | None = None, **_signal: Any) -> None:
    """Say that a write may have changed impact analyses: those kept are dropped once the
    current transaction commits (at once outside one). Every save and delete of a platform,
    dependency, adoption or membership calls it (``connect_signals``): an adoption's drops the
    counts of organisations hit, the others' the walks (not a platform's creation: it has no
    dependency nor adoption yet, and each of those, added, says so). Bulk writes that send no signal
    (``bulk_create``, ``bulk_update``, ``COPY``, ``QuerySet.update`` of a platform's state,
    owner, name or slug) must call it themselves, without a ``sender``: everything is dropped."""
    if sender is Platform and _signal.get("created"):
        return  # nothing depends on a platform just made, nor does it adopt anything
    publish = _PUBLISH.get(sender, _publish_change)
    if not _pending(publish):
        transaction.on_commit(publish, robust=True)


def connect_signals() -> None:
    """Connect ``impact_changed`` to the writes of the rows an analysis is made from (from the
    app's ``ready``). A cache invalidation, not a domain rule: hence a signal."""
    from django.db.models.signals import post_delete, post_migrate, post_save

    for model in (Platform, Dependency, Adoption, Membership):
        for signal, verb in ((post_save, "saved"), (post_delete, "deleted")):
            signal.connect(
                impact_changed, sender=model, dispatch_uid=f"impact_{model.__name__}_{verb}"
            )
    # A flush (tests) or migration rewrites rows without a signal per row.
    post_migrate.connect(impact_changed, dispatch_uid="impact_migrated")
