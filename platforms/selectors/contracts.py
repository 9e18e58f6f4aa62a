"""The contract horizon: supplier contracts ending soon, with the common platforms that meet the
same needs (the moment to move to one rather than renew)."""

from __future__ import annotations

import calendar
import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F
from django.db.models.functions import ExtractQuarter, ExtractYear
from django.utils import timezone

from platforms.models import Platform
from platforms.selectors._sql import ref

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


def _alternatives(user: User, capability_ids: list[int]) -> list[dict[str, Any]]:
    """The beta or live platforms ``user`` may see meeting any of ``capability_ids``, once per
    capability they meet (``capability_id``, ``platform_id``, ``slug``, ``name``, ``phase``,
    ``owner_slug``, ``owner_name``, ``reuse_count``), most reused first, then by name, slug and
    capability name. ``reuse_count`` is the stored count (organisations other than the owner
    with an adoption in use, kept by the services).

    Read once per capability, not once per ending contract: joining every contract's
    capabilities with every platform meeting them made contracts x alternatives rows in SQL, and
    a plan made from statistics that say "empty" (as autovacuum leaves them when it runs while
    the rows are not yet committed) read a whole table again for each of those rows. Here the
    statement's rows are the capabilities' platforms whatever the number of contracts, and the
    contracts share them out in Python.
    """
    common = Platform.objects.visible_to(user).filter(phase__in=COMMON_PHASES)
    return list(
        Platform.capabilities.through.objects.filter(
            capability_id__in=capability_ids, platform__in=common.values("id")
        )
        .order_by("-platform__reuse_count", "platform__name", "platform__slug", "capability__name")
        .values(
            "capability_id",
            "platform_id",
            slug=F("platform__slug"),
            name=F("platform__name"),
            phase=F("platform__phase"),
            owner_slug=F("platform__owner__slug"),
            owner_name=F("platform__owner__name"),
            reuse_count=F("platform__reuse_count"),
        )
    )


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
    capability_rows = list(
        Platform.capabilities.through.objects.filter(platform_id__in=[p["id"] for p in ending])
        .order_by("capability__name")
        .values_list("platform_id", "capability_id", "capability__slug", "capability__name")
    )
    capabilities: dict[int, list[dict[str, str]]] = {}
    meeting: dict[int, list[int]] = {}  # capability id: the ending platforms meeting it
    for platform_id, capability_id, slug, name in capability_rows:
        capabilities.setdefault(platform_id, []).append(ref(slug, name))
        meeting.setdefault(capability_id, []).append(platform_id)

    alternatives: dict[int, dict[int, dict[str, Any]]] = {}
    if meeting:
        capability_slugs = {capability_id: slug for _, capability_id, slug, _ in capability_rows}
        for row in _alternatives(user, list(meeting)):
            for ending_id in meeting[row["capability_id"]]:
                if ending_id == row["platform_id"]:
                    continue
                entry = alternatives.setdefault(ending_id, {}).setdefault(
                    row["platform_id"],
                    {
                        "platform": ref(row["slug"], row["name"]),
                        "owner": ref(row["owner_slug"], row["owner_name"]),
                        "phase": row["phase"],
                        "reuse_count": row["reuse_count"],
                        "shared_capabilities": [],
                    },
                )
                entry["shared_capabilities"].append(capability_slugs[row["capability_id"]])

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
