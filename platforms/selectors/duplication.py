"""Duplication: where government pays twice. Capabilities met by two or more platforms still in
service (beta, live or retiring), ranked by how many organisations are split across them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from platforms.models import Platform
from platforms.selectors._sql import IN_SERVICE, TABLES, fetch, placeholders, ref
from platforms.selectors._sql import visible_platform_ids as _visible

if TYPE_CHECKING:
    from platforms.querysets import User

# How many platforms each capability lists, most adopted first (``platforms_in_service`` and
# ``platforms_retired`` give the totals): a capability met by 20,000 platforms stays one short list.
PLATFORMS_LISTED = 10

# The platforms in service per capability, and who uses each of them (its owner and every
# organisation with an adoption in use), over the platforms the user may see.
#
# Set-based, one pass over the in-use adoptions: ``adopted`` reads the partial index
# ``adoption_in_use`` (platform, organisation) in order, so its DISTINCT is a scan, not a sort;
# the owners are added only where they have no adoption in use of their own platform, so every
# (capability, platform, organisation) row is unique and ``per_organisation`` is a plain hashed
# COUNT(*), with no UNION to sort (the old plan spilled 29 MB to disk for it at 100k platforms).
_USERS = """
WITH
visible(id) AS NOT MATERIALIZED ({visible}),
in_service AS (
    SELECT p.id AS platform_id, p.owner_id, pc.capability_id
    FROM {platform} p JOIN {platform_capabilities} pc ON pc.platform_id = p.id
    WHERE p.id IN (SELECT id FROM visible) AND p.phase IN ({in_service})
),
duplicated AS (
    SELECT capability_id, COUNT(*) AS platforms FROM in_service
    GROUP BY capability_id HAVING COUNT(*) >= 2
),
adopted AS (
    SELECT DISTINCT a.platform_id, a.organisation_id FROM {adoption} a WHERE a.status = 'in_use'
),
users AS (
    SELECT s.capability_id, s.platform_id, ad.organisation_id
    FROM in_service s JOIN adopted ad ON ad.platform_id = s.platform_id
    WHERE s.capability_id IN (SELECT capability_id FROM duplicated)
    UNION ALL
    SELECT s.capability_id, s.platform_id, s.owner_id FROM in_service s
    WHERE s.capability_id IN (SELECT capability_id FROM duplicated)
      AND NOT EXISTS (SELECT 1 FROM {adoption} a WHERE a.platform_id = s.platform_id
                      AND a.organisation_id = s.owner_id AND a.status = 'in_use')
),
per_organisation AS (
    SELECT capability_id, organisation_id, COUNT(*) AS platforms_used
    FROM users GROUP BY capability_id, organisation_id
)
"""

_FIGURES = """
, retired AS (
    SELECT pc.capability_id, COUNT(*) AS platforms
    FROM {platform_capabilities} pc JOIN {platform} p ON p.id = pc.platform_id
    WHERE p.phase = %s AND p.id IN (SELECT id FROM visible)
    GROUP BY pc.capability_id
),
figures AS (
    SELECT d.capability_id, d.platforms, COUNT(*) AS organisations,
           SUM(CASE WHEN po.platforms_used > 1 THEN 1 ELSE 0 END) AS organisations_on_several
    FROM duplicated d JOIN per_organisation po ON po.capability_id = d.capability_id
    GROUP BY d.capability_id, d.platforms
)
"""

_CAPABILITY_ROWS = """
SELECT c.id, c.slug, c.name, f.platforms, f.organisations, f.organisations_on_several,
       COALESCE(r.platforms, 0) AS retired,
       RANK() OVER (ORDER BY f.organisations DESC, f.platforms DESC) AS "rank"
FROM figures f JOIN {capability} c ON c.id = f.capability_id
LEFT JOIN retired r ON r.capability_id = f.capability_id
ORDER BY "rank", c.name, c.slug
"""

# The ``limit`` most adopted platforms of each duplicated capability in service, and as many
# retired ones (shown with their replacement), ranked on the stored ``reuse_count`` (organisations
# other than the owner with an adoption in use, kept by the services); their adopters then come
# from the ``adoption_in_use`` index for those few platforms only. A retired platform is no
# longer in ``users``, so any other use of the capability counts as "elsewhere" for its adopters.
_LISTED = """
, ranked AS (
    SELECT pc.capability_id, p.id, p.owner_id, p.phase,
           ROW_NUMBER() OVER (
               PARTITION BY pc.capability_id, p.phase = %s
               ORDER BY p.reuse_count DESC, p.name, p.slug) AS n
    FROM duplicated d
    JOIN {platform_capabilities} pc ON pc.capability_id = d.capability_id
    JOIN {platform} p ON p.id = pc.platform_id
    WHERE p.id IN (SELECT id FROM visible) AND p.phase IN ({in_service}, %s)
),
listed AS (SELECT * FROM ranked WHERE n <= %s),
adopters AS (
    SELECT l.capability_id, l.id,
           COUNT(*) AS adopters,
           SUM(CASE WHEN po.platforms_used > (CASE WHEN l.phase = %s THEN 0 ELSE 1 END)
                    THEN 1 ELSE 0 END) AS adopters_also_elsewhere
    FROM listed l
    JOIN adopted ad ON ad.platform_id = l.id AND ad.organisation_id <> l.owner_id
    LEFT JOIN per_organisation po
      ON po.capability_id = l.capability_id AND po.organisation_id = ad.organisation_id
    GROUP BY l.capability_id, l.id
)
"""

_PLATFORM_ROWS = """
SELECT l.capability_id, p.slug, p.name, p.phase, p.state, o.slug AS owner_slug,
       o.name AS owner_name, r.slug AS replaced_by_slug, r.name AS replaced_by_name,
       COALESCE(ad.adopters, 0) AS adopters,
       COALESCE(ad.adopters_also_elsewhere, 0) AS adopters_also_elsewhere
FROM listed l
JOIN {platform} p ON p.id = l.id
JOIN {organisation} o ON o.id = p.owner_id
LEFT JOIN adopters ad ON ad.capability_id = l.capability_id AND ad.id = l.id
LEFT JOIN {platform} r ON r.id = p.replaced_by_id AND r.id IN (SELECT id FROM visible)
ORDER BY l.capability_id, adopters DESC, p.name, p.slug
"""

_CAPABILITIES = _FIGURES + _CAPABILITY_ROWS

# Both in one statement, so that the pass over the adoptions is made once: ``part`` tells a
# capability's row from a listed platform's.
_BOTH_ROWS = """
SELECT 'capability' AS part, c.id AS capability_id, c.slug, c.name, f.platforms,
       f.organisations, f.organisations_on_several, COALESCE(rt.platforms, 0) AS retired,
       RANK() OVER (ORDER BY f.organisations DESC, f.platforms DESC) AS "rank",
       NULL AS phase, NULL AS state, NULL AS owner_slug, NULL AS owner_name,
       NULL AS replaced_by_slug, NULL AS replaced_by_name, NULL AS adopters,
       NULL AS adopters_also_elsewhere
FROM figures f JOIN {capability} c ON c.id = f.capability_id
LEFT JOIN retired rt ON rt.capability_id = f.capability_id
UNION ALL
SELECT 'platform', l.capability_id, p.slug, p.name, NULL, NULL, NULL, NULL, NULL,
       p.phase, p.state, o.slug, o.name, r.slug, r.name,
       COALESCE(ad.adopters, 0), COALESCE(ad.adopters_also_elsewhere, 0)
FROM listed l
JOIN {platform} p ON p.id = l.id
JOIN {organisation} o ON o.id = p.owner_id
LEFT JOIN adopters ad ON ad.capability_id = l.capability_id AND ad.id = l.id
LEFT JOIN {platform} r ON r.id = p.replaced_by_id AND r.id IN (SELECT id FROM visible)
"""
_BOTH = _FIGURES + _LISTED + _BOTH_ROWS


def _statement(tail: str, user: User, extra: list[Any]) -> tuple[str, list[Any]]:
    visible_sql, visible_params = _visible(user)
    sql = (_USERS + tail).format(visible=visible_sql, in_service=placeholders(IN_SERVICE), **TABLES)
    return sql, [*visible_params, *IN_SERVICE, *extra]


def duplicated_capabilities(
    *,
    user: User,
    limit: int | None = None,
    platforms_limit: int = PLATFORMS_LISTED,
    with_platforms: bool = True,
) -> list[dict[str, Any]]:
    """Capabilities met by two or more platforms in service (beta, live or retiring) that ``user``
    may see, most split first. One query whatever the data.

    Returns a list, ranked, of::

        {"rank": 1,
         "capability": {"slug", "name"},
         "capability_id": 4,              # its primary key, for links into the admin
         "platforms_in_service": 2,
         "organisations": 31,             # split across them: owners and in-use adopters
         "organisations_on_several": 2,   # of those, the ones using more than one of them
         "platforms_retired": 1,
         "platforms": [                   # in service, the platforms_limit most adopted
             {"platform": {"slug", "name"}, "phase": "live", "state": "published",
              "owner": {"slug", "name"},
              "adopters": 30,              # organisations other than the owner with it in use
              "adopters_also_elsewhere": 1,  # of those, the ones also using another of them
              "replaced_by": {"slug", "name"} or None}],
         "replaced": [                    # retired platforms that met it (as many), with their
                                          # replacement
             {"platform": ..., "phase": "retired", ..., "replaced_by": {...} or None}]}

    ``rank`` ties share a rank (SQL ``RANK()``); ``limit`` keeps the first ``limit`` capabilities;
    ``platforms_limit`` bounds ``platforms`` and ``replaced`` (the most adopted first; the totals
    are ``platforms_in_service`` and ``platforms_retired``). ``with_platforms=False`` leaves both
    lists empty and runs one query, for a summary of the figures alone.
    """
    retired = Platform.Phase.RETIRED
    if with_platforms:
        extra = [retired, retired, *IN_SERVICE, retired, platforms_limit, retired]
        both = fetch(*_statement(_BOTH, user, extra))
        capabilities = sorted(
            (row for row in both if row["part"] == "capability"),
            key=lambda row: (row["rank"], row["name"], row["slug"]),
        )
        rows = sorted(
            (row for row in both if row["part"] == "platform"),
            key=lambda row: (row["capability_id"], -row["adopters"], row["name"], row["slug"]),
        )
        for row in capabilities:
            row["id"] = row["capability_id"]
    else:
        capabilities = fetch(*_statement(_CAPABILITIES, user, [retired]))
        rows = []
    if limit is not None:
        capabilities = capabilities[:limit]
    if not capabilities:
        return []
    by_capability: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_capability.setdefault(row["capability_id"], []).append(
            {
                "platform": ref(row["slug"], row["name"]),
                "phase": row["phase"],
                "state": row["state"],
                "owner": ref(row["owner_slug"], row["owner_name"]),
                "adopters": row["adopters"],
                "adopters_also_elsewhere": row["adopters_also_elsewhere"],
                "replaced_by": ref(row["replaced_by_slug"], row["replaced_by_name"]),
            }
        )
    return [
        {
            "rank": row["rank"],
            "capability": ref(row["slug"], row["name"]),
            "capability_id": row["id"],
            "platforms_in_service": row["platforms"],
            "platforms_retired": row["retired"],
            "organisations": row["organisations"],
            "organisations_on_several": row["organisations_on_several"],
            "platforms": [p for p in by_capability.get(row["id"], []) if p["phase"] != "retired"],
            "replaced": [p for p in by_capability.get(row["id"], []) if p["phase"] == "retired"],
        }
        for row in capabilities
    ]
