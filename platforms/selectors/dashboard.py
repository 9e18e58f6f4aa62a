"""The headline figures of the admin index, for staff and reviewers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, F

from platforms.models import Adoption, Platform
from platforms.selectors.contracts import DEFAULT_MONTHS, contracts_ending
from platforms.selectors.duplication import duplicated_capabilities

if TYPE_CHECKING:
    from platforms.querysets import User

TOP = 5


def headline_figures(*, user: User) -> dict[str, Any]:
    """The catalogue at a glance, as ``user`` may see it. Ten queries whatever the data.

    Returns::

        {"platforms": {"total": 18, "by_phase": [{"phase": "live", "label": "Live", "count": 9}]},
         "organisations_reusing": 690,   # organisations using a platform another one owns
         "adoptions_in_use": 710,
         "duplicated": [...],            # the first TOP of duplication.duplicated_capabilities
         "duplicated_total": 4,
         "contracts": {...}}             # contracts.contracts_ending over DEFAULT_MONTHS
    """
    visible = Platform.objects.visible_to(user)
    labels = dict(Platform.Phase.choices)
    by_phase = visible.order_by("phase").values("phase").annotate(count=Count("id"))
    in_use = Adoption.objects.in_use().filter(platform__in=visible.values("id"))
    reuse = in_use.exclude(organisation=F("platform__owner"))
    duplicated = duplicated_capabilities(user=user)
    by_phase_rows = [
        {
            "phase": row["phase"],
            "label": labels.get(row["phase"], row["phase"]),
            "count": row["count"],
        }
        for row in by_phase
    ]
    return {
        "platforms": {
            "total": sum(row["count"] for row in by_phase_rows),
            "by_phase": by_phase_rows,
        },
        "organisations_reusing": reuse.values("organisation").distinct().count(),
        "adoptions_in_use": in_use.count(),
        "duplicated": duplicated[:TOP],
        "duplicated_total": len(duplicated),
        "contracts": contracts_ending(user=user, within=DEFAULT_MONTHS),
    }
