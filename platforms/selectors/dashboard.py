"""The headline figures of the admin index, for staff and reviewers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, QuerySet
from django.db.models.expressions import RawSQL

from platforms.models import Adoption, Platform
from platforms.selectors.contracts import DEFAULT_MONTHS, contracts_ending
from platforms.selectors.duplication import duplicated_capabilities

if TYPE_CHECKING:
    from platforms.querysets import User

TOP = 5


def headline_figures(*, user: User) -> dict[str, Any]:
    """The catalogue at a glance, as ``user`` may see it. Five queries whatever the data.

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
    in_use = Adoption.objects.in_use().filter(platform__in=visible.values("id"))
    reuse = in_use.exclude(organisation=F("platform__owner"))

    def counted(rows: QuerySet) -> RawSQL:
        # The number of ``rows``, as a scalar subquery: uncorrelated, so the database computes
        # it once, not once per phase. COUNT(*) over a DISTINCT subquery, as ``count()`` does
        # (COUNT(DISTINCT ...) sorts the 660,000 adoptions in use at 100k platforms).
        sql, params = rows.order_by().query.sql_with_params()
        # The SQL is Django's own compilation of a queryset; the values stay parameters.
        return RawSQL(f"SELECT COUNT(*) FROM ({sql}) counted", params)  # noqa: S608, S611

    # The phases and both adoption figures in one query (three before): each phase's row
    # carries the two figures. No visible platform, no row, and no adoption to count either.
    by_phase = (
        visible.order_by("phase")
        .values("phase")
        .annotate(
            count=Count("id"),
            adoptions_in_use=counted(in_use.values("pk")),
            organisations_reusing=counted(reuse.values("organisation").distinct()),
        )
    )
    duplicated = duplicated_capabilities(user=user)
    by_phase = list(by_phase)
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
        "organisations_reusing": by_phase[0]["organisations_reusing"] if by_phase else 0,
        "adoptions_in_use": by_phase[0]["adoptions_in_use"] if by_phase else 0,
        "duplicated": duplicated[:TOP],
        "duplicated_total": len(duplicated),
        "contracts": contracts_ending(user=user, within=DEFAULT_MONTHS),
    }
