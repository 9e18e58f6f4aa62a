"""An organisation's profile: what it owns, what it reuses, and what it could reuse."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from platforms.models import Adoption, Organisation, Platform
from platforms.selectors._sql import TABLES, fetch, ref
from platforms.selectors._sql import visible_platform_ids as _visible

if TYPE_CHECKING:
    from platforms.querysets import User

# An organisation's adoption of a platform, its most advanced status first.
STATUS_ORDER = ("in_use", "piloting", "planned", "exploring", "stopped")
_STATUS_RANK = " ".join(f"WHEN '{status}' THEN {n}" for n, status in enumerate(STATUS_ORDER))

_COULD_REUSE = """
WITH
visible(id) AS ({visible}),
mine AS (
    SELECT DISTINCT pc.capability_id FROM {platform} p
    JOIN {platform_capabilities} pc ON pc.platform_id = p.id
    WHERE p.owner_id = %s AND p.id IN (SELECT id FROM visible) AND p.phase <> 'retired'
),
common AS (
    SELECT pc.capability_id, p.id, p.slug, p.name, p.owner_id FROM {platform} p
    JOIN {platform_capabilities} pc ON pc.platform_id = p.id
    WHERE p.id IN (SELECT id FROM visible) AND p.phase = 'live' AND p.owner_id <> %s
      AND pc.capability_id IN (SELECT capability_id FROM mine)
),
candidates AS (
    SELECT cm.capability_id, cm.id, cm.slug, cm.name, cm.owner_id,
           (SELECT COUNT(DISTINCT a.organisation_id) FROM {adoption} a
            WHERE a.platform_id = cm.id AND a.status = 'in_use'
              AND a.organisation_id <> cm.owner_id) AS reuse_count,
           (SELECT MIN(CASE a.status {status_rank} END) FROM {adoption} a
            WHERE a.platform_id = cm.id AND a.organisation_id = %s) AS status_rank
    FROM common cm
)
SELECT c.slug AS capability_slug, c.name AS capability_name, k.slug, k.name,
       o.slug AS owner_slug, o.name AS owner_name, k.reuse_count, k.status_rank
FROM candidates k
JOIN {capability} c ON c.id = k.capability_id
JOIN {organisation} o ON o.id = k.owner_id
WHERE k.status_rank IS NULL OR k.status_rank > 0
ORDER BY c.name, c.slug, k.reuse_count DESC, k.name, k.slug
"""


def organisation_profile(*, organisation: Organisation, user: User) -> dict[str, Any]:
    """What ``organisation`` owns, reuses and could reuse, as ``user`` may see it. Four queries
    whatever the data.

    Returns::

        {"organisation": {"slug", "name", "kind", "parent": {"slug", "name"} or None},
         "summary": {"owns": 3, "reuses": 2, "could_reuse": 1},   # a bar chart's three bars
         "owns": [{"platform": {"slug", "name"}, "phase", "state",
                   "capabilities": [{"slug", "name"}], "reuse_count": 12}],      # by name
         "reuses": [{"platform": {...}, "owner": {...}, "status": "in_use",
                     "use_case": "...", "start_date": "YYYY-MM-DD" or None}],   # by platform
         "could_reuse": [{"capability": {"slug", "name"},
                          "own_platforms": [{"slug", "name"}],
                          "alternatives": [{"platform": {...}, "owner": {...},
                                            "reuse_count": 206,
                                            "adoption_status": "exploring" or None}]}]}

    ``reuses`` lists its adoptions of platforms owned by others (every status; ``summary.reuses``
    counts the platforms in use). ``could_reuse`` lists each capability one of its own platforms
    in service (not retired) meets that a live platform owned elsewhere also meets, with how many
    organisations already use that one (``reuse_count``) and where this organisation stands with
    it (``adoption_status``, None if it has no adoption); platforms it already has in use are left
    out.
    """
    visible = Platform.objects.visible_to(user)
    owned = (
        visible.filter(owner=organisation)
        .with_reuse_counts()
        .order_by("name", "slug")
        .values("id", "slug", "name", "phase", "state", "reuse_count")
    )
    owned = list(owned)
    capability_rows = (
        Platform.capabilities.through.objects.filter(platform_id__in=[p["id"] for p in owned])
        .order_by("capability__name")
        .values_list("platform_id", "capability__slug", "capability__name")
    )
    capabilities: dict[int, list[dict[str, str]]] = {}
    for platform_id, slug, name in capability_rows:
        capabilities.setdefault(platform_id, []).append(ref(slug, name))

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
        )
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

    visible_sql, visible_params = _visible(user)
    sql = _COULD_REUSE.format(visible=visible_sql, status_rank=_STATUS_RANK, **TABLES)
    rows = fetch(sql, [*visible_params, organisation.pk, organisation.pk, organisation.pk])
    own_in_service: dict[str, list[dict[str, str]]] = {}
    for p in owned:
        if p["phase"] != Platform.Phase.RETIRED:
            for c in capabilities.get(p["id"], []):
                own_in_service.setdefault(c["slug"], []).append(ref(p["slug"], p["name"]))
    could_reuse: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = could_reuse.setdefault(
            row["capability_slug"],
            {
                "capability": ref(row["capability_slug"], row["capability_name"]),
                "own_platforms": own_in_service.get(row["capability_slug"], []),
                "alternatives": [],
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
            "owns": len(owned),
            "reuses": len({r["platform"]["slug"] for r in reuses if r["status"] == "in_use"}),
            "could_reuse": len(could_reuse),
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
