"""Impact analysis: what stops working, and for whom, if a platform goes away.

The walk is one recursive CTE (SQLite and PostgreSQL alike) over the dependencies the user may
see. Each row carries the path it followed, so a dependency cycle (data imported from elsewhere can
hold them) stops the walk where it closes and is reported, never followed round again. Depth and
the number of paths walked are both capped, so no graph can make the query run away.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from platforms.models import Adoption, Dependency, Organisation, Platform
from platforms.selectors._sql import TABLES, fetch, visible_platform_ids

if TYPE_CHECKING:
    from platforms.querysets import User

# Deep enough for any real chain.
MAX_DEPTH = 25
# Paths walked at most: a real catalogue walks a few dozen; a pathological graph (every platform
# depending on every other) stops here and the answer says it was cut short.
MAX_PATHS = 20_000


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


@dataclass
class Impact:
    platform: Platform
    dependents: list[Dependent]
    organisations_affected: list[AffectedOrganisation]
    truncated: bool
    max_depth: int = MAX_DEPTH
    cycles: list[list[str]] = field(default_factory=list)
    by_depth: list[dict[str, int]] = field(default_factory=list)


_WALK = """
WITH RECURSIVE
visible(id) AS ({visible}),
edge(platform_id, depends_on_id) AS (
    SELECT d.platform_id, d.depends_on_id FROM {dependency} d
    WHERE d.platform_id IN (SELECT id FROM visible) AND d.depends_on_id IN (SELECT id FROM visible)
),
walk(platform_id, depth, path, closes_cycle) AS (
    SELECT e.platform_id, 1,
           CAST(',' || CAST(e.depends_on_id AS TEXT) || ',' || CAST(e.platform_id AS TEXT) || ','
                AS TEXT),
           0
    FROM edge e WHERE e.depends_on_id = %s
    UNION ALL
    SELECT e.platform_id, w.depth + 1,
           CAST(w.path || CAST(e.platform_id AS TEXT) || ',' AS TEXT),
           CASE WHEN w.path LIKE '%%,' || CAST(e.platform_id AS TEXT) || ',%%' THEN 1 ELSE 0 END
    FROM walk w JOIN edge e ON e.depends_on_id = w.platform_id
    WHERE w.closes_cycle = 0 AND w.depth < %s
),
capped AS (SELECT platform_id, depth, path, closes_cycle FROM walk LIMIT %s),
shortest AS (
    SELECT platform_id, depth, path,
           ROW_NUMBER() OVER (PARTITION BY platform_id ORDER BY depth, path) AS n
    FROM capped WHERE closes_cycle = 0
)
SELECT 'dependent' AS kind, platform_id, depth, path FROM shortest WHERE n = 1
UNION ALL
SELECT 'cycle', platform_id, depth, path FROM capped WHERE closes_cycle = 1
UNION ALL
SELECT 'deeper', NULL, COUNT(*), NULL FROM capped c
WHERE c.depth = %s AND c.closes_cycle = 0
  AND EXISTS (SELECT 1 FROM edge e WHERE e.depends_on_id = c.platform_id)
UNION ALL
SELECT 'paths', NULL, COUNT(*), NULL FROM capped
UNION ALL
SELECT 'depth', COUNT(*), depth, NULL FROM shortest WHERE n = 1 GROUP BY depth
"""


def _ids(path: str) -> list[int]:
    return [int(part) for part in path.strip(",").split(",")]


def _cycle(path: str) -> tuple[int, ...]:
    """The closed loop at the end of a path (``,1,2,3,2,`` -> 2, 3, 2), rotated to start at its
    smallest id so that one cycle reached from several sides is reported once."""
    ids = _ids(path)
    loop = ids[ids.index(ids[-1]) : -1]
    start = loop.index(min(loop))
    loop = loop[start:] + loop[:start]
    return (*loop, loop[0])


def platform_impact(*, platform: Platform, user: User, max_depth: int = MAX_DEPTH) -> Impact:
    """Every platform that depends on ``platform`` directly or through others, with the
    organisations that own them or have them in use. Only what ``user`` may see is followed: a
    draft of another organisation is neither shown nor traversed. Four queries whatever the graph.

    Returns an ``Impact``:

    - ``platform``: the platform asked about;
    - ``dependents``: one ``Dependent`` per platform hit, nearest first (``depth`` 1 depends on it
      directly), with ``path`` (slugs from ``platform`` to it, one shortest chain) and
      ``depends_on`` (the slugs of the platforms in the chain it depends on directly): together a
      graph's nodes and edges;
    - ``organisations_affected``: one ``AffectedOrganisation`` per organisation, by name, with the
      dependent platforms it ``owns`` and those it ``uses`` (adoptions in use);
    - ``cycles``: each dependency cycle met, as the slugs round it, first repeated at the end
      (``["a", "b", "a"]``); the walk never goes round one;
    - ``by_depth``: ``[{"depth": 1, "platforms": 3}, ...]``, for a chart;
    - ``truncated``: true if the chain goes deeper than ``max_depth`` or has more than
      ``MAX_PATHS`` paths, and the answer is cut short.
    """
    visible_sql, visible_params = visible_platform_ids(user)
    sql = _WALK.format(visible=visible_sql, dependency=TABLES["dependency"])
    rows = fetch(sql, [*visible_params, platform.pk, max_depth, MAX_PATHS, max_depth])

    walked = [row for row in rows if row["kind"] == "dependent"]
    counts = {row["kind"]: row["depth"] for row in rows if row["kind"] in ("deeper", "paths")}
    truncated = bool(counts.get("deeper")) or counts.get("paths", 0) >= MAX_PATHS
    dependent_ids = [row["platform_id"] for row in walked]

    by_id = {
        p.pk: p
        for p in Platform.objects.filter(pk__in=[*dependent_ids, platform.pk]).select_related(
            "owner"
        )
    }
    chain = {*dependent_ids, platform.pk}
    direct: dict[int, list[str]] = {}
    edges = Dependency.objects.filter(platform_id__in=dependent_ids, depends_on_id__in=chain)
    for dependent_id, dependency_id in edges.values_list("platform_id", "depends_on_id"):
        direct.setdefault(dependent_id, []).append(by_id[dependency_id].slug)

    dependents = sorted(
        (
            Dependent(
                platform=by_id[row["platform_id"]],
                depth=row["depth"],
                depends_on=sorted(direct.get(row["platform_id"], [])),
                path=[by_id[pk].slug for pk in _ids(row["path"])],
            )
            for row in walked
        ),
        key=lambda d: (d.depth, d.platform.name, d.platform.slug),
    )
    cycles = sorted(
        {_cycle(row["path"]) for row in rows if row["kind"] == "cycle"},
    )

    affected: dict[int, AffectedOrganisation] = {}
    for dependent in dependents:
        owner = dependent.platform.owner
        affected.setdefault(owner.pk, AffectedOrganisation(owner)).owns.append(
            dependent.platform.slug
        )
    adoptions = (
        Adoption.objects.in_use()
        .filter(platform_id__in=dependent_ids)
        .select_related("organisation")
        .order_by("organisation__name", "platform__name", "platform_id")
    )
    for adoption in adoptions:
        entry = affected.setdefault(
            adoption.organisation_id, AffectedOrganisation(adoption.organisation)
        )
        slug = by_id[adoption.platform_id].slug
        if slug not in entry.uses:
            entry.uses.append(slug)

    return Impact(
        platform=platform,
        dependents=dependents,
        organisations_affected=sorted(
            affected.values(), key=lambda a: (a.organisation.name, a.organisation.slug)
        ),
        truncated=truncated,
        max_depth=max_depth,
        cycles=[[by_id[pk].slug for pk in cycle] for cycle in cycles],
        by_depth=sorted(
            (
                {"depth": row["depth"], "platforms": row["platform_id"]}
                for row in rows
                if row["kind"] == "depth"
            ),
            key=lambda entry: entry["depth"],
        ),
    )
