"""The contract horizon: supplier contracts ending soon, with the common platforms that meet the
same needs (the moment to move to one rather than renew)."""

from __future__ import annotations

import calendar
import datetime
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Count, F, Q, Window
from django.db.models.functions import ExtractQuarter, ExtractYear, RowNumber
from django.utils import timezone

from platforms.models import Platform
from platforms.selectors._sql import ref

if TYPE_CHECKING:
    from platforms.querysets import User

DEFAULT_MONTHS = 18
MAX_MONTHS = 120
# A platform another could move to: in service and not on its way out.
COMMON_PHASES = (Platform.Phase.BETA, Platform.Phase.LIVE)
# Contracts per page (the API's default, and the web page's) and the most the API sends at once.
PAGE_SIZE = 20
MAX_PAGE_SIZE = 50
# Alternatives listed per contract (each contract also says how many it has in all).
ALTERNATIVES_LISTED = 10


def months_after(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def _alternatives(user: User, capability_ids: list[int], per_capability: int) -> list[dict]:
    """For each of ``capability_ids``, its first ``per_capability`` beta or live platforms that
    ``user`` may see in the alternatives' order (most reused first, then name and slug), as
    ``capability_id``, ``platform_id``, ``slug``, ``name``, ``phase``, ``owner_slug``,
    ``owner_name``, ``reuse_count``. ``reuse_count`` is the stored count (organisations other than
    the owner with an adoption in use, kept by the services).

    A contract's first N alternatives are among its capabilities' first N + 1 (one may be the
    contract itself), so the rows are bounded by the capabilities, whatever the data: reading
    every capability's every platform was 1.58 million entries for 200 contracts at 100k.
    """
    common = Platform.objects.visible_to(user).filter(phase__in=COMMON_PHASES)
    rows = Platform.capabilities.through.objects.filter(platform__in=common.values("id")).values(
        "capability_id",
        "platform_id",
        slug=F("platform__slug"),
        name=F("platform__name"),
        phase=F("platform__phase"),
        owner_slug=F("platform__owner__slug"),
        owner_name=F("platform__owner__name"),
        reuse_count=F("platform__reuse_count"),
    )
    order = ("-platform__reuse_count", "platform__name", "platform__slug")
    if connection.features.supports_slicing_ordering_in_compound:
        # PostgreSQL: one statement, UNION ALL of one "first rows" per capability, each walking
        # the platforms by reuse (an index) and stopping after ``per_capability`` rows; ranking
        # every platform of every capability with a window function took 0.3 s at 100k.
        first, *others = (
            rows.filter(capability_id=c).order_by(*order)[:per_capability] for c in capability_ids
        )
        return list(first.union(*others, all=True) if others else first)
    rank = Window(
        RowNumber(),
        partition_by=[F("capability_id")],
        order_by=[F("platform__reuse_count").desc(), F("platform__name"), F("platform__slug")],
    )
    return list(
        rows.filter(capability_id__in=capability_ids)
        .annotate(rank=rank)
        .filter(rank__lte=per_capability)
        .order_by()
    )


def _window(user: User, within: int, today: datetime.date | None):
    start = today or timezone.localdate()
    until = months_after(start, within)
    ending = (
        Platform.objects.visible_to(user)
        .exclude(phase=Platform.Phase.RETIRED)
        .filter(contract_end_date__gte=start, contract_end_date__lte=until)
    )
    return start, until, ending


def contracts_summary(
    *, user: User, within: int = DEFAULT_MONTHS, today: datetime.date | None = None
) -> dict[str, Any]:
    """How many contracts of platforms ``user`` may see (not retired) end from ``today`` to
    ``within`` months later, in all and per quarter: one query whatever the data.

    Returns ``{"within_months": 18, "from": date, "until": date, "count": 2,
    "by_quarter": [{"quarter": "2027-Q1", "contracts": 1}]}`` (a timeline's bars).
    """
    start, until, ending = _window(user, within, today)
    by_quarter = [
        {"quarter": f"{row['year']}-Q{row['q']}", "contracts": row["contracts"]}
        for row in ending.annotate(
            year=ExtractYear("contract_end_date"), q=ExtractQuarter("contract_end_date")
        )
        .order_by("year", "q")
        .values("year", "q")
        .annotate(contracts=Count("id"))
    ]
    return {
        "within_months": within,
        "from": start,
        "until": until,
        "count": sum(row["contracts"] for row in by_quarter),
        "by_quarter": by_quarter,
    }


def contracts_page(
    *,
    user: User,
    within: int = DEFAULT_MONTHS,
    today: datetime.date | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    alternatives: int = ALTERNATIVES_LISTED,
) -> list[dict[str, Any]]:
    """The contracts ``offset`` to ``offset + limit`` of those ``contracts_summary`` counts,
    soonest first (then by name and slug), each with its capabilities, its first
    ``alternatives`` alternatives and how many it has in all. At most five queries whatever the
    data (none for an empty page).

    An alternative is a beta or live platform ``user`` may see meeting one of the contract's
    capabilities, the contract's platform aside; they are listed most reused first, then by
    name and slug, each with the contract's capabilities it meets (by name). Each entry::

        {"platform": {"slug", "name"}, "owner": {"slug", "name"}, "phase",
         "supplier": "Vendor Ltd", "contract_end_date": date,
         "capabilities": [{"slug", "name"}],
         "alternatives_count": 8012,   # every alternative, counted in SQL
         "alternatives": [{"platform": {...}, "owner": {...}, "phase": "live",
                           "reuse_count": 206, "shared_capabilities": ["notifications"]}]}
    """
    _, _, ending_queryset = _window(user, within, today)
    ending = list(
        ending_queryset.order_by("contract_end_date", "name", "slug").values(
            "id",
            "slug",
            "name",
            "phase",
            "supplier",
            "contract_end_date",
            "owner__slug",
            "owner__name",
        )[offset : offset + limit]
    )
    if not ending:
        return []
    ids = [p["id"] for p in ending]
    through = Platform.capabilities.through
    capability_rows = list(
        through.objects.filter(platform_id__in=ids)
        .order_by("capability__name")
        .values_list("platform_id", "capability_id", "capability__slug", "capability__name")
    )
    capabilities: dict[int, list[dict[str, str]]] = {}
    needs: dict[int, list[int]] = {}  # ending platform id: its capability ids, by name
    for platform_id, capability_id, slug, name in capability_rows:
        capabilities.setdefault(platform_id, []).append(ref(slug, name))
        needs.setdefault(platform_id, []).append(capability_id)

    listed: dict[int, list[dict[str, Any]]] = {}
    totals: dict[int, int] = {}
    if needs and alternatives > 0:
        slugs = {capability_id: slug for _, capability_id, slug, _ in capability_rows}
        candidates: dict[int, dict[str, Any]] = {}
        meets: dict[int, set[int]] = {}
        for row in _alternatives(user, list(slugs), alternatives + 1):
            candidates[row["platform_id"]] = row
            meets.setdefault(row["capability_id"], set()).add(row["platform_id"])
        for ending_id, capability_ids in needs.items():
            found = set().union(*(meets.get(c, set()) for c in capability_ids)) - {ending_id}
            listed[ending_id] = sorted(
                (candidates[i] for i in found),
                key=lambda row: (-row["reuse_count"], row["name"], row["slug"]),
            )[:alternatives]
        # A listed alternative may meet another of its contract's capabilities outside that
        # capability's first rows: its shared capabilities are read for the listed ones.
        shown = {row["platform_id"] for rows in listed.values() for row in rows}
        met: dict[int, set[int]] = {}
        for platform_id, capability_id in through.objects.filter(
            platform_id__in=shown, capability_id__in=list(slugs)
        ).values_list("platform_id", "capability_id"):
            met.setdefault(platform_id, set()).add(capability_id)
        for ending_id, rows in listed.items():
            listed[ending_id] = [
                {
                    "platform": ref(row["slug"], row["name"]),
                    "owner": ref(row["owner_slug"], row["owner_name"]),
                    "phase": row["phase"],
                    "reuse_count": row["reuse_count"],
                    "shared_capabilities": [
                        slugs[c] for c in needs[ending_id] if c in met[row["platform_id"]]
                    ],
                }
                for row in rows
            ]
    if needs:
        totals = _alternatives_counts(user, list(needs))

    return [
        {
            "platform": ref(p["slug"], p["name"]),
            "owner": ref(p["owner__slug"], p["owner__name"]),
            "phase": p["phase"],
            "supplier": p["supplier"],
            "contract_end_date": p["contract_end_date"],
            "capabilities": capabilities.get(p["id"], []),
            "alternatives_count": totals.get(p["id"], 0),
            "alternatives": listed.get(p["id"], []),
        }
        for p in ending
    ]


def _alternatives_counts(user: User, ending_ids: list[int]) -> dict[int, int]:
    """Each of ``ending_ids``' number of alternatives: the distinct beta or live platforms
    ``user`` may see meeting one of its capabilities, itself aside (COUNT(DISTINCT) in SQL)."""
    common = Platform.objects.visible_to(user).filter(phase__in=COMMON_PHASES)
    # The filter comes before the annotation, so it narrows the annotation's own join: the
    # alternatives are hash-joined with the visible beta and live platforms once (a third less
    # time at 100k than a filter inside the count, checked row by row).
    rows = (
        Platform.objects.filter(id__in=ending_ids)
        .filter(capabilities__platforms__in=common.values("id"))
        .order_by()
        .values("id")
        .annotate(
            total=Count(
                "capabilities__platforms",
                filter=~Q(capabilities__platforms=F("id")),
                distinct=True,
            )
        )
        .values_list("id", "total")
    )
    return dict(rows)


def contracts_ending(
    *,
    user: User,
    within: int = DEFAULT_MONTHS,
    today: datetime.date | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> dict[str, Any]:
    """``contracts_summary`` with ``results``: the ``contracts_page`` from ``offset`` (at most
    ``limit`` contracts, each with at most ``ALTERNATIVES_LISTED`` alternatives and their
    total). At most six queries whatever the data."""
    summary = contracts_summary(user=user, within=within, today=today)
    results = []
    if offset < summary["count"]:
        results = contracts_page(user=user, within=within, today=today, offset=offset, limit=limit)
    return {**summary, "results": results}
