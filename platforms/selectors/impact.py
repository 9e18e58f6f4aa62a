"""Impact analysis: what stops working, and for whom, if a platform goes away.

The walk visits each platform once, never each path: one recursive query (SQLite and PostgreSQL
alike) whose ``UNION`` keeps the distinct platforms reached over the dependencies the user may
see, returning the edges between them. Paths are exponential in a dense graph (GOV.UK Notify's
9,600 dependents at 100,000 platforms are millions of paths); platforms are at most the catalogue.
The rest is done once over those edges, in memory: a breadth-first pass gives each platform its
depth and its first parent (so one shortest path can be shown), and the strongly connected
components give the dependency cycles, each reported once and never followed round.

Everything that grows with the graph is cut to a bound: the dependents come a page at a time
(``Impact.dependents`` is a lazy sequence: ``len()`` is the total, a slice one query), the
organisations hit as their count plus the ``TOP_ORGANISATIONS`` hit hardest, each with at most
``LISTED`` slugs per list, and at most ``MAX_CYCLES`` cycles. Four queries whatever the graph.

The analysis of a platform is kept, per process, until the next write that can change any
analysis (see "Kept until the next write" below): the walk and the organisations' figures cost
150-300 ms at 100,000 platforms whatever is done in SQL (9,600 dependents, 85,000 adoptions of
them to count), where reading a kept one costs a lookup. Then only the page of dependents shown
and the organisations listed are read (two queries, plus one for the catalogue's version).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, overload

from cachetools import TTLCache
from django.core.cache import cache
from django.db import connection, transaction

from platforms.models import Adoption, Dependency, Membership, Organisation, Platform
from platforms.selectors._sql import TABLES, fetch

if TYPE_CHECKING:
    from platforms.querysets import User

# How far the analysis follows a chain (deep enough for any real one); deeper is cut, and said.
MAX_DEPTH = 25
# Platforms walked at most: a graph reaching more is cut short, and the answer says so.
MAX_PLATFORMS = 20_000
# Cycles reported at most (one per strongly connected group of platforms).
MAX_CYCLES = 20
# The organisations listed: those hit by the most dependents; the rest are counted.
TOP_ORGANISATIONS = 50
# Slugs listed per organisation and list (owns, uses); the counts give the rest.
LISTED = 10
# Analyses kept per process: at most this many dependents in all (some 420 bytes each: GOV.UK
# Notify's 9,600 at 100,000 platforms take 4.0 MB; so at most about 40 MB a process), each for
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


@dataclass(slots=True)
class _Node:
    slug: str
    owner_id: int
    rank: int  # position by name, slug
    depth: int = 0
    parent: int | None = None


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


class DependentList(Sequence):
    """The dependents, nearest first (by depth, then name): ``len()`` is how many, a slice loads
    the platforms of that slice only (one query, none for platforms already loaded)."""

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
                .without_search_document()
                .select_related("owner")
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


_WALK = """
WITH RECURSIVE
reach(id) AS (
    SELECT CAST(%s AS BIGINT)
    UNION
    SELECT d.platform_id FROM reach JOIN {dependency} d ON d.depends_on_id = reach.id {hidden}
),
walked AS (SELECT id FROM reach LIMIT %s)
SELECT 'edge' AS kind, d.depends_on_id AS a, d.platform_id AS b, NULL AS c, NULL AS slug,
       NULL AS name
FROM {dependency} d
WHERE d.depends_on_id IN (SELECT id FROM walked) AND d.platform_id IN (SELECT id FROM walked)
UNION ALL
SELECT 'node', p.id, p.owner_id, ROW_NUMBER() OVER (ORDER BY p.name, p.slug), p.slug, p.name
FROM {platform} p WHERE p.id IN (SELECT id FROM walked)
"""

_ORGANISATIONS = """
WITH
given(id, owner) AS ({given}),
used(org, pid) AS (
    SELECT a.organisation_id, a.platform_id FROM {adoption} a
    WHERE a.status = %s AND a.platform_id IN (SELECT id FROM given)
    GROUP BY a.organisation_id, a.platform_id
),
per_org(org, owns, uses) AS (
    SELECT org, SUM(owns), SUM(uses) FROM (
        SELECT owner AS org, COUNT(*) AS owns, 0 AS uses FROM given GROUP BY owner
        UNION ALL
        SELECT org, 0, COUNT(*) FROM used GROUP BY org
    ) counted GROUP BY org
),
top AS (SELECT org, owns, uses FROM per_org ORDER BY owns + uses DESC, org LIMIT %s),
listed(org, pid, owns, n) AS (
    SELECT owner, id, 1, ROW_NUMBER() OVER (PARTITION BY owner ORDER BY id) FROM given
    WHERE owner IN (SELECT org FROM top)
    UNION ALL
    SELECT org, pid, 0, ROW_NUMBER() OVER (PARTITION BY org ORDER BY pid) FROM used
    WHERE org IN (SELECT org FROM top)
)
SELECT 'count' AS kind, COUNT(*) AS org, NULL AS a, NULL AS b, NULL AS slug, NULL AS name
FROM per_org
UNION ALL
SELECT 'top', top.org, top.owns, top.uses, o.slug, o.name
FROM top JOIN {organisation} o ON o.id = top.org
UNION ALL
SELECT 'listed', org, pid, owns, NULL, NULL FROM listed WHERE n <= %s
"""

# The walk must neither show nor follow what the user may not see: the complement of
# ``PlatformQuerySet.visible_to``, as a condition on a platform ``h`` probed once per platform
# reached. Drafts and submissions are few (the partial index ``platform_unpublished``), where the
# visible platforms are nearly the whole catalogue.
_HIDDEN = (
    "WHERE NOT EXISTS (SELECT 1 FROM {platform} h WHERE h.id = d.platform_id "
    "AND NOT (h.state = 'published'){member})"
)
_MEMBER = (
    " AND h.owner_id NOT IN (SELECT m.organisation_id FROM {membership} m WHERE m.user_id = %s)"
)


def _hidden_clause(user: User) -> tuple[str, list[Any]]:
    """The walk's condition leaving out the platforms ``user`` may not see (none for staff)."""
    if user.is_authenticated and user.is_superuser:
        return "", []
    if not user.is_authenticated:
        return _HIDDEN.format(platform=TABLES["platform"], member=""), []
    member = _MEMBER.format(membership=Membership._meta.db_table)
    return _HIDDEN.format(platform=TABLES["platform"], member=member), [user.pk]


def _given(ids: list[int], owners: list[int]) -> tuple[str, list[Any]]:
    """A table ``(id, owner)`` of the dependents, bound as parameters whatever their number
    (thousands of placeholders would overflow SQLite's limit and cost PostgreSQL a long parse)."""
    if connection.vendor == "postgresql":
        return (
            "SELECT * FROM unnest(CAST(string_to_array(%s, ',') AS bigint[]), "
            "CAST(string_to_array(%s, ',') AS bigint[]))",
            [",".join(map(str, ids)), ",".join(map(str, owners))],
        )
    return (
        "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(%s)",
        [json.dumps(list(zip(ids, owners, strict=True)))],
    )


def _cycles(children: dict[int, list[int]], parents: dict[int, list[int]]) -> list[list[int]]:
    """One shortest cycle per group of platforms depending on each other round a loop, at most
    ``MAX_CYCLES``. Platforms with no dependent or no dependency left cannot be on a loop: they
    are trimmed first (most of any real graph), then the groups found among the rest."""
    outgoing = {u: len(vs) for u, vs in children.items()}
    incoming = {u: len(parents.get(u, ())) for u in children}
    trimmed = [u for u in children if not outgoing[u] or not incoming[u]]
    removed = set(trimmed)
    while trimmed:
        u = trimmed.pop()
        for v in children[u]:
            incoming[v] -= 1
            if not incoming[v] and v not in removed:
                removed.add(v)
                trimmed.append(v)
        for v in parents.get(u, ()):
            outgoing[v] -= 1
            if not outgoing[v] and v not in removed:
                removed.add(v)
                trimmed.append(v)
    if len(removed) == len(children):
        return []
    rest = {
        u: sorted(v for v in vs if v not in removed)
        for u, vs in children.items()
        if u not in removed
    }
    groups = _strongly_connected(sorted(rest), rest)
    return sorted(_shortest_cycle(group, rest) for group in groups)[:MAX_CYCLES]


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
    owns: tuple[str, ...]
    uses: tuple[str, ...]
    owns_count: int
    uses_count: int


@dataclass(frozen=True)
class _Analysis:
    """What the walk and the counts found for one platform and audience. Shared by the requests
    until the next write, so never changed once made: each request gets its own
    ``DependentList`` and ``AffectedOrganisation`` objects over it."""

    graph: _Graph
    hit: list[_Hit]
    organisations_count: int
    truncated: bool
    cycles: list[list[str]]
    by_depth: list[tuple[int, int]]
    names: dict[str, str]

    def impact(
        self, platform: Platform, max_depth: int, organisations: dict[int, Organisation]
    ) -> Impact:
        affected = [
            AffectedOrganisation(
                organisation=organisations[hit.organisation_id],
                owns=list(hit.owns),
                uses=list(hit.uses),
                owns_count=hit.owns_count,
                uses_count=hit.uses_count,
            )
            for hit in self.hit
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
            dependents=DependentList(self.graph),
            organisations_affected=affected,
            organisations_count=self.organisations_count,
            truncated=self.truncated,
            max_depth=max_depth,
            cycles=[list(cycle) for cycle in self.cycles],
            by_depth=[{"depth": d, "platforms": n} for d, n in self.by_depth],
            names=self.names,
        )


def platform_impact(*, platform: Platform, user: User, max_depth: int = MAX_DEPTH) -> Impact:
    """Every platform that depends on ``platform`` directly or through others, with the
    organisations that own them or have them in use. Only what ``user`` may see is followed: a
    draft of another organisation is neither shown nor traversed. At most four queries whatever
    the graph (two when nothing depends on it), one more per slice of dependents read; when the
    analysis is kept (see ``impact_changed``), two: the catalogue's version and the organisations
    listed, and one per slice.

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
    key = _kept_key(platform, user, max_depth)
    analysis = _kept_get(key)
    if analysis is not None:
        organisations = Organisation.objects.in_bulk([hit.organisation_id for hit in analysis.hit])
        return analysis.impact(platform, max_depth, organisations)
    analysis, organisations = _analyse(platform, user, max_depth)
    _kept_put(key, analysis)
    return analysis.impact(platform, max_depth, organisations)


def _analyse(
    platform: Platform, user: User, max_depth: int
) -> tuple[_Analysis, dict[int, Organisation]]:
    """The walk and the counts, from the database (two queries, one when nothing depends on
    ``platform``): the analysis, and the organisations it lists, read in the same statement."""
    hidden_sql, hidden_params = _hidden_clause(user)
    sql = _WALK.format(
        dependency=TABLES["dependency"], platform=TABLES["platform"], hidden=hidden_sql
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [platform.pk, *hidden_params, MAX_PLATFORMS + 1])
        rows = cursor.fetchall()

    nodes: dict[int, _Node] = {}
    children: dict[int, list[int]] = defaultdict(list)
    names: dict[str, str] = {}
    for kind, a, b, c, slug, name in rows:
        if kind == "node":
            nodes[a] = _Node(slug=slug, owner_id=b, rank=c)
            names[slug] = name
        else:
            children[a].append(b)
    truncated = len(nodes) > MAX_PLATFORMS

    def rank(pk: int) -> int:
        return nodes[pk].rank

    # Breadth first: each platform's depth and first parent (by name), nearest first.
    order: list[int] = []
    reached = {platform.pk}
    frontier = [platform.pk]
    depth = 0
    while frontier:
        depth += 1
        following = []
        for parent in frontier:
            for child in children.get(parent, ()):
                if child not in reached and child in nodes:
                    if depth > max_depth:
                        truncated = True
                        break
                    reached.add(child)
                    node = nodes[child]
                    node.depth, node.parent = depth, parent
                    following.append(child)
        frontier = sorted(following, key=rank)
        order += frontier

    inside = {u: [v for v in children.get(u, ()) if v in reached] for u in reached}
    parents_of: dict[int, list[int]] = defaultdict(list)
    for parent, dependents in inside.items():
        for child in dependents:
            parents_of[child].append(parent)
    cycles = _cycles(inside, parents_of)
    by_depth = sorted(Counter(nodes[pk].depth for pk in order).items())

    hit, organisations, organisations_count = _organisations(order, nodes) if order else ([], {}, 0)
    graph = _Graph(
        order=order,
        slug={pk: nodes[pk].slug for pk in (platform.pk, *order) if pk in nodes},
        depth={pk: nodes[pk].depth for pk in order},
        parent={pk: nodes[pk].parent for pk in order},
        parents_of={pk: tuple(parents) for pk, parents in parents_of.items()},
    )
    analysis = _Analysis(
        graph=graph,
        hit=hit,
        organisations_count=organisations_count,
        truncated=truncated,
        cycles=[[nodes[pk].slug for pk in cycle] for cycle in cycles],
        by_depth=by_depth,
        names=names,
    )
    return analysis, organisations


def _organisation(pk: int, slug: str, name: str) -> Organisation:
    """An organisation as read with the figures: what it is shown by (any other field is read
    from the database if asked for, never a default standing in for it)."""
    shown = {"id": pk, "slug": slug, "name": name}
    fields = [f.attname for f in Organisation._meta.concrete_fields if f.attname in shown]
    return Organisation.from_db(connection.alias, fields, [shown[f] for f in fields])


def _organisations(
    order: list[int], nodes: dict[int, _Node]
) -> tuple[list[_Hit], dict[int, Organisation], int]:
    """The organisations hit hardest (owning or using the most dependents), read with their
    names, and how many are hit: counted in the database over every dependent, only the top few
    read (one query)."""
    given_sql, given_params = _given(order, [nodes[pk].owner_id for pk in order])
    sql = _ORGANISATIONS.format(
        given=given_sql, adoption=TABLES["adoption"], organisation=TABLES["organisation"]
    )
    rows = fetch(sql, [*given_params, Adoption.Status.IN_USE, TOP_ORGANISATIONS, LISTED])
    position = {pk: n for n, pk in enumerate(order)}
    count = 0
    top: dict[int, tuple[int, int]] = {}
    organisations: dict[int, Organisation] = {}
    listed: dict[tuple[int, int], list[int]] = defaultdict(list)
    for row in rows:
        if row["kind"] == "count":
            count = row["org"]
        elif row["kind"] == "top":
            top[row["org"]] = (int(row["a"]), int(row["b"]))
            # Only what an organisation is shown by; any other field is read if asked for.
            organisations[row["org"]] = _organisation(row["org"], row["slug"], row["name"])
        else:
            listed[(row["org"], int(row["b"]))].append(row["a"])

    def slugs(org: int, owns: int) -> tuple[str, ...]:
        ordered = sorted(listed[(org, owns)], key=position.__getitem__)
        return tuple(nodes[pk].slug for pk in ordered)

    hit = [
        _Hit(
            organisation_id=org,
            owns=slugs(org, 1),
            uses=slugs(org, 0),
            owns_count=owns,
            uses_count=uses,
        )
        for org, (owns, uses) in top.items()
    ]
    return hit, organisations, count


# --- Kept until the next write ---------------------------------------------------------------
#
# An analysis is kept in this process's memory under the catalogue's current version, a token
# in the shared cache (``CACHES["default"]``: the database's cache table, or Redis) that every
# write able to change an analysis replaces once its transaction commits: a platform, a
# dependency, an adoption or a membership saved or deleted (the models' signals, whatever the
# path: services, admin, API), and the bulk writes that send no signal (imports,
# ``generate_catalogue``) call ``impact_changed`` themselves. The token is read before the walk
# and replaced after the commit, so an analysis is never kept under a version older than the
# rows it was made from. A transaction's own uncommitted writes are seen by its reads, never
# kept. Whatever happens, nothing is kept longer than ``KEPT_SECONDS``.

VERSION_KEY = "platforms:impact:version"
_kept: TTLCache = TTLCache(
    maxsize=KEPT_DEPENDENTS,
    ttl=KEPT_SECONDS,
    getsizeof=lambda analysis: len(analysis.graph.order) + 1,
)
_kept_lock = threading.Lock()


def _audience(user: User) -> str:
    """Who the analysis is for, as the walk's visibility rule (``_hidden_clause``) tells them
    apart: a member's drafts differ from another member's, so a member's analyses are theirs."""
    if user.is_authenticated and user.is_superuser:
        return "all"
    if not user.is_authenticated:
        return "public"
    return f"user:{user.pk}"


def _change_pending() -> bool:
    """Whether this connection's transaction has written something that changes analyses and
    not committed it yet: its reads must see those rows, and nobody else may be given them."""
    return connection.in_atomic_block and any(
        func is _publish_change for _, func, _ in connection.run_on_commit
    )


def _kept_key(platform: Platform, user: User, max_depth: int) -> tuple | None:
    """The key of the analysis asked for under the catalogue's current version (one cache
    read), or None when it must not be kept (writes pending, or no shared cache)."""
    if _change_pending():
        return None
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
            version = cache.get(VERSION_KEY)
    except Exception:  # the analysis is still right without the cache, only slower
        logger.exception("Impact analysis: the catalogue's version could not be read")
        return None
    if version is None:
        return None
    return (version, platform.pk, _audience(user), max_depth)


def _kept_get(key: tuple | None) -> _Analysis | None:
    if key is None:
        return None
    with _kept_lock:
        return _kept.get(key)


def _kept_put(key: tuple | None, analysis: _Analysis) -> None:
    if key is None:
        return
    # One larger than everything kept may be (ValueError) is not kept.
    with _kept_lock, contextlib.suppress(ValueError):
        _kept[key] = analysis


def _publish_change() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    with _kept_lock:
        _kept.clear()


def impact_changed(**_signal: Any) -> None:
    """Say that a write may have changed impact analyses: those kept are dropped once the
    current transaction commits (at once outside one). Every save and delete of a platform,
    dependency, adoption or membership calls it (``connect_signals``); bulk writes that send no
    signal (``bulk_create``, ``bulk_update``, ``COPY``, ``QuerySet.update`` of a platform's
    state, owner, name or slug) must call it themselves."""
    if not _change_pending():
        transaction.on_commit(_publish_change, robust=True)


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
