"""An organisation's profile: what it owns, what it reuses, and what it could reuse."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef

from platforms.models import (
    Adoption,
    CapabilityCount,
    CapabilityUse,
    Organisation,
    OrganisationUse,
    Platform,
)
from platforms.selectors._sql import TABLES, fetch, placeholders, ref, visible_scopes
from platforms.selectors._sql import visible_platform_ids as _visible

if TYPE_CHECKING:
    from platforms.querysets import User

# An organisation's adoption of a platform, its most advanced status first.
STATUS_ORDER = ("in_use", "piloting", "planned", "exploring", "stopped")
_STATUS_RANK = " ".join(f"WHEN '{status}' THEN {n}" for n, status in enumerate(STATUS_ORDER))

# How many of each list the profile holds: an organisation may own thousands of platforms and
# hold tens of thousands of adoptions; the profile is a summary (counts, then the first of each
# list), and the API's paginated lists hold the rest.
LISTED = 50
# Per capability it could reuse for: its own platforms meeting it, and the alternatives.
PER_CAPABILITY = 10

# Its own platforms in service (not retired) per capability, the first by name and how many
# (from the rule's own filter on its platform rows), and the profile's counts from the figures
# kept on write (``OrganisationUse``, summed over the scopes the user may see: was a join of its
# 30,000 adoptions with their platforms), and the capabilities of the platforms listed in
# ``owns`` (by name). ``part`` tells the rows apart.
_OWN = """
WITH
owned(id, slug, name) AS ({owned}),
own AS (
    SELECT pc.capability_id, p.slug, p.name,
           ROW_NUMBER() OVER (PARTITION BY pc.capability_id ORDER BY p.name, p.slug) AS n,
           COUNT(*) OVER (PARTITION BY pc.capability_id) AS total
    FROM owned p JOIN {platform_capabilities} pc ON pc.platform_id = p.id
)
SELECT 'own' AS part, own.capability_id, own.n, own.slug, own.name, own.total,
       NULL AS owns, NULL AS adoptions, NULL AS reuses
FROM own WHERE own.n <= %s
UNION ALL
SELECT 'counts', NULL, NULL, NULL, NULL, NULL, SUM(u.owns), SUM(u.adoptions), SUM(u.reuses)
FROM {organisation_use} u WHERE u.organisation_id = %s AND {scopes}
UNION ALL
SELECT 'listed', NULL, NULL, c.slug, c.name, pc.platform_id, NULL, NULL, NULL
FROM {platform_capabilities} pc JOIN {capability} c ON c.id = pc.capability_id
WHERE {listed}
ORDER BY 1, 2, 3, 5
"""


# Live platforms owned elsewhere meeting a capability its own platforms in service meet, leaving
# out those it already has in use (an anti-join on the ``adoption_in_use`` index), ranked on the
# stored ``reuse_count`` (organisations other than the owner with it in use, kept by the
# services): one top-N walk of the reuse index per capability, the first ``PER_CAPABILITY``;
# how many there are comes from the kept figures (the live platforms meeting it, less those it
# owns or has in use); only the few listed then look up where this organisation stands.
def _branch(user: User, organisation: Organisation, capability_id: int) -> tuple[str, list[Any]]:
    """One capability's first ``PER_CAPABILITY`` alternatives, built by the ORM: the visibility
    rule filters the same platform rows the reuse index walks."""
    through = Platform.capabilities.through.objects.filter(capability_id=capability_id)
    in_use = Adoption.objects.filter(
        platform=OuterRef("pk"), organisation=organisation, status=Adoption.Status.IN_USE
    )
    top = (
        Platform.objects.visible_to(user)
        .filter(pk__in=through.values("platform_id"), phase=Platform.Phase.LIVE)
        .exclude(owner=organisation)
        .filter(~Exists(in_use))
        .order_by("-reuse_count", "name", "slug")
        .values("id", "slug", "name", "owner_id", "reuse_count")[:PER_CAPABILITY]
    )
    sql, params = top.query.sql_with_params()
    return f"SELECT %s AS capability_id, b.* FROM ({sql}) AS b", [capability_id, *params]  # noqa: S608


_ALTERNATIVES = """
WITH
visible(id) AS NOT MATERIALIZED ({visible}),
candidates AS ({branches}),
live AS (
    SELECT k.capability_id, SUM(k.live) AS n FROM {count} k
    WHERE k.capability_id IN ({capabilities}) AND {count_scopes}
    GROUP BY k.capability_id
),
used AS (
    SELECT u.capability_id, SUM(u.live_platforms) AS n FROM {use} u
    WHERE u.organisation_id = %s AND u.capability_id IN ({capabilities}) AND {use_scopes}
    GROUP BY u.capability_id
)
SELECT k.capability_id, c.slug AS capability_slug, c.name AS capability_name, k.slug, k.name,
       o.slug AS owner_slug, o.name AS owner_name, k.reuse_count,
       lv.n - COALESCE(us.n, 0) AS total,
       (SELECT MIN(CASE a.status {status_rank} END) FROM {adoption} a
        WHERE a.platform_id = k.id AND a.organisation_id = %s) AS status_rank
FROM candidates k
JOIN {capability} c ON c.id = k.capability_id
JOIN {organisation} o ON o.id = k.owner_id
JOIN live lv ON lv.capability_id = k.capability_id
LEFT JOIN used us ON us.capability_id = k.capability_id
ORDER BY c.name, c.slug, k.reuse_count DESC, k.name, k.slug
"""

_KEPT = {
    "use": CapabilityUse._meta.db_table,
    "count": CapabilityCount._meta.db_table,
    "organisation_use": OrganisationUse._meta.db_table,
}


def _own_and_counts(
    organisation: Organisation, user: User, listed: list[int]
) -> list[dict[str, Any]]:
    owned = (
        Platform.objects.visible_to(user)
        .filter(owner=organisation)
        .exclude(phase=Platform.Phase.RETIRED)
        .order_by()
        .values("id", "slug", "name")
    )
    owned_sql, owned_params = owned.query.sql_with_params()
    scopes, scope_params = visible_scopes(user, "u.scope")
    listed_sql = f"pc.platform_id IN ({placeholders(listed)})" if listed else "1 = 0"
    sql = _OWN.format(owned=owned_sql, scopes=scopes, listed=listed_sql, **_KEPT, **TABLES)
    return fetch(sql, [*owned_params, PER_CAPABILITY, organisation.pk, *scope_params, *listed])


def _alternatives(
    organisation: Organisation, user: User, capability_ids: list[int]
) -> list[dict[str, Any]]:
    visible_sql, visible_params = _visible(user)
    count_scopes, count_params = visible_scopes(user, "k.scope")
    use_scopes, use_params = visible_scopes(user, "u.scope")
    org = organisation.pk
    branches = []
    params: list[Any] = [*visible_params]
    for capability_id in capability_ids:
        branch, branch_params = _branch(user, organisation, capability_id)
        branches.append(branch)
        params += branch_params
    params += [*capability_ids, *count_params, org, *capability_ids, *use_params, org]
    sql = _ALTERNATIVES.format(
        visible=visible_sql,
        branches=" UNION ALL ".join(branches),
        capabilities=placeholders(capability_ids),
        count_scopes=count_scopes,
        use_scopes=use_scopes,
        status_rank=_STATUS_RANK,
        **_KEPT,
        **TABLES,
    )
    return fetch(sql, params)


def organisation_profile(
    *, organisation: Organisation, user: User, listed: int = LISTED
) -> dict[str, Any]:
    """What ``organisation`` owns, reuses and could reuse, as ``user`` may see it: counts, and the
    first ``listed`` of each list (``PER_CAPABILITY`` per capability). Four queries whatever
    the data.

    Returns::

        {"organisation": {"slug", "name", "kind", "parent": {"slug", "name"} or None},
         "summary": {"owns": 3, "reuses": 2, "could_reuse": 1,   # a bar chart's three bars
                     "adoptions": 4},                           # every adoption of "reuses"
         "owns": [{"platform": {"slug", "name"}, "phase", "state",
                   "capabilities": [{"slug", "name"}], "reuse_count": 12}],  # first, by name
         "reuses": [{"platform": {...}, "owner": {...}, "status": "in_use",
                     "use_case": "...", "start_date": "YYYY-MM-DD" or None}],  # by platform
         "could_reuse": [{"capability": {"slug", "name"},
                          "own_platforms": [{"slug", "name"}],   # the first, by name
                          "own_platforms_count": 1,
                          "alternatives": [{"platform": {...}, "owner": {...},
                                            "reuse_count": 206,
                                            "adoption_status": "exploring" or None}],
                          "alternatives_count": 1}]}            # most reused first

    ``owns`` holds the first ``listed`` of the ``summary.owns`` platforms it owns; ``reuses`` the
    first ``listed`` of its ``summary.adoptions`` adoptions of platforms owned by others (every
    status; ``summary.reuses`` counts the platforms in use). ``could_reuse`` lists each
    capability one of its own platforms in service (not retired) meets that a live platform
    owned elsewhere also meets, with how many organisations already use that one
    (``reuse_count``) and where this organisation stands with it (``adoption_status``, None if it
    has no adoption); platforms it already has in use are left out.
    """
    visible = Platform.objects.visible_to(user)
    owned = list(
        visible.filter(owner=organisation)
        .order_by("name", "slug")
        .values("id", "slug", "name", "phase", "state", "reuse_count")[:listed]
    )
    capabilities: dict[int, list[dict[str, str]]] = {}

    adoptions = (
        Adoption.objects.filter(organisation=organisation, platform__in=visible)
        .exclude(platform__owner=organisation)
        .order_by("platform__name", "platform__slug", "use_case", "id")
        .values(
            "platform__slug",
            "platform__name",
            "platform__owner__slug",
            "platform__owner__name",
            "status",
            "use_case",
            "start_date",
        )[:listed]
    )
    reuses = [
        {
            "platform": ref(a["platform__slug"], a["platform__name"]),
            "owner": ref(a["platform__owner__slug"], a["platform__owner__name"]),
            "status": a["status"],
            "use_case": a["use_case"],
            "start_date": a["start_date"],
        }
        for a in adoptions
    ]

    own_rows = _own_and_counts(organisation, user, [p["id"] for p in owned])
    own_in_service: dict[int, list[dict[str, str]]] = {}
    own_counts: dict[int, int] = {}
    counts: dict[str, int] = {}
    for row in own_rows:
        if row["part"] == "listed":  # a capability of a platform in ``owns``
            capabilities.setdefault(row["total"], []).append(ref(row["slug"], row["name"]))
        elif row["part"] == "counts":
            counts = {
                "owns": row["owns"] or 0,
                "adoptions": row["adoptions"] or 0,
                "reuses": row["reuses"] or 0,
            }
        else:
            capability_id = row["capability_id"]
            own_in_service.setdefault(capability_id, []).append(ref(row["slug"], row["name"]))
            own_counts[capability_id] = row["total"]
    could_reuse: dict[str, dict[str, Any]] = {}
    rows = _alternatives(organisation, user, sorted(own_counts)) if own_counts else []
    for row in rows:
        entry = could_reuse.setdefault(
            row["capability_slug"],
            {
                "capability": ref(row["capability_slug"], row["capability_name"]),
                "own_platforms": own_in_service.get(row["capability_id"], []),
                "own_platforms_count": own_counts.get(row["capability_id"], 0),
                "alternatives": [],
                "alternatives_count": row["total"],
            },
        )
        rank = row["status_rank"]
        entry["alternatives"].append(
            {
                "platform": ref(row["slug"], row["name"]),
                "owner": ref(row["owner_slug"], row["owner_name"]),
                "reuse_count": row["reuse_count"],
                "adoption_status": None if rank is None else STATUS_ORDER[rank],
            }
        )

    parent = organisation.parent
    return {
        "organisation": {
            "slug": organisation.slug,
            "name": organisation.name,
            "kind": organisation.kind,
            "parent": ref(parent.slug, parent.name) if parent else None,
        },
        "summary": {
            "owns": counts["owns"],
            "reuses": counts["reuses"],
            "could_reuse": len(could_reuse),
            "adoptions": counts["adoptions"],
        },
        "owns": [
            {
                "platform": ref(p["slug"], p["name"]),
                "phase": p["phase"],
                "state": p["state"],
                "capabilities": capabilities.get(p["id"], []),
                "reuse_count": p["reuse_count"],
            }
            for p in owned
        ],
        "reuses": reuses,
        "could_reuse": list(could_reuse.values()),
    }
