"""The figures kept for the insights (``CapabilityUse``, ``CapabilityCount``): counts per
capability, organisation and visibility scope, so that the duplication and profile insights read
a few thousand rows instead of every adoption in use (1.9 s at 100,000 platforms).

They are a cache of aggregates, kept in the same transaction as each write:

- single-row writes (the services, and anything else that saves a platform, an adoption or a
  platform's capabilities) through signals, connected in ``PlatformsConfig.ready``: before the
  write, the contribution of the rows it can change is read; after it, read again; the difference
  is added. The platforms concerned are locked first, so two writers of the same platform's
  adoptions take turns and neither counts from a stale snapshot;
- bulk writes (``catalogue_import``, ``generate_catalogue``, the migration) call ``rebuild``,
  one set-based statement per table.

A platform ``p`` contributes, for each capability ``c`` it meets:

- to ``CapabilityCount(c, scope(p))``: 1 to ``platforms`` (whatever its phase: the home page's
  tiles), and 1 to ``in_service`` (beta, live, retiring), ``live`` or ``retired`` by its phase;
- when in service, to ``CapabilityUse(c, o, scope(p))`` for each organisation ``o`` using it (its
  owner, and every organisation with an adoption in use): 1 to ``platforms``, and to
  ``live_platforms`` when live.

``scope(p)`` is 0 for a published platform, else its owner's id: a reader sees the rows of scope 0
and of the owners whose unpublished platforms it may see
(``platforms.selectors._sql.visible_scopes``), so the figures follow
``PlatformQuerySet.visible_to`` and never count another organisation's draft.

``fresh`` computes the same rows from scratch, for the tests that compare them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

from platforms.models import (
    Adoption,
    Capability,
    CapabilityCount,
    CapabilityUse,
    FacetCount,
    OrganisationUse,
    Platform,
    Standard,
)

IN_SERVICE = (Platform.Phase.BETA, Platform.Phase.LIVE, Platform.Phase.RETIRING)
PUBLISHED = Platform.State.PUBLISHED
IN_USE = Adoption.Status.IN_USE
# Upserts in chunks: SQLite takes at most 32,766 parameters a statement.
CHUNK = 1000

_T = {
    "platform": Platform._meta.db_table,
    "adoption": Adoption._meta.db_table,
    "platform_capabilities": Platform.capabilities.through._meta.db_table,
    "use": CapabilityUse._meta.db_table,
    "count": CapabilityCount._meta.db_table,
    "organisation_use": OrganisationUse._meta.db_table,
    "platform_standards": Platform.standards.through._meta.db_table,
    "facet_count": FacetCount._meta.db_table,
}
_MARKS = ", ".join(["%s"] * len(IN_SERVICE))

# Every (platform, organisation using it) pair of the selection, then one row per capability:
# one unit of ``CapabilityUse``. ``{users}``: the pairs' filters.
_USE_ROWS = """
SELECT pc.capability_id, u.organisation_id,
       CASE WHEN p.state = %s THEN 0 ELSE p.owner_id END AS scope,
       CASE WHEN p.phase = %s THEN 1 ELSE 0 END AS live
FROM (
    SELECT o.id AS platform_id, o.owner_id AS organisation_id FROM {platform} o
    WHERE {owners}
    UNION
    SELECT a.platform_id, a.organisation_id FROM {adoption} a
    WHERE a.status = %s AND {adopters}
) u
JOIN {platform} p ON p.id = u.platform_id
JOIN {platform_capabilities} pc ON pc.platform_id = p.id
WHERE p.phase IN ({in_service}) {capabilities}
"""

_COUNT_ROWS = """
SELECT pc.capability_id, CASE WHEN p.state = %s THEN 0 ELSE p.owner_id END AS scope,
       CASE WHEN p.phase IN ({in_service}) THEN 1 ELSE 0 END AS in_service,
       CASE WHEN p.phase = %s THEN 1 ELSE 0 END AS live,
       CASE WHEN p.phase = %s THEN 1 ELSE 0 END AS retired
FROM {platform} p JOIN {platform_capabilities} pc ON pc.platform_id = p.id
WHERE {platforms} {capabilities}
"""

# The (platform, facet, value) triples of ``FacetCount`` for some platforms (``{platforms}``, a
# filter on a column ``x.platform_id``): each platform as itself, its owner, and each capability
# and standard it has, with its scope, phase and openness. ``{parts}``: which of the four.
_FACET_PARTS = {
    "platform": "SELECT id AS platform_id, 'platform' AS facet, 0 AS value FROM {platform}",
    "owner": "SELECT id AS platform_id, 'owner' AS facet, owner_id AS value FROM {platform}",
    "capability": "SELECT platform_id, 'capability' AS facet, capability_id AS value "
    "FROM {platform_capabilities}",
    "standard": "SELECT platform_id, 'standard' AS facet, standard_id AS value "
    "FROM {platform_standards}",
}
_FACET_ROWS = """
SELECT CASE WHEN p.state = %s THEN 0 ELSE p.owner_id END AS scope, p.phase, p.is_open_source,
       x.facet, x.value
FROM ({parts}) x JOIN {platform} p ON p.id = x.platform_id
WHERE {platforms}
"""

# Per organisation and scope: the platforms it owns, then in one pass over the selection's
# adoptions (as the full rebuild, ``_REBUILD_ORGANISATION``, counts them with conditional sums):
# its adoptions of others' platforms (any status), the others' platforms it has an adoption in use
# of (distinct platforms: each group is one organisation's, so one per (platform, organisation)
# pair), and its adoptions in use (of any platform, one per use case: the admin home's figure).
# ``{platforms}``/``{adoptions}``: filters. Columns: organisation, scope, owns, adoptions,
# reuses, in_use.
_ORGANISATION_ROWS = """
SELECT p.owner_id, CASE WHEN p.state = %s THEN 0 ELSE p.owner_id END, COUNT(*), 0, 0, 0
FROM {platform} p WHERE {platforms}
GROUP BY p.owner_id, CASE WHEN p.state = %s THEN 0 ELSE p.owner_id END
UNION ALL
SELECT a.organisation_id, CASE WHEN p.state = %s THEN 0 ELSE p.owner_id END, 0,
       SUM(CASE WHEN a.organisation_id <> p.owner_id THEN 1 ELSE 0 END),
       COUNT(DISTINCT CASE WHEN a.status = %s AND a.organisation_id <> p.owner_id
                           THEN a.platform_id END),
       SUM(CASE WHEN a.status = %s THEN 1 ELSE 0 END)
FROM {adoption} a JOIN {platform} p ON p.id = a.platform_id
WHERE {adoptions}
GROUP BY a.organisation_id, CASE WHEN p.state = %s THEN 0 ELSE p.owner_id END
"""

_REBUILD_ORGANISATION = """
INSERT INTO {organisation_use} (organisation_id, scope, owns, adoptions, reuses, in_use)
SELECT organisation_id, scope, SUM(owns), SUM(adoptions), SUM(reuses), SUM(in_use) FROM (
    SELECT p.owner_id AS organisation_id,
           CASE WHEN p.state = %s THEN 0 ELSE p.owner_id END AS scope,
           1 AS owns, 0 AS adoptions, 0 AS reuses, 0 AS in_use
    FROM {platform} p WHERE {owners}
    UNION ALL
    SELECT a.organisation_id, CASE WHEN p.state = %s THEN 0 ELSE p.owner_id END, 0,
           CASE WHEN a.organisation_id <> p.owner_id THEN 1 ELSE 0 END, 0,
           CASE WHEN a.status = %s THEN 1 ELSE 0 END
    FROM {adoption} a JOIN {platform} p ON p.id = a.platform_id
    WHERE {adopters}
    UNION ALL
    SELECT u.organisation_id, u.scope, 0, 0, 1, 0 FROM (
        SELECT DISTINCT a.platform_id, a.organisation_id,
               CASE WHEN p.state = %s THEN 0 ELSE p.owner_id END AS scope
        FROM {adoption} a JOIN {platform} p ON p.id = a.platform_id
        WHERE a.status = %s AND a.organisation_id <> p.owner_id AND {adopters}
    ) u
) x
GROUP BY organisation_id, scope
"""


# The tables, set-based (the same figures as the rows above, grouped): all of them, or the
# rows of some capabilities (``{platforms}``: their platforms, ``{capabilities}``: the links) or
# of some organisations (``{owners}``, ``{adopters}``).
_REBUILD_USE = """
INSERT INTO {use} (capability_id, organisation_id, scope, platforms, live_platforms)
SELECT pc.capability_id, u.organisation_id,
       CASE WHEN p.state = %s THEN 0 ELSE p.owner_id END,
       COUNT(*), SUM(CASE WHEN p.phase = %s THEN 1 ELSE 0 END)
FROM (
    SELECT id AS platform_id, owner_id AS organisation_id FROM {platform} WHERE id {platforms}
    UNION
    SELECT platform_id, organisation_id FROM {adoption}
    WHERE status = %s AND platform_id {platforms}
) u
JOIN {platform} p ON p.id = u.platform_id
JOIN {platform_capabilities} pc ON pc.platform_id = p.id
WHERE p.phase IN ({in_service}) AND {capabilities}
GROUP BY pc.capability_id, u.organisation_id, CASE WHEN p.state = %s THEN 0 ELSE p.owner_id END
"""

_REBUILD_COUNT = """
INSERT INTO {count} (capability_id, scope, in_service, live, retired, platforms)
SELECT pc.capability_id, CASE WHEN p.state = %s THEN 0 ELSE p.owner_id END,
       SUM(CASE WHEN p.phase IN ({in_service}) THEN 1 ELSE 0 END),
       SUM(CASE WHEN p.phase = %s THEN 1 ELSE 0 END),
       SUM(CASE WHEN p.phase = %s THEN 1 ELSE 0 END),
       COUNT(*)
FROM {platform} p JOIN {platform_capabilities} pc ON pc.platform_id = p.id
WHERE {capabilities}
GROUP BY pc.capability_id, CASE WHEN p.state = %s THEN 0 ELSE p.owner_id END
"""

_REBUILD_FACET_COUNT = f"""
INSERT INTO {{facet_count}} (scope, phase, is_open_source, facet, value, platforms)
SELECT scope, phase, is_open_source, facet, value, COUNT(*) FROM ({_FACET_ROWS}) f
GROUP BY scope, phase, is_open_source, facet, value
"""  # noqa: S608 - table names from the models


def _upsert_adding(table: str, keys: tuple[str, ...], counts: tuple[str, ...]) -> str:
    """An upsert of rows ``(*keys, *counts)`` that adds ``counts`` to a row already there
    (``{values}`` left for the rows)."""
    added = ",\n    ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counts)
    return (
        f"INSERT INTO {table} ({', '.join(keys + counts)})\nVALUES {{values}}\n"
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE\nSET {added}"
    )


_UPSERT_USE = _upsert_adding(
    _T["use"], ("capability_id", "organisation_id", "scope"), ("platforms", "live_platforms")
)
_UPSERT_COUNT = _upsert_adding(
    _T["count"], ("capability_id", "scope"), ("in_service", "live", "retired", "platforms")
)
_UPSERT_ORGANISATION = _upsert_adding(
    _T["organisation_use"],
    ("organisation_id", "scope"),
    ("owns", "adoptions", "reuses", "in_use"),
)
_UPSERT_FACET_COUNT = _upsert_adding(
    _T["facet_count"], ("scope", "phase", "is_open_source", "facet", "value"), ("platforms",)
)


# --- the contribution of a selection ----------------------------------------------------------


class Selection:
    """What a write can change: whole platforms (their owner, phase, state, openness,
    capabilities, standards), or (platform, organisation) pairs (an adoption), optionally only
    some capabilities, or only the platforms' standards (``standards_only``)."""

    def __init__(
        self,
        *,
        platforms: Iterable[int] = (),
        pairs: Iterable[tuple[int, int]] = (),
        capabilities: Iterable[int] | None = None,
        standards_only: bool = False,
    ) -> None:
        self.platforms = sorted({int(pk) for pk in platforms if pk is not None})
        self.pairs = sorted({(int(p), int(o)) for p, o in pairs if p is not None and o is not None})
        self.standards_only = standards_only
        if standards_only:
            capabilities = ()
        self.capabilities = None if capabilities is None else sorted({int(c) for c in capabilities})

    def __bool__(self) -> bool:
        return bool(self.platforms or self.pairs) and (
            self.capabilities != [] or self.standards_only
        )

    def locked_platforms(self) -> list[int]:
        return sorted(set(self.platforms) | {p for p, _ in self.pairs})

    def _capability_filter(self) -> tuple[str, list[Any]]:
        if self.capabilities is None:
            return "", []
        return f"AND pc.capability_id IN ({', '.join(['%s'] * len(self.capabilities))})", list(
            self.capabilities
        )

    def use_rows(self) -> Counter:
        """``{(capability, organisation, scope): (platforms, live_platforms)}`` as a Counter of
        each part: the selection's share of ``CapabilityUse`` now."""
        if self.capabilities == []:
            return Counter()
        if self.platforms:
            marks = ", ".join(["%s"] * len(self.platforms))
            owners, owner_params = f"o.id IN ({marks})", list(self.platforms)
            adopters, adopter_params = f"a.platform_id IN ({marks})", list(self.platforms)
        else:
            owners = " OR ".join(["(o.id = %s AND o.owner_id = %s)"] * len(self.pairs))
            adopters = " OR ".join(
                ["(a.platform_id = %s AND a.organisation_id = %s)"] * len(self.pairs)
            )
            owner_params = [v for pair in self.pairs for v in pair]
            adopter_params = list(owner_params)
            owners, adopters = f"({owners})", f"({adopters})"
        capabilities, capability_params = self._capability_filter()
        sql = _USE_ROWS.format(
            owners=owners,
            adopters=adopters,
            capabilities=capabilities,
            in_service=_MARKS,
            **_T,
        )
        params = [
            PUBLISHED,
            Platform.Phase.LIVE,
            *owner_params,
            IN_USE,
            *adopter_params,
            *IN_SERVICE,
            *capability_params,
        ]
        rows: Counter = Counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for capability, organisation, scope, live in cursor.fetchall():
                rows[(capability, organisation, scope, "platforms")] += 1
                rows[(capability, organisation, scope, "live")] += live
        return rows

    def count_rows(self) -> Counter:
        """The selection's share of ``CapabilityCount`` now (whole platforms only: an adoption
        changes no platform count)."""
        rows: Counter = Counter()
        if not self.platforms or self.capabilities == []:
            return rows
        capabilities, capability_params = self._capability_filter()
        sql = _COUNT_ROWS.format(
            platforms=f"p.id IN ({', '.join(['%s'] * len(self.platforms))})",
            capabilities=capabilities,
            in_service=_MARKS,
            **_T,
        )
        params = [
            PUBLISHED,
            *IN_SERVICE,
            Platform.Phase.LIVE,
            Platform.Phase.RETIRED,
            *self.platforms,
            *capability_params,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for capability, scope, in_service, live, retired in cursor.fetchall():
                rows[(capability, scope, "platforms")] += 1  # a row per (platform, capability)
                rows[(capability, scope, "in_service")] += in_service
                rows[(capability, scope, "live")] += live
                rows[(capability, scope, "retired")] += retired
        return rows

    def facet_rows(self) -> Counter:
        """The selection's share of ``FacetCount`` now, keyed ``(scope, phase, is_open_source,
        facet, value)``: of whole platforms, all of it; of a change of capabilities, those
        capabilities' rows; of a change of standards, the standards' rows."""
        rows: Counter = Counter()
        if not self.platforms:
            return rows
        if self.standards_only:
            parts, extra, extra_params = ["standard"], "", []
        elif self.capabilities is not None:
            marks = ", ".join(["%s"] * len(self.capabilities))
            parts = ["capability"]
            extra, extra_params = f" AND x.value IN ({marks})", list(self.capabilities)
        else:
            parts, extra, extra_params = list(_FACET_PARTS), "", []
        sql = _FACET_ROWS.format(
            parts=" UNION ALL ".join(_FACET_PARTS[part] for part in parts),
            platforms=f"x.platform_id IN ({', '.join(['%s'] * len(self.platforms))}){extra}",
            **_T,
        ).format(**_T)
        with connection.cursor() as cursor:
            cursor.execute(sql, [PUBLISHED, *self.platforms, *extra_params])
            for scope, phase, is_open_source, facet, value in cursor.fetchall():
                rows[(scope, phase, bool(is_open_source), facet, value)] += 1
        return rows


_ORGANISATION_PARTS = ("owns", "adoptions", "reuses", "in_use")


def _organisation_rows(selection: Selection) -> Counter:
    """The selection's share of ``OrganisationUse`` now (not for a capability change, which
    changes none of it)."""
    rows: Counter = Counter()
    if selection.capabilities is not None:
        return rows
    if selection.platforms:
        marks = ", ".join(["%s"] * len(selection.platforms))
        platforms, platform_params = f"p.id IN ({marks})", list(selection.platforms)
        adoptions, adoption_params = f"a.platform_id IN ({marks})", list(selection.platforms)
    else:
        platforms, platform_params = "1 = 0", []
        adoptions = (
            "("
            + " OR ".join(
                ["(a.platform_id = %s AND a.organisation_id = %s)"] * len(selection.pairs)
            )
            + ")"
        )
        adoption_params = [v for pair in selection.pairs for v in pair]
    sql = _ORGANISATION_ROWS.format(platforms=platforms, adoptions=adoptions, **_T)
    params = [
        PUBLISHED,
        *platform_params,
        PUBLISHED,
        PUBLISHED,
        IN_USE,
        IN_USE,
        *adoption_params,
        PUBLISHED,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for organisation, scope, *counts in cursor.fetchall():
            for part, n in zip(_ORGANISATION_PARTS, counts, strict=True):
                if n:
                    rows[(organisation, scope, part)] += int(n)  # SUM(): a decimal on PostgreSQL
    return rows


class Snapshot:
    """The contribution of a selection before a write; ``keep()`` after it adds the difference."""

    def __init__(self, selection: Selection, *, read: bool = True) -> None:
        self.selection = selection
        self.use: Counter = Counter()
        self.count: Counter = Counter()
        self.organisation: Counter = Counter()
        self.facets: Counter = Counter()
        if selection and read:
            _lock(selection.locked_platforms())
            self.use = selection.use_rows()
            self.count = selection.count_rows()
            self.organisation = _organisation_rows(selection)
            self.facets = selection.facet_rows()

    def keep(self) -> None:
        if not self.selection:
            return
        use = self.selection.use_rows()
        use.subtract(self.use)
        count = self.selection.count_rows()
        count.subtract(self.count)
        organisation = _organisation_rows(self.selection)
        organisation.subtract(self.organisation)
        facets = self.selection.facet_rows()
        facets.subtract(self.facets)
        _apply(use, count, organisation, facets)


def snapshot(**selection: Any) -> Snapshot:
    """Read the contribution of ``Selection(**selection)`` before a write."""
    return Snapshot(Selection(**selection))


def _lock(platform_ids: list[int]) -> None:
    """Lock the platforms' rows (in id order, as ``recount_reuse`` does), so that concurrent
    writers of the same platform count one after the other. Outside a transaction (autocommit)
    there is nothing to hold a lock for."""
    if platform_ids and connection.in_atomic_block and connection.vendor == "postgresql":
        list(
            Platform.objects.select_for_update()
            .filter(pk__in=platform_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def _apply(use: Counter, count: Counter, organisations: Counter, facets: Counter) -> None:
    """Add the differences, then drop the rows that no longer count anything."""
    facet_values = [(*k, n) for k, n in facets.items() if n]
    use_values: dict[tuple[int, int, int], list[int]] = {}
    for (capability, organisation, scope, part), delta in use.items():
        if delta:
            entry = use_values.setdefault((capability, organisation, scope), [0, 0])
            entry[0 if part == "platforms" else 1] += delta
    count_values: dict[tuple[int, int], list[int]] = {}
    parts = {"in_service": 0, "live": 1, "retired": 2, "platforms": 3}
    for (capability, scope, part), delta in count.items():
        if delta:
            count_values.setdefault((capability, scope), [0, 0, 0, 0])[parts[part]] += delta
    organisation_values: dict[tuple[int, int], list[int]] = {}
    columns = {"owns": 0, "adoptions": 1, "reuses": 2, "in_use": 3}
    for (organisation_id, scope, part), delta in organisations.items():
        if delta:
            key = (organisation_id, scope)
            organisation_values.setdefault(key, [0, 0, 0, 0])[columns[part]] += delta
    with connection.cursor() as cursor:
        _upsert(
            cursor,
            _UPSERT_ORGANISATION,
            [(*k, *v) for k, v in organisation_values.items() if any(v)],
        )
        _upsert(cursor, _UPSERT_USE, [(*k, *v) for k, v in use_values.items() if any(v)])
        _upsert(cursor, _UPSERT_COUNT, [(*k, *v) for k, v in count_values.items() if any(v)])
        _upsert(cursor, _UPSERT_FACET_COUNT, facet_values)
        if facet_values:
            cursor.execute(f"DELETE FROM {_T['facet_count']} WHERE platforms = 0")  # noqa: S608
        if use_values:
            capabilities = sorted({k[0] for k in use_values})
            cursor.execute(
                f"DELETE FROM {_T['use']} WHERE platforms = 0 AND capability_id IN "  # noqa: S608
                f"({', '.join(['%s'] * len(capabilities))})",
                capabilities,
            )
        if count_values:
            cursor.execute(
                f"DELETE FROM {_T['count']} "  # noqa: S608
                "WHERE platforms = 0 AND in_service = 0 AND live = 0 AND retired = 0"
            )
        if organisation_values:
            cursor.execute(
                f"DELETE FROM {_T['organisation_use']} "  # noqa: S608
                "WHERE owns = 0 AND adoptions = 0 AND reuses = 0 AND in_use = 0"
            )


def _upsert(cursor: Any, template: str, rows: list[tuple[int, ...]]) -> None:
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        row = "(" + ", ".join(["%s"] * len(chunk[0])) + ")"
        sql = template.format(values=", ".join([row] * len(chunk)))
        cursor.execute(sql, [value for values in chunk for value in values])


# --- bulk writes, and the fresh figures --------------------------------------------------------


def rebuild(*, facets: bool = True) -> None:
    """Count the tables again from scratch, set-based (after a bulk write). ``facets=False``:
    not ``FacetCount`` (for the migrations made before it)."""
    _count_again(capabilities=None, organisations=None)
    if facets:
        rebuild_facets()


def refresh(*, capabilities: Iterable[int], organisations: Iterable[int]) -> None:
    """Count again, set-based, the rows of ``capabilities`` (``CapabilityUse``,
    ``CapabilityCount``) and of ``organisations`` (``OrganisationUse``): after a bulk write that
    changed only their figures."""
    _count_again(capabilities=sorted(set(capabilities)), organisations=sorted(set(organisations)))


def rebuild_facets() -> None:
    """Count ``FacetCount`` again from scratch, set-based."""
    sql = _REBUILD_FACET_COUNT.format(
        parts=" UNION ALL ".join(_FACET_PARTS.values()), platforms="1 = 1", **_T
    ).format(**_T)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {_T['facet_count']} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {_T['facet_count']}")  # noqa: S608 - a table name
        cursor.execute(sql, [PUBLISHED])
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {_T['facet_count']}")


def _in(ids: list[int]) -> str:
    """``IN (...)`` of integer ids, written in the SQL (ints only: nothing to quote)."""
    return f"IN ({', '.join(str(int(pk)) for pk in ids) or 'NULL'})"


def _count_again(*, capabilities: list[int] | None, organisations: list[int] | None) -> None:
    """``None``: every row of the tables; a list: the rows of those keys only."""
    everything = capabilities is None and organisations is None
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Single-row writers wait (their upserts would otherwise land on rows about to
            # be replaced by a count that already holds their change, or not).
            cursor.execute(
                f"LOCK TABLE {_T['use']}, {_T['count']}, {_T['organisation_use']} IN EXCLUSIVE MODE"
            )
        if everything or organisations:
            keys = "1 = 1" if everything else f"organisation_id {_in(organisations or [])}"
            cursor.execute(f"DELETE FROM {_T['organisation_use']} WHERE {keys}")  # noqa: S608
            owners, adopters = (
                ("1 = 1", "1 = 1")
                if everything
                else (f"p.owner_id {_in(organisations or [])}", f"a.{keys}")
            )
            cursor.execute(
                _REBUILD_ORGANISATION.format(owners=owners, adopters=adopters, **_T),
                [PUBLISHED, PUBLISHED, IN_USE, PUBLISHED, IN_USE],
            )
        if everything or capabilities:
            keys = "1 = 1" if everything else f"capability_id {_in(capabilities or [])}"
            links = "1 = 1" if everything else f"pc.{keys}"
            platforms = (
                "IS NOT NULL"
                if everything
                else f"IN (SELECT platform_id FROM {_T['platform_capabilities']} WHERE {keys})"  # noqa: S608
            )
            cursor.execute(f"DELETE FROM {_T['use']} WHERE {keys}")  # noqa: S608
            cursor.execute(f"DELETE FROM {_T['count']} WHERE {keys}")  # noqa: S608
            cursor.execute(
                _REBUILD_USE.format(
                    in_service=_MARKS, platforms=platforms, capabilities=links, **_T
                ),
                [PUBLISHED, Platform.Phase.LIVE, IN_USE, *IN_SERVICE, PUBLISHED],
            )
            cursor.execute(
                _REBUILD_COUNT.format(in_service=_MARKS, capabilities=links, **_T),
                [PUBLISHED, *IN_SERVICE, Platform.Phase.LIVE, Platform.Phase.RETIRED, PUBLISHED],
            )
        if everything and connection.vendor == "postgresql":
            # Fresh statistics, so that the readers' plans see the new sizes at once.
            cursor.execute(f"ANALYZE {_T['use']}, {_T['count']}, {_T['organisation_use']}")


class Touched:
    """The capabilities and organisations whose figures a bulk write can change, from the
    platforms it wrote: read before the write (what they met, who owned and used them) and
    after it; and those platforms' share of ``FacetCount`` before the write, so that only the
    difference is added at its end (counting it all again takes a second at 100,000
    platforms). Beyond ``EVERYTHING_FROM`` platforms, every figure is counted again instead."""

    EVERYTHING_FROM = 10_000
    CHUNK = 5_000

    def __init__(self) -> None:
        self.capabilities: set[int] = set()
        self.organisations: set[int] = set()
        self.everything = False
        self.platforms: set[int] = set()
        self.facets_before: Counter = Counter()

    def add_platforms(self, platform_ids: Iterable[int], *, created: bool = False) -> None:
        """Platforms the write changes (before it), or changed (after it); ``created``: new
        ones, written already, that had no share of anything before. Their share of
        ``FacetCount`` is read the first time they are named; a platform first named after the
        write must be new (``created``) or keep its share (one that only gained adopters)."""
        ids = sorted({int(pk) for pk in platform_ids if pk is not None})
        if self.everything or len(ids) > self.EVERYTHING_FROM:
            self.everything = True
            return
        unseen = [pk for pk in ids if pk not in self.platforms]
        self.platforms.update(unseen)
        links = Platform.capabilities.through.objects
        for start in range(0, len(ids), self.CHUNK):
            chunk = ids[start : start + self.CHUNK]
            self.capabilities.update(
                links.filter(platform_id__in=chunk).values_list("capability_id", flat=True)
            )
            self.organisations.update(
                Platform.objects.filter(pk__in=chunk).values_list("owner_id", flat=True)
            )
            self.organisations.update(
                Adoption.objects.filter(platform_id__in=chunk).values_list(
                    "organisation_id", flat=True
                )
            )
        if not created:
            self.facets_before.update(self._facet_rows(unseen))

    def _facet_rows(self, ids: list[int]) -> Counter:
        rows: Counter = Counter()
        for start in range(0, len(ids), self.CHUNK):
            rows.update(Selection(platforms=ids[start : start + self.CHUNK]).facet_rows())
        return rows

    def keep_facets(self) -> None:
        """Add the written platforms' share of ``FacetCount`` now less their share before."""
        facets = self._facet_rows(sorted(self.platforms))
        facets.subtract(self.facets_before)
        _apply(Counter(), Counter(), Counter(), facets)


@contextmanager
def bulk_write() -> Iterator[Touched]:
    """A bulk write that says which platforms it writes (``touched.add_platforms``, before the
    write for what they were, after it for what they are): at its end only
    the figures of the capabilities and organisations touched are counted again, and the
    difference the platforms make to ``FacetCount`` is added (a full rebuild at 100,000
    platforms takes about two seconds, for an import of one row)."""
    touched = Touched()
    yield touched
    if touched.everything:
        rebuild()
    else:
        refresh(capabilities=touched.capabilities, organisations=touched.organisations)
        touched.keep_facets()


def stored() -> tuple[dict, dict, dict, dict]:
    """The tables as they are: ``({(capability, organisation, scope): (platforms, live)},
    {(capability, scope): (in_service, live, retired, platforms)},
    {(organisation, scope): (owns, adoptions, reuses, in_use)},
    {(scope, phase, is_open_source, facet, value): platforms})``."""
    use = {
        (u.capability_id, u.organisation_id, u.scope): (u.platforms, u.live_platforms)
        for u in CapabilityUse.objects.all()
    }
    count = {
        (k.capability_id, k.scope): (k.in_service, k.live, k.retired, k.platforms)
        for k in CapabilityCount.objects.all()
    }
    organisation = {
        (u.organisation_id, u.scope): (u.owns, u.adoptions, u.reuses, u.in_use)
        for u in OrganisationUse.objects.all()
    }
    facets = {
        (k.scope, k.phase, k.is_open_source, k.facet, k.value): k.platforms
        for k in FacetCount.objects.all()
    }
    return use, count, organisation, facets


def fresh() -> tuple[dict, dict, dict, dict]:
    """The same figures counted now from the platforms and adoptions, in Python (for tests)."""
    in_use: dict[int, set[int]] = {}
    for platform_id, organisation_id in Adoption.objects.filter(status=IN_USE).values_list(
        "platform_id", "organisation_id"
    ):
        in_use.setdefault(platform_id, set()).add(organisation_id)
    capabilities: dict[int, list[int]] = {}
    for platform_id, capability_id in Platform.capabilities.through.objects.values_list(
        "platform_id", "capability_id"
    ):
        capabilities.setdefault(platform_id, []).append(capability_id)
    use: Counter = Counter()
    count: Counter = Counter()
    organisations: Counter = Counter()
    platforms = {
        pk: (owner_id, 0 if state == PUBLISHED else owner_id)
        for pk, owner_id, state in Platform.objects.values_list("pk", "owner_id", "state")
    }
    reused = set()
    for platform_id, organisation_id, status in Adoption.objects.values_list(
        "platform_id", "organisation_id", "status"
    ):
        owner_id, scope = platforms[platform_id]
        if status == IN_USE:
            organisations[(organisation_id, scope, 3)] += 1
        if organisation_id != owner_id:
            organisations[(organisation_id, scope, 1)] += 1
            if status == IN_USE and (platform_id, organisation_id) not in reused:
                reused.add((platform_id, organisation_id))
                organisations[(organisation_id, scope, 2)] += 1
    facets: Counter = Counter()
    standards: dict[int, list[int]] = {}
    for platform_id, standard_id in Platform.standards.through.objects.values_list(
        "platform_id", "standard_id"
    ):
        standards.setdefault(platform_id, []).append(standard_id)
    for pk, owner_id, phase, state, is_open_source in Platform.objects.values_list(
        "pk", "owner_id", "phase", "state", "is_open_source"
    ):
        scope = 0 if state == PUBLISHED else owner_id
        key = (scope, phase, is_open_source)
        facets[(*key, "platform", 0)] += 1
        facets[(*key, "owner", owner_id)] += 1
        for capability in capabilities.get(pk, []):
            facets[(*key, "capability", capability)] += 1
        for standard in standards.get(pk, []):
            facets[(*key, "standard", standard)] += 1
        organisations[(owner_id, scope, 0)] += 1
        for capability in capabilities.get(pk, []):
            count[(capability, scope, 0)] += phase in IN_SERVICE
            count[(capability, scope, 1)] += phase == Platform.Phase.LIVE
            count[(capability, scope, 2)] += phase == Platform.Phase.RETIRED
            count[(capability, scope, 3)] += 1
            if phase in IN_SERVICE:
                for organisation in in_use.get(pk, set()) | {owner_id}:
                    use[(capability, organisation, scope, 0)] += 1
                    use[(capability, organisation, scope, 1)] += phase == Platform.Phase.LIVE
    use_rows: dict = {}
    for (capability, organisation, scope, part), n in use.items():
        use_rows.setdefault((capability, organisation, scope), [0, 0])[part] = n
    count_rows: dict = {}
    for (capability, scope, part), n in count.items():
        count_rows.setdefault((capability, scope), [0, 0, 0, 0])[part] = n
    organisation_rows: dict = {}
    for (organisation_id, scope, part), n in organisations.items():
        organisation_rows.setdefault((organisation_id, scope), [0, 0, 0, 0])[part] = n
    return (
        {k: tuple(v) for k, v in use_rows.items() if v[0]},
        {k: tuple(v) for k, v in count_rows.items() if any(v)},
        {k: tuple(v) for k, v in organisation_rows.items() if any(v)},
        dict(facets),
    )


# --- signals: every single-row write ------------------------------------------------------------

_KEY_FIELDS = ("owner_id", "phase", "state", "is_open_source")


def _platform_pre_save(sender, instance: Platform, raw: bool = False, update_fields=None, **kw):
    if raw:
        return
    if instance.pk is None or instance._state.adding:
        instance._insight_figures_new = True  # counted once saved (it has no id yet)
        return
    if update_fields is not None and not {*_KEY_FIELDS, "owner"} & set(update_fields):
        return
    before = Platform.objects.filter(pk=instance.pk).values_list(*_KEY_FIELDS).first()
    if before is None or before == tuple(getattr(instance, f) for f in _KEY_FIELDS):
        return
    instance._insight_figures = snapshot(platforms=[instance.pk])


def _keep(sender, instance, **kw) -> None:
    kept = instance.__dict__.pop("_insight_figures", None)
    if instance.__dict__.pop("_insight_figures_new", False):
        # A new platform: nothing counted before it (it meets no capability yet, and nobody
        # has adopted it), so its share is all new.
        kept = Snapshot(Selection(platforms=[instance.pk]), read=False)
    if kept is not None:
        kept.keep()


def _platform_pre_delete(sender, instance: Platform, **kw) -> None:
    instance._insight_figures = snapshot(platforms=[instance.pk])


def _adoption_pre_save(sender, instance: Adoption, raw: bool = False, **kw) -> None:
    if raw:
        return
    pairs = {(instance.platform_id, instance.organisation_id)}
    if instance.pk is not None and not instance._state.adding:
        before = Adoption.objects.filter(pk=instance.pk).values_list(
            "platform_id", "organisation_id", "status"
        )
        for platform_id, organisation_id, status in before:
            if (platform_id, organisation_id, status) == (
                instance.platform_id,
                instance.organisation_id,
                instance.status,
            ):
                return
            pairs.add((platform_id, organisation_id))
    instance._insight_figures = snapshot(pairs=pairs)


def _adoption_pre_delete(sender, instance: Adoption, **kw) -> None:
    instance._insight_figures = snapshot(pairs=[(instance.platform_id, instance.organisation_id)])


def _capabilities_changed(sender, instance, action: str, reverse: bool, pk_set, **kw) -> None:
    if action.startswith("pre_"):
        if reverse:  # capability.platforms.add(...): the platforms of pk_set, this capability
            platforms = (
                pk_set
                if pk_set is not None
                else Platform.capabilities.through.objects.filter(
                    capability_id=instance.pk
                ).values_list("platform_id", flat=True)
            )
            selection = Selection(platforms=platforms, capabilities=[instance.pk])
        else:
            selection = Selection(
                platforms=[instance.pk],
                capabilities=None if pk_set is None else pk_set,
            )
        instance._insight_figures = Snapshot(selection)
    else:
        _keep(sender, instance)


def _standards_changed(sender, instance, action: str, reverse: bool, pk_set, **kw) -> None:
    if action.startswith("pre_"):
        if reverse:  # standard.platforms.add(...): the platforms of pk_set
            platforms = (
                pk_set
                if pk_set is not None
                else Platform.standards.through.objects.filter(standard_id=instance.pk).values_list(
                    "platform_id", flat=True
                )
            )
        else:
            platforms = [instance.pk]
        instance._insight_figures = Snapshot(Selection(platforms=platforms, standards_only=True))
    else:
        _keep(sender, instance)


def _reference_deleted(sender, instance, **kw) -> None:
    """A capability or standard deleted takes its links with it (no signal for those): its
    ``FacetCount`` rows go too (``CapabilityCount`` and ``CapabilityUse`` cascade)."""
    facet = "capability" if sender is Capability else "standard"
    FacetCount.objects.filter(facet=facet, value=instance.pk).delete()


def connect() -> None:
    """Keep the figures on every single-row write (called from ``PlatformsConfig.ready``)."""
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

    uid = "insight_figures_"
    pre_save.connect(_platform_pre_save, sender=Platform, dispatch_uid=uid + "platform_pre")
    post_save.connect(_keep, sender=Platform, dispatch_uid=uid + "platform_post")
    pre_delete.connect(_platform_pre_delete, sender=Platform, dispatch_uid=uid + "platform_del")
    post_delete.connect(_keep, sender=Platform, dispatch_uid=uid + "platform_deleted")
    pre_save.connect(_adoption_pre_save, sender=Adoption, dispatch_uid=uid + "adoption_pre")
    post_save.connect(_keep, sender=Adoption, dispatch_uid=uid + "adoption_post")
    pre_delete.connect(_adoption_pre_delete, sender=Adoption, dispatch_uid=uid + "adoption_del")
    post_delete.connect(_keep, sender=Adoption, dispatch_uid=uid + "adoption_deleted")
    m2m_changed.connect(
        _capabilities_changed,
        sender=Platform.capabilities.through,
        dispatch_uid=uid + "capabilities",
    )
    m2m_changed.connect(
        _standards_changed, sender=Platform.standards.through, dispatch_uid=uid + "standards"
    )
    for model in (Capability, Standard):
        post_delete.connect(
            _reference_deleted, sender=model, dispatch_uid=uid + model.__name__ + "_deleted"
        )
