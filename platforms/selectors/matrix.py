"""The adoption matrix: which organisation uses which platform, filterable by capability,
organisation kind and parent department (the department and every body beneath it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from platforms.models import Capability, Organisation, Platform
from platforms.selectors._sql import TABLES, fetch, placeholders, ref
from platforms.selectors.profiles import STATUS_ORDER

if TYPE_CHECKING:
    from platforms.querysets import User

_STATUS_RANK = " ".join(f"WHEN '{status}' THEN {n}" for n, status in enumerate(STATUS_ORDER))

# ``tree`` is the parent and every body beneath it: UNION (not UNION ALL) drops rows already
# found, so a cycle in the register's parent links ends the recursion instead of looping.
# Bounded at any size: the columns are the ``columns`` platforms (of those the filters keep) with
# the most organisations among the rows' organisations, counted in one GROUP BY over the
# adoptions of the filtered platforms (index-only on ``adoption_platform_org_status``,
# distinct pairs hashed, then counted); the rows are one page of the organisations using them,
# by name; the cells are those of that page, also read from that index alone. Totals say how
# much more there is.
_CTES = """
WITH RECURSIVE
tree(id) AS (
    SELECT o.id FROM {organisation} o WHERE o.id = %s
    UNION
    SELECT o.id FROM {organisation} o JOIN tree t ON o.parent_id = t.id
),
columns AS (
    {columns}
),
members AS (
    SELECT o.id FROM {organisation} o WHERE 1 = 1 {kind_filter} {parent_filter}
),
counted AS (
    SELECT u.platform_id, COUNT(*) AS organisations
    FROM (
        SELECT DISTINCT a.platform_id, a.organisation_id FROM {adoption} a
        WHERE a.platform_id IN (SELECT id FROM columns) {member_filter}
    ) u
    GROUP BY u.platform_id
),
shown AS (
    SELECT k.platform_id AS id FROM counted k JOIN {platform} p ON p.id = k.platform_id
    ORDER BY k.organisations DESC, p.name, p.slug
    LIMIT %s
),
cell AS (
    SELECT a.organisation_id, a.platform_id, MIN(CASE a.status {status_rank} END) AS status_rank,
           COUNT(*) AS adoptions
    FROM {adoption} a
    WHERE a.platform_id IN (SELECT id FROM shown) {member_filter}
    GROUP BY a.organisation_id, a.platform_id
),
row_figures AS (
    SELECT c.organisation_id, COUNT(*) AS platforms,
           SUM(CASE WHEN c.status_rank = 0 THEN 1 ELSE 0 END) AS in_use
    FROM cell c GROUP BY c.organisation_id
),
page AS (
    SELECT r.organisation_id, r.platforms, r.in_use, o.name, o.slug
    FROM row_figures r JOIN {organisation} o ON o.id = r.organisation_id
    ORDER BY o.name, o.slug
    LIMIT %s OFFSET %s
)
"""

_KIND_FILTER = "AND o.kind IN ({marks})"

# The columns, the page of rows, the cells and the totals in one statement, so that the CTEs
# (the counts over every adoption of the filtered platforms) run once, not once per part: ``part``
# tells the rows apart, ``s1``..``s4`` order each part as its own query would.
_ALL = """
SELECT 'platform' AS part, p.slug, p.name, p.phase AS kind, ow.slug AS ref_slug,
       ow.name AS ref_name, k.organisations AS n1,
       (SELECT COUNT(*) FROM cell c WHERE c.platform_id = p.id AND c.status_rank = 0) AS n2,
       NULL AS n3, NULL AS cell_platform, p.name AS s1, p.slug AS s2, NULL AS s3, NULL AS s4
FROM shown s JOIN {platform} p ON p.id = s.id JOIN counted k ON k.platform_id = s.id
JOIN {organisation} ow ON ow.id = p.owner_id
UNION ALL
SELECT 'totals', NULL, NULL, NULL, NULL, NULL, (SELECT COUNT(*) FROM columns),
       (SELECT COUNT(*) FROM counted), (SELECT COUNT(*) FROM row_figures), NULL, NULL, NULL,
       NULL, NULL
UNION ALL
SELECT 'organisation', pg.slug, pg.name, o.kind, par.slug, par.name, pg.platforms, pg.in_use,
       NULL, NULL, pg.name, pg.slug, NULL, NULL
FROM page pg JOIN {organisation} o ON o.id = pg.organisation_id
LEFT JOIN {organisation} par ON par.id = o.parent_id
UNION ALL
SELECT 'cell', pg.slug, NULL, NULL, NULL, NULL, c.status_rank, c.adoptions, NULL, p.slug,
       pg.name, pg.slug, p.name, p.slug
FROM cell c JOIN page pg ON pg.organisation_id = c.organisation_id
JOIN {platform} p ON p.id = c.platform_id
ORDER BY 1, 11, 12, 13, 14
"""

# Defaults: a heat map's worth of columns, a page of rows.
COLUMNS = 50
ROWS = 100


def adoption_matrix(
    *,
    user: User,
    capabilities: Sequence[Capability] = (),
    kinds: Sequence[str] = (),
    parent: Organisation | None = None,
    columns: int = COLUMNS,
    rows: int = ROWS,
    offset: int = 0,
) -> dict[str, Any]:
    """The organisation x platform adoption matrix over the platforms ``user`` may see, bounded:
    the ``columns`` platforms with the most organisations, and the page of ``rows``
    organisations from ``offset`` (by name) using them. One query whatever the data.

    ``capabilities``: only platforms meeting one of them; ``kinds``: only organisations of these
    kinds (``Organisation.Kind`` values); ``parent``: only that organisation and every body
    beneath it, at any depth.

    Returns (a heat map's columns, rows and cells)::

        {"platforms": [{"platform": {"slug", "name"}, "phase", "owner": {"slug", "name"},
                        "organisations": 12, "in_use": 10}],   # the columns, most used first
         "platforms_count": 9473,        # platforms the filters keep
         "platforms_used": 9000,         # of those, with an organisation (of the rows' kind)
         "organisations": [{"organisation": {"slug", "name"}, "kind",
                            "parent": {"slug", "name"} or None,
                            "platforms": 2, "in_use": 1}],     # a page of rows, by name
         "organisations_count": 4000,    # every row: organisations using one of the columns
         "cells": [{"organisation": "slug", "platform": "slug",
                    "status": "in_use", "adoptions": 1}]}

    A cell's ``status`` is the most advanced of the organisation's adoptions of the platform (in
    use, piloting, planned, exploring, stopped); ``adoptions`` counts them (one per use case).
    """
    # The columns straight from the visibility rule (the ORM's one filter on the platform rows),
    # not "id IN (the visible ids)": that looked each platform up a second time.
    platforms = Platform.objects.visible_to(user)
    if capabilities:
        through = Platform.capabilities.through.objects
        platforms = platforms.filter(
            pk__in=through.filter(capability__in=capabilities).values("platform_id")
        )
    columns_sql, columns_params = platforms.order_by().values("id").query.sql_with_params()
    kind_filter = parent_filter = ""
    params: list[Any] = [parent.pk if parent else None, *columns_params]
    if kinds:
        kind_filter = _KIND_FILTER.format(marks=placeholders(kinds))
        params += list(kinds)
    if parent is not None:
        parent_filter = "AND o.id IN (SELECT id FROM tree)"
    # Without a filter on the organisations every adopter is a member: no lookup to make.
    member_filter = "AND a.organisation_id IN (SELECT id FROM members)" if kinds or parent else ""
    ctes = _CTES.format(
        member_filter=member_filter,
        columns=columns_sql,
        kind_filter=kind_filter,
        parent_filter=parent_filter,
        status_rank=_STATUS_RANK,
        **TABLES,
    )

    params += [columns, rows, offset]

    rows = fetch(ctes + _ALL.format(**TABLES), params)
    totals = next(row for row in rows if row["part"] == "totals")
    return {
        "platforms_count": totals["n1"] or 0,
        "platforms_used": totals["n2"] or 0,
        "organisations_count": totals["n3"] or 0,
        "platforms": [
            {
                "platform": ref(row["slug"], row["name"]),
                "phase": row["kind"],
                "owner": ref(row["ref_slug"], row["ref_name"]),
                "organisations": row["n1"],
                "in_use": row["n2"] or 0,
            }
            for row in rows
            if row["part"] == "platform"
        ],
        "organisations": [
            {
                "organisation": ref(row["slug"], row["name"]),
                "kind": row["kind"],
                "parent": ref(row["ref_slug"], row["ref_name"]),
                "platforms": row["n1"],
                "in_use": row["n2"],
            }
            for row in rows
            if row["part"] == "organisation"
        ],
        "cells": [
            {
                "organisation": row["slug"],
                "platform": row["cell_platform"],
                "status": STATUS_ORDER[row["n1"]],
                "adoptions": row["n2"],
            }
            for row in rows
            if row["part"] == "cell"
        ],
    }
