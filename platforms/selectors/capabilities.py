"""Capabilities: every need in the taxonomy with how many platforms meet it (the home page's
tiles)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from platforms.models import CapabilityCount, FacetCount
from platforms.selectors._sql import TABLES, fetch, visible_scopes

if TYPE_CHECKING:
    from platforms.querysets import User

# Read from the figures kept on write (``platforms.insight_figures``: ``CapabilityCount.platforms``,
# every phase), summed over the visibility scopes the reader may see: a few rows per capability,
# where counting the links of the visible platforms joined every link (160,000 at 100,000
# platforms) with every published platform (150-210 ms). A capability no visible platform meets
# is listed too, at 0.
_COUNTS = """
SELECT c.slug, c.name, COALESCE(SUM(k.platforms), 0) AS platform_count
FROM {capability} c
LEFT JOIN {count} k ON k.capability_id = c.id AND {scopes}
GROUP BY c.id, c.slug, c.name
ORDER BY c.name
"""


def capability_platform_counts(*, user: User) -> list[dict[str, Any]]:
    """Every capability, by name, with the number of platforms ``user`` may see meeting it,
    whatever their phase (``Platform.objects.visible_to(user)``). One query whatever the data.

    Returns::

        [{"slug": "payments", "name": "Payments", "platform_count": 4}, ...]
    """
    scopes, params = visible_scopes(user, "k.scope")
    sql = _COUNTS.format(scopes=scopes, count=CapabilityCount._meta.db_table, **TABLES)
    return [
        # A plain int whatever type the database gives SUM().
        {**row, "platform_count": int(row["platform_count"])}
        for row in fetch(sql, params)
    ]


_PHASES = """
SELECT phase, SUM(platforms) AS platforms FROM {facet_count}
WHERE facet = 'capability' AND value = %s AND {scopes}
GROUP BY phase
"""


def capability_phase_counts(*, capability_id: int, user: User) -> dict[str, int]:
    """How many platforms ``user`` may see meet a capability, by phase (phases with none left
    out), from the figures kept on write (``FacetCount``): one query over a few dozen rows,
    where counting a capability's 9,000 platforms at 100,000 took 50-90 ms.

    Returns::

        {"live": 3, "beta": 1}
    """
    scopes, params = visible_scopes(user, "scope")
    sql = _PHASES.format(facet_count=FacetCount._meta.db_table, scopes=scopes)
    return {row["phase"]: int(row["platforms"]) for row in fetch(sql, [capability_id, *params])}
