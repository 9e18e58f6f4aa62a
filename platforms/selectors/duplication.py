"""Duplication: where government pays twice. Capabilities met by two or more platforms still in
service (beta, live or retiring), ranked by how many organisations are split across them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from platforms.models import CapabilityCount, CapabilityUse, Platform
from platforms.selectors._sql import IN_SERVICE, TABLES, fetch, placeholders, ref, visible_scopes
from platforms.selectors._sql import visible_platform_ids as _visible

if TYPE_CHECKING:
    from platforms.querysets import User

# How many platforms each capability lists, most adopted first (``platforms_in_service`` and
# ``platforms_retired`` give the totals): a capability met by 20,000 platforms stays one short list.
PLATFORMS_LISTED = 10

# Set-based over the figures kept on write (``platforms.insight_figures``): per capability, the
# platforms in service and retired (``CapabilityCount``), and per organisation how many of those
# platforms it uses, its own or adopted in use (``CapabilityUse``), summed over the visibility
# scopes the user may see (0, published, and the owners of the unpublished platforms it may see).
# A few thousand narrow rows, instead of one pass over every adoption in use (1.9 s at 100k).
_FIGURES = """
WITH
counts AS (
    SELECT k.capability_id, SUM(k.in_service) AS platforms, SUM(k.retired) AS retired
    FROM {count} k WHERE {count_scopes}
    GROUP BY k.capability_id
),
duplicated AS (SELECT capability_id, platforms, retired FROM counts WHERE platforms >= 2),
per_organisation AS (
    SELECT u.capability_id, u.organisation_id, SUM(u.platforms) AS platforms_used
    FROM {use} u
    WHERE {use_scopes} AND u.capability_id IN (SELECT capability_id FROM duplicated)
    GROUP BY u.capability_id, u.organisation_id
),
figures AS (
    SELECT d.capability_id, d.platforms, d.retired, COUNT(*) AS organisations,
           SUM(CASE WHEN po.platforms_used > 1 THEN 1 ELSE 0 END) AS organisations_on_several
    FROM duplicated d JOIN per_organisation po ON po.capability_id = d.capability_id
    GROUP BY d.capability_id, d.platforms, d.retired
)
SELECT c.id, c.slug, c.name, f.platforms, f.organisations, f.organisations_on_several,
       f.retired, RANK() OVER (ORDER BY f.organisations DESC, f.platforms DESC) AS "rank"
FROM figures f JOIN {capability} c ON c.id = f.capability_id
ORDER BY "rank", c.name, c.slug
"""


# The ``limit`` most adopted platforms in service of each capability shown, ranked on the stored
# ``reuse_count`` (organisations other than the owner with an adoption in use, kept by the
# services): one branch per capability, each a top-N walk of the platforms by reuse (not a sort
# of the 100k platform-capability rows); and as many retired ones (shown with their
# replacement). Their adopters then come from the ``adoption_in_use`` index for those few
# platforms only, each looked up in the kept figures. A retired platform is not counted in
# ``CapabilityUse``, so any other use of the capability counts as "elsewhere" for its adopters.
def _in_service_branch(user: User, capability_id: int, limit: int) -> tuple[str, list[Any]]:
    """One capability's ``limit`` most reused platforms in service that ``user`` may see, built
    by the ORM: the visibility rule filters the same platform rows the reuse index walks."""
    through = Platform.capabilities.through.objects.filter(capability_id=capability_id)
    top = (
        Platform.objects.visible_to(user)
        .filter(pk__in=through.values("platform_id"), phase__in=IN_SERVICE)
        .order_by("-reuse_count", "name", "slug")
        .values("id", "owner_id", "phase")[:limit]
    )
    sql, params = top.query.sql_with_params()
    return f"SELECT %s AS capability_id, b.* FROM ({sql}) AS b", [capability_id, *params]  # noqa: S608


_RETIRED_BRANCH = """
SELECT capability_id, id, owner_id, phase FROM (
    SELECT pc.capability_id, p.id, p.owner_id, p.phase,
           ROW_NUMBER() OVER (
               PARTITION BY pc.capability_id ORDER BY p.reuse_count DESC, p.name, p.slug) AS n
    FROM {platform_capabilities} pc JOIN {platform} p ON p.id = pc.platform_id
    WHERE pc.capability_id IN ({capabilities}) AND p.phase = %s
      AND p.id IN (SELECT id FROM visible)
) AS ranked WHERE n <= %s
"""

# The listed platforms' figures without reading their adopters (the most adopted have thousands):
# ``adopters`` is the stored ``reuse_count`` (the same count, kept by the services); those "also
# elsewhere" are all of them but the ones for whom it is the only platform of the capability in
# use (``single``: a few hundred organisation-capability pairs at 100k, each checked on the
# ``adoption_in_use`` index). A retired platform is in no kept figure: its few adopters are read.
_LISTED = """
WITH
visible(id) AS NOT MATERIALIZED ({visible}),
listed AS ({branches}),
single AS (
    SELECT u.capability_id, u.organisation_id FROM {use} u
    WHERE {use_scopes} AND u.platforms = 1 AND u.capability_id IN ({capabilities})
      AND NOT EXISTS (
          SELECT 1 FROM {use} v
          WHERE v.capability_id = u.capability_id AND v.organisation_id = u.organisation_id
            AND v.scope <> u.scope AND {other_scopes})
),
singles AS (
    SELECT l.capability_id, l.id, COUNT(*) AS n
    FROM listed l JOIN single s ON s.capability_id = l.capability_id
    WHERE l.phase <> %s AND s.organisation_id <> l.owner_id
      AND EXISTS (SELECT 1 FROM {adoption} a WHERE a.platform_id = l.id
                  AND a.organisation_id = s.organisation_id AND a.status = 'in_use')
    GROUP BY l.capability_id, l.id
),
retired_adopted AS (
    SELECT DISTINCT a.platform_id, a.organisation_id FROM {adoption} a
    WHERE a.status = 'in_use' AND a.platform_id IN (SELECT id FROM listed WHERE phase = %s)
),
retired_adopters AS (
    SELECT l.capability_id, l.id, COUNT(*) AS adopters,
           SUM(CASE WHEN EXISTS (
               SELECT 1 FROM {use} u WHERE u.capability_id = l.capability_id
               AND u.organisation_id = ad.organisation_id AND {use_scopes})
               THEN 1 ELSE 0 END) AS adopters_also_elsewhere
    FROM listed l
    JOIN retired_adopted ad ON ad.platform_id = l.id AND ad.organisation_id <> l.owner_id
    GROUP BY l.capability_id, l.id
),
figured AS (
    SELECT l.capability_id, l.id,
           CASE WHEN l.phase = %s THEN COALESCE(ra.adopters, 0)
                ELSE p.reuse_count END AS adopters,
           CASE WHEN l.phase = %s THEN COALESCE(ra.adopters_also_elsewhere, 0)
                ELSE p.reuse_count - COALESCE(sg.n, 0) END AS adopters_also_elsewhere
    FROM listed l JOIN {platform} p ON p.id = l.id
    LEFT JOIN singles sg ON sg.capability_id = l.capability_id AND sg.id = l.id
    LEFT JOIN retired_adopters ra ON ra.capability_id = l.capability_id AND ra.id = l.id
)
SELECT l.capability_id, p.slug, p.name, p.phase, p.state, o.slug AS owner_slug,
       o.name AS owner_name, r.slug AS replaced_by_slug, r.name AS replaced_by_name,
       f.adopters, f.adopters_also_elsewhere
FROM listed l
JOIN figured f ON f.capability_id = l.capability_id AND f.id = l.id
JOIN {platform} p ON p.id = l.id
JOIN {organisation} o ON o.id = p.owner_id
LEFT JOIN {platform} r ON r.id = p.replaced_by_id AND r.id IN (SELECT id FROM visible)
ORDER BY l.capability_id, f.adopters DESC, p.name, p.slug
"""

_KEPT = {"use": CapabilityUse._meta.db_table, "count": CapabilityCount._meta.db_table}


def _figures(user: User) -> list[dict[str, Any]]:
    count_scopes, count_params = visible_scopes(user, "k.scope")
    use_scopes, use_params = visible_scopes(user, "u.scope")
    sql = _FIGURES.format(count_scopes=count_scopes, use_scopes=use_scopes, **_KEPT, **TABLES)
    return fetch(sql, [*count_params, *use_params])


def _listed(user: User, capability_ids: list[int], limit: int) -> list[dict[str, Any]]:
    visible_sql, visible_params = _visible(user)
    use_scopes, use_params = visible_scopes(user, "u.scope")
    other_scopes, other_params = visible_scopes(user, "v.scope")
    retired = Platform.Phase.RETIRED
    marks = placeholders(capability_ids)
    branches = []
    params: list[Any] = [*visible_params]
    for capability_id in capability_ids:
        branch, branch_params = _in_service_branch(user, capability_id, limit)
        branches.append(branch)
        params += branch_params
    branches.append(_RETIRED_BRANCH.format(capabilities=marks, **TABLES))
    params += [*capability_ids, retired, limit]
    params += [*use_params, *capability_ids, *other_params]  # single
    params += [retired]  # singles
    params += [retired]  # retired_adopted
    params += [*use_params]  # retired_adopters
    params += [retired, retired]  # figured
    sql = _LISTED.format(
        visible=visible_sql,
        branches=" UNION ALL ".join(branches),
        capabilities=marks,
        use_scopes=use_scopes,
        other_scopes=other_scopes,
        **_KEPT,
        **TABLES,
    )
    return fetch(sql, params)


def duplicated_capabilities(
    *,
    user: User,
    limit: int | None = None,
    platforms_limit: int = PLATFORMS_LISTED,
    with_platforms: bool = True,
) -> list[dict[str, Any]]:
    """Capabilities met by two or more platforms in service (beta, live or retiring) that ``user``
    may see, most split first. Two queries whatever the data (the figures, then the listed
    platforms).

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
    capabilities = _figures(user)
    if limit is not None:
        capabilities = capabilities[:limit]
    return _described(user, capabilities, platforms_limit, with_platforms)


def duplicated_summary(
    *, user: User, limit: int, platforms_limit: int = PLATFORMS_LISTED
) -> tuple[int, list[dict[str, Any]]]:
    """How many capabilities ``duplicated_capabilities`` holds, and its first ``limit`` (as
    ``duplicated_capabilities(limit=limit)`` returns them). Two queries whatever the data: the
    platforms are listed for the first ``limit`` only (the admin home shows five)."""
    capabilities = _figures(user)
    return len(capabilities), _described(
        user, capabilities[:limit], platforms_limit, with_platforms=True
    )


def _described(
    user: User, capabilities: list[dict[str, Any]], platforms_limit: int, with_platforms: bool
) -> list[dict[str, Any]]:
    if not capabilities:
        return []
    rows = _listed(user, [c["id"] for c in capabilities], platforms_limit) if with_platforms else []
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
