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

# How many of each list the profile holds: an organisation may own thousands of platforms and
# hold tens of thousands of adoptions; the profile is a summary (counts, then the first of each
# list), and the API's paginated lists hold the rest.
LISTED = 50
# Per capability it could reuse for: its own platforms meeting it, and the alternatives.
PER_CAPABILITY = 10

# Live platforms owned elsewhere meeting a capability its own platforms in service meet, leaving
# out those it already has in use (an anti-join on the ``adoption_in_use`` index), ranked on the
# stored ``reuse_count`` (organisations other than the owner with it in use, kept by the
# services): the first ``PER_CAPABILITY`` of each capability and how many there are; only those
# few then look up where this organisation stands with them. In the same statement (one round
# trip, one plan): its own platforms in service per capability (the first by name, and how
# many), and the profile's counts. ``part`` tells the three kinds of row apart.
_PROFILE = """
WITH
visible(id) AS NOT MATERIALIZED ({visible}),
mine AS (
    SELECT DISTINCT pc.capability_id FROM {platform} p
    JOIN {platform_capabilities} pc ON pc.platform_id = p.id
    WHERE p.owner_id = %(org)s AND p.id IN (SELECT id FROM visible) AND p.phase <> 'retired'
),
candidates AS (
    SELECT pc.capability_id, p.id, p.slug, p.name, p.owner_id, p.reuse_count,
           ROW_NUMBER() OVER (
               PARTITION BY pc.capability_id ORDER BY p.reuse_count DESC, p.name, p.slug) AS n,
           COUNT(*) OVER (PARTITION BY pc.capability_id) AS total
    FROM {platform} p
    JOIN {platform_capabilities} pc ON pc.platform_id = p.id
    WHERE p.id IN (SELECT id FROM visible) AND p.phase = 'live' AND p.owner_id <> %(org)s
      AND pc.capability_id IN (SELECT capability_id FROM mine)
      AND NOT EXISTS (SELECT 1 FROM {adoption} u WHERE u.platform_id = p.id
                      AND u.organisation_id = %(org)s AND u.status = 'in_use')
),
own AS (
    SELECT pc.capability_id, p.slug, p.name,
           ROW_NUMBER() OVER (PARTITION BY pc.capability_id ORDER BY p.name, p.slug) AS n,
           COUNT(*) OVER (PARTITION BY pc.capability_id) AS total
    FROM {platform} p JOIN {platform_capabilities} pc ON pc.platform_id = p.id
    WHERE p.owner_id = %(org)s AND p.phase <> 'retired' AND p.id IN (SELECT id FROM visible)
)
SELECT 'alternative' AS part, k.capability_id, c.slug AS capability_slug,
       c.name AS capability_name, k.n, k.slug, k.name, o.slug AS owner_slug,
       o.name AS owner_name, k.reuse_count, k.total,
       (SELECT MIN(CASE a.status {status_rank} END) FROM {adoption} a
        WHERE a.platform_id = k.id AND a.organisation_id = %(org)s) AS status_rank
FROM candidates k
JOIN {capability} c ON c.id = k.capability_id
JOIN {organisation} o ON o.id = k.owner_id
WHERE k.n <= %(per_capability)s
UNION ALL
SELECT 'own', own.capability_id, NULL, NULL, own.n, own.slug, own.name, NULL, NULL, NULL,
       own.total, NULL
FROM own WHERE own.n <= %(per_capability)s
UNION ALL
SELECT 'counts', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       (SELECT COUNT(*) FROM {platform} p
        WHERE p.owner_id = %(org)s AND p.id IN (SELECT id FROM visible)),
       (SELECT COUNT(*) FROM {adoption} a JOIN {platform} p ON p.id = a.platform_id
        WHERE a.organisation_id = %(org)s AND p.owner_id <> %(org)s
          AND p.id IN (SELECT id FROM visible)),
       (SELECT COUNT(DISTINCT a.platform_id) FROM {adoption} a
        JOIN {platform} p ON p.id = a.platform_id
        WHERE a.organisation_id = %(org)s AND a.status = 'in_use' AND p.owner_id <> %(org)s
          AND p.id IN (SELECT id FROM visible))
ORDER BY part, capability_name, capability_slug, n
"""


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

    visible_sql, visible_params = _visible(user)
    params: dict[str, Any] = {"org": organisation.pk, "per_capability": PER_CAPABILITY}
    for n, value in enumerate(visible_params):  # the visibility rule's %s as named parameters
        visible_sql = visible_sql.replace("%s", f"%(visible_{n})s", 1)
        params[f"visible_{n}"] = value
    sql = _PROFILE.format(visible=visible_sql, status_rank=_STATUS_RANK, **TABLES)
    rows = fetch(sql, params)
    own_in_service: dict[int, list[dict[str, str]]] = {}
    own_counts: dict[int, int] = {}
    could_reuse: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    for row in rows:
        if row["part"] == "counts":
            # The three counts ride in the columns the other rows use for figures.
            counts = {"owns": row["reuse_count"], "adoptions": row["total"]}
            counts["reuses"] = row["status_rank"]
        elif row["part"] == "own":
            capability_id = row["capability_id"]
            own_in_service.setdefault(capability_id, []).append(ref(row["slug"], row["name"]))
            own_counts[capability_id] = row["total"]
    for row in rows:
        if row["part"] != "alternative":
            continue
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
