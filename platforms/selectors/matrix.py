"""The adoption matrix: which organisation uses which platform, filterable by capability,
organisation kind and parent department (the department and every body beneath it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from platforms.models import Capability, Organisation
from platforms.selectors._sql import TABLES, fetch, placeholders, ref
from platforms.selectors._sql import visible_platform_ids as _visible
from platforms.selectors.profiles import STATUS_ORDER

if TYPE_CHECKING:
    from platforms.querysets import User

_STATUS_RANK = " ".join(f"WHEN '{status}' THEN {n}" for n, status in enumerate(STATUS_ORDER))

# ``tree`` is the parent and every body beneath it: UNION (not UNION ALL) drops rows already
# found, so a cycle in the register's parent links ends the recursion instead of looping.
_CTES = """
WITH RECURSIVE
visible(id) AS ({visible}),
tree(id) AS (
    SELECT o.id FROM {organisation} o WHERE o.id = %s
    UNION
    SELECT o.id FROM {organisation} o JOIN tree t ON o.parent_id = t.id
),
columns AS (
    SELECT p.id FROM {platform} p WHERE p.id IN (SELECT id FROM visible) {capability_filter}
),
members AS (
    SELECT o.id FROM {organisation} o WHERE 1 = 1 {kind_filter} {parent_filter}
),
cell AS (
    SELECT a.organisation_id, a.platform_id, MIN(CASE a.status {status_rank} END) AS status_rank,
           COUNT(*) AS adoptions
    FROM {adoption} a
    WHERE a.platform_id IN (SELECT id FROM columns)
      AND a.organisation_id IN (SELECT id FROM members)
    GROUP BY a.organisation_id, a.platform_id
)
"""

_CAPABILITY_FILTER = """AND p.id IN (
    SELECT platform_id FROM {platform_capabilities} WHERE capability_id IN ({marks}))"""
_KIND_FILTER = "AND o.kind IN ({marks})"

_CELLS = """
SELECT o.slug AS organisation, p.slug AS platform, c.status_rank, c.adoptions
FROM cell c JOIN {organisation} o ON o.id = c.organisation_id
JOIN {platform} p ON p.id = c.platform_id
ORDER BY o.name, o.slug, p.name, p.slug
"""

_PLATFORMS = """
SELECT p.slug, p.name, p.phase, ow.slug AS owner_slug, ow.name AS owner_name,
       COUNT(c.organisation_id) AS organisations,
       SUM(CASE WHEN c.status_rank = 0 THEN 1 ELSE 0 END) AS in_use
FROM columns k JOIN {platform} p ON p.id = k.id JOIN {organisation} ow ON ow.id = p.owner_id
LEFT JOIN cell c ON c.platform_id = p.id
GROUP BY p.id, p.slug, p.name, p.phase, ow.slug, ow.name
ORDER BY p.name, p.slug
"""

_ORGANISATIONS = """
SELECT o.slug, o.name, o.kind, par.slug AS parent_slug, par.name AS parent_name,
       COUNT(*) AS platforms, SUM(CASE WHEN c.status_rank = 0 THEN 1 ELSE 0 END) AS in_use
FROM cell c JOIN {organisation} o ON o.id = c.organisation_id
LEFT JOIN {organisation} par ON par.id = o.parent_id
GROUP BY o.id, o.slug, o.name, o.kind, par.slug, par.name
ORDER BY o.name, o.slug
"""


def adoption_matrix(
    *,
    user: User,
    capabilities: Sequence[Capability] = (),
    kinds: Sequence[str] = (),
    parent: Organisation | None = None,
) -> dict[str, Any]:
    """The organisation x platform adoption matrix over the platforms ``user`` may see. Three
    queries whatever the data.

    ``capabilities``: only platforms meeting one of them; ``kinds``: only organisations of these
    kinds (``Organisation.Kind`` values); ``parent``: only that organisation and every body
    beneath it, at any depth.

    Returns (a heat map's columns, rows and cells)::

        {"platforms": [{"platform": {"slug", "name"}, "phase", "owner": {"slug", "name"},
                        "organisations": 12, "in_use": 10}],          # every column, by name
         "organisations": [{"organisation": {"slug", "name"}, "kind",
                            "parent": {"slug", "name"} or None,
                            "platforms": 2, "in_use": 1}],            # rows with a cell, by name
         "cells": [{"organisation": "slug", "platform": "slug",
                    "status": "in_use", "adoptions": 1}]}

    A cell's ``status`` is the most advanced of the organisation's adoptions of the platform (in
    use, piloting, planned, exploring, stopped); ``adoptions`` counts them (one per use case).
    """
    visible_sql, visible_params = _visible(user)
    capability_filter = kind_filter = parent_filter = ""
    params: list[Any] = [*visible_params, parent.pk if parent else None]
    if capabilities:
        capability_filter = _CAPABILITY_FILTER.format(marks=placeholders(capabilities), **TABLES)
        params += [c.pk for c in capabilities]
    if kinds:
        kind_filter = _KIND_FILTER.format(marks=placeholders(kinds))
        params += list(kinds)
    if parent is not None:
        parent_filter = "AND o.id IN (SELECT id FROM tree)"
    ctes = _CTES.format(
        visible=visible_sql,
        capability_filter=capability_filter,
        kind_filter=kind_filter,
        parent_filter=parent_filter,
        status_rank=_STATUS_RANK,
        **TABLES,
    )

    def run(tail: str) -> list[dict[str, Any]]:
        return fetch(ctes + tail.format(**TABLES), params)

    return {
        "platforms": [
            {
                "platform": ref(row["slug"], row["name"]),
                "phase": row["phase"],
                "owner": ref(row["owner_slug"], row["owner_name"]),
                "organisations": row["organisations"],
                "in_use": row["in_use"] or 0,
            }
            for row in run(_PLATFORMS)
        ],
        "organisations": [
            {
                "organisation": ref(row["slug"], row["name"]),
                "kind": row["kind"],
                "parent": ref(row["parent_slug"], row["parent_name"]),
                "platforms": row["platforms"],
                "in_use": row["in_use"],
            }
            for row in run(_ORGANISATIONS)
        ],
        "cells": [
            {
                "organisation": row["organisation"],
                "platform": row["platform"],
                "status": STATUS_ORDER[row["status_rank"]],
                "adoptions": row["adoptions"],
            }
            for row in run(_CELLS)
        ],
    }
