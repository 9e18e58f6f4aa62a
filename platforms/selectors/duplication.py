"""Duplication: where government pays twice. Capabilities met by two or more platforms still in
service (beta, live or retiring), ranked by how many organisations are split across them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from platforms.models import Platform
from platforms.selectors._sql import IN_SERVICE, TABLES, fetch, placeholders, ref
from platforms.selectors._sql import visible_platform_ids as _visible

if TYPE_CHECKING:
    from platforms.querysets import User

# The platforms in service per capability, and who uses each of them (its owner and every
# organisation with an adoption in use), over the platforms the user may see.
_USERS = """
WITH
visible(id) AS ({visible}),
in_service AS (
    SELECT p.id AS platform_id, p.owner_id, pc.capability_id
    FROM {platform} p JOIN {platform_capabilities} pc ON pc.platform_id = p.id
    WHERE p.id IN (SELECT id FROM visible) AND p.phase IN ({in_service})
),
duplicated AS (
    SELECT capability_id, COUNT(*) AS platforms FROM in_service
    GROUP BY capability_id HAVING COUNT(*) >= 2
),
users AS (
    SELECT s.capability_id, s.platform_id, a.organisation_id
    FROM in_service s JOIN {adoption} a ON a.platform_id = s.platform_id
    WHERE a.status = 'in_use' AND s.capability_id IN (SELECT capability_id FROM duplicated)
    UNION
    SELECT s.capability_id, s.platform_id, s.owner_id FROM in_service s
    WHERE s.capability_id IN (SELECT capability_id FROM duplicated)
),
per_organisation AS (
    SELECT capability_id, organisation_id, COUNT(*) AS platforms_used
    FROM users GROUP BY capability_id, organisation_id
)
"""

_CAPABILITIES = """
, figures AS (
    SELECT d.capability_id, d.platforms, COUNT(*) AS organisations,
           SUM(CASE WHEN po.platforms_used > 1 THEN 1 ELSE 0 END) AS organisations_on_several
    FROM duplicated d JOIN per_organisation po ON po.capability_id = d.capability_id
    GROUP BY d.capability_id, d.platforms
)
SELECT c.id, c.slug, c.name, f.platforms, f.organisations, f.organisations_on_several,
       RANK() OVER (ORDER BY f.organisations DESC, f.platforms DESC) AS "rank"
FROM figures f JOIN {capability} c ON c.id = f.capability_id
ORDER BY "rank", c.name, c.slug
"""

# Every platform of a duplicated capability, in service or retired (shown with its replacement).
_PLATFORMS = """
SELECT pc.capability_id, p.slug, p.name, p.phase, p.state, o.slug AS owner_slug,
       o.name AS owner_name, r.slug AS replaced_by_slug, r.name AS replaced_by_name,
       (SELECT COUNT(DISTINCT a.organisation_id) FROM {adoption} a
        WHERE a.platform_id = p.id AND a.status = 'in_use' AND a.organisation_id <> p.owner_id
       ) AS adopters,
       (SELECT COUNT(DISTINCT a.organisation_id) FROM {adoption} a
        WHERE a.platform_id = p.id AND a.status = 'in_use' AND a.organisation_id <> p.owner_id
          AND EXISTS (SELECT 1 FROM users u WHERE u.capability_id = pc.capability_id
                      AND u.organisation_id = a.organisation_id AND u.platform_id <> p.id)
       ) AS adopters_also_elsewhere
FROM duplicated d
JOIN {platform_capabilities} pc ON pc.capability_id = d.capability_id
JOIN {platform} p ON p.id = pc.platform_id
JOIN {organisation} o ON o.id = p.owner_id
LEFT JOIN {platform} r ON r.id = p.replaced_by_id AND r.id IN (SELECT id FROM visible)
WHERE p.id IN (SELECT id FROM visible) AND p.phase IN ({in_service}, %s)
ORDER BY pc.capability_id, adopters DESC, p.name, p.slug
"""


def _statement(tail: str, user: User, extra: list[Any]) -> tuple[str, list[Any]]:
    visible_sql, visible_params = _visible(user)
    sql = (_USERS + tail).format(visible=visible_sql, in_service=placeholders(IN_SERVICE), **TABLES)
    return sql, [*visible_params, *IN_SERVICE, *extra]


def duplicated_capabilities(*, user: User, limit: int | None = None) -> list[dict[str, Any]]:
    """Capabilities met by two or more platforms in service (beta, live or retiring) that ``user``
    may see, most split first. Two queries whatever the data.

    Returns a list, ranked, of::

        {"rank": 1,
         "capability": {"slug", "name"},
         "capability_id": 4,              # its primary key, for links into the admin
         "platforms_in_service": 2,
         "organisations": 31,             # split across them: owners and in-use adopters
         "organisations_on_several": 2,   # of those, the ones using more than one of them
         "platforms": [                   # in service, most adopted first
             {"platform": {"slug", "name"}, "phase": "live", "state": "published",
              "owner": {"slug", "name"},
              "adopters": 30,              # organisations other than the owner with it in use
              "adopters_also_elsewhere": 1,  # of those, the ones also using another of them
              "replaced_by": {"slug", "name"} or None}],
         "replaced": [                    # retired platforms that met it, with their replacement
             {"platform": ..., "phase": "retired", ..., "replaced_by": {...} or None}]}

    ``rank`` ties share a rank (SQL ``RANK()``); ``limit`` keeps the first ``limit`` capabilities.
    """
    capabilities = fetch(*_statement(_CAPABILITIES, user, []))
    if limit is not None:
        capabilities = capabilities[:limit]
    if not capabilities:
        return []
    rows = fetch(*_statement(_PLATFORMS, user, [*IN_SERVICE, Platform.Phase.RETIRED]))
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
            "organisations": row["organisations"],
            "organisations_on_several": row["organisations_on_several"],
            "platforms": [p for p in by_capability.get(row["id"], []) if p["phase"] != "retired"],
            "replaced": [p for p in by_capability.get(row["id"], []) if p["phase"] == "retired"],
        }
        for row in capabilities
    ]
