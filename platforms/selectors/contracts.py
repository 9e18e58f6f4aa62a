"""The contract horizon: supplier contracts ending soon, with the common platforms that meet the
same needs (the moment to move to one rather than renew)."""

from __future__ import annotations

import calendar
import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Count
from django.db.models.functions import ExtractQuarter, ExtractYear
from django.utils import timezone

from platforms.models import Platform
from platforms.selectors._sql import TABLES, fetch, ref
from platforms.selectors._sql import visible_platform_ids as _visible

if TYPE_CHECKING:
    from platforms.querysets import User

DEFAULT_MONTHS = 18
MAX_MONTHS = 120
# A platform another could move to: in service and not on its way out.
COMMON_PHASES = (Platform.Phase.BETA, Platform.Phase.LIVE)


def months_after(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


# ``reuse_count`` is the stored count (organisations other than the owner with an adoption in
# use, kept by the services), not counted again from the adoptions of every alternative.
_ALTERNATIVES = """
WITH
visible(id) AS ({visible}),
ending AS (
    SELECT p.id FROM {platform} p
    WHERE p.id IN (SELECT id FROM visible) AND p.phase <> 'retired'
      AND p.contract_end_date >= %s AND p.contract_end_date <= %s
)
SELECT e.id AS ending_id, p.slug, p.name, p.phase, o.slug AS owner_slug, o.name AS owner_name,
       c.slug AS capability_slug, p.reuse_count
FROM ending e
JOIN {platform_capabilities} mine ON mine.platform_id = e.id
JOIN {platform_capabilities} theirs ON theirs.capability_id = mine.capability_id
JOIN {platform} p ON p.id = theirs.platform_id
JOIN {organisation} o ON o.id = p.owner_id
JOIN {capability} c ON c.id = mine.capability_id
WHERE p.id <> e.id AND p.id IN (SELECT id FROM visible) AND p.phase IN (%s, %s)
ORDER BY e.id, reuse_count DESC, p.name, p.slug, c.name
"""


def contracts_ending(
    *, user: User, within: int = DEFAULT_MONTHS, today: datetime.date | None = None
) -> dict[str, Any]:
    """Platforms ``user`` may see (not retired) whose supplier contract ends from ``today`` to
    ``within`` months later, soonest first, each with the beta or live platforms meeting one of
    its capabilities. Four queries whatever the data.

    Returns::

        {"within_months": 18, "from": date, "until": date,
         "count": 2,
         "by_quarter": [{"quarter": "2027-Q1", "contracts": 1}],   # a timeline's bars
         "results": [{"platform": {"slug", "name"}, "owner": {"slug", "name"}, "phase",
                      "supplier": "Vendor Ltd", "contract_end_date": date,
                      "capabilities": [{"slug", "name"}],
                      "alternatives": [{"platform": {...}, "owner": {...}, "phase": "live",
                                        "reuse_count": 206,
                                        "shared_capabilities": ["notifications"]}]}]}

    Alternatives are most reused first.
    """
    start = today or timezone.localdate()
    until = months_after(start, within)
    ending = list(
        Platform.objects.visible_to(user)
        .exclude(phase=Platform.Phase.RETIRED)
        .filter(contract_end_date__gte=start, contract_end_date__lte=until)
        .order_by("contract_end_date", "name", "slug")
        .values(
            "id",
            "slug",
            "name",
            "phase",
            "supplier",
            "contract_end_date",
            "owner__slug",
            "owner__name",
        )
    )
    capability_rows = (
        Platform.capabilities.through.objects.filter(platform_id__in=[p["id"] for p in ending])
        .order_by("capability__name")
        .values_list("platform_id", "capability__slug", "capability__name")
    )
    capabilities: dict[int, list[dict[str, str]]] = {}
    for platform_id, slug, name in capability_rows:
        capabilities.setdefault(platform_id, []).append(ref(slug, name))

    alternatives: dict[int, dict[str, dict[str, Any]]] = {}
    if ending:
        visible_sql, visible_params = _visible(user)
        sql = _ALTERNATIVES.format(visible=visible_sql, **TABLES)
        for row in fetch(sql, [*visible_params, start, until, *COMMON_PHASES]):
            entry = alternatives.setdefault(row["ending_id"], {}).setdefault(
                row["slug"],
                {
                    "platform": ref(row["slug"], row["name"]),
                    "owner": ref(row["owner_slug"], row["owner_name"]),
                    "phase": row["phase"],
                    "reuse_count": row["reuse_count"],
                    "shared_capabilities": [],
                },
            )
            entry["shared_capabilities"].append(row["capability_slug"])

    by_quarter = (
        Platform.objects.filter(pk__in=[p["id"] for p in ending])
        .annotate(year=ExtractYear("contract_end_date"), q=ExtractQuarter("contract_end_date"))
        .order_by("year", "q")
        .values("year", "q")
        .annotate(contracts=Count("id"))
    )
    return {
        "within_months": within,
        "from": start,
        "until": until,
        "count": len(ending),
        "by_quarter": [
            {"quarter": f"{row['year']}-Q{row['q']}", "contracts": row["contracts"]}
            for row in by_quarter
        ],
        "results": [
            {
                "platform": ref(p["slug"], p["name"]),
                "owner": ref(p["owner__slug"], p["owner__name"]),
                "phase": p["phase"],
                "supplier": p["supplier"],
                "contract_end_date": p["contract_end_date"],
                "capabilities": capabilities.get(p["id"], []),
                "alternatives": list(alternatives.get(p["id"], {}).values()),
            }
            for p in ending
        ],
    }
