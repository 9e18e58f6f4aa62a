"""The headline figures of the admin index, for staff and reviewers, and of the public home
page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser

from platforms.models import OrganisationUse, Platform
from platforms.selectors._sql import TABLES, fetch, visible_platforms, visible_scopes
from platforms.selectors.contracts import DEFAULT_MONTHS, contracts_summary
from platforms.selectors.duplication import duplicated_summary

if TYPE_CHECKING:
    from platforms.querysets import User

TOP = 5

# The phases of the platforms the reader may see, and the two adoption figures, in one
# statement. ``PlatformQuerySet.visible_to`` in two parts (``visible_platforms``): every published
# platform (what an anonymous reader sees), and the unpublished ones the reader may see
# (``unpublished_only``: those of the owners the reader acts for, all of them for a superuser).
# Two counts, each read from an index ((state, phase); (owner, state)), not one pass over every
# platform testing "published or owned by one of mine" (a sequential scan, 90 ms at 100,000).
# The adoption figures are read from ``OrganisationUse`` (kept on write, summed over the
# visible scopes: about 5,000 rows), not counted over the 660,000 adoptions in use (350 ms):
# - ``adoptions_in_use``: the adoptions in use of the visible platforms, the owners' own and
#   every use case included (``in_use``);
# - ``organisations_reusing``: the organisations with an adoption in use of a visible platform
#   another organisation owns (``reuses`` > 0 in a visible scope).
_HEADLINE = """
WITH phases(phase, n) AS (
    SELECT p.phase, COUNT(*) FROM {platform} p WHERE {published} GROUP BY p.phase
    UNION ALL
    SELECT p.phase, COUNT(*) FROM {platform} p WHERE {unpublished} GROUP BY p.phase
)
SELECT phase, SUM(n) AS count,
       (SELECT COALESCE(SUM(u.in_use), 0) FROM {organisation_use} u WHERE {scopes})
           AS adoptions_in_use,
       (SELECT COUNT(DISTINCT u.organisation_id) FROM {organisation_use} u
        WHERE u.reuses > 0 AND {scopes}) AS organisations_reusing
FROM phases GROUP BY phase ORDER BY phase
"""


def headline_figures(*, user: User) -> dict[str, Any]:
    """The catalogue at a glance, as ``user`` may see it. Five queries whatever the data.

    Returns::

        {"platforms": {"total": 18, "by_phase": [{"phase": "live", "label": "Live", "count": 9}]},
         "organisations_reusing": 690,   # organisations using a platform another one owns
         "adoptions_in_use": 710,        # adoptions in use, the owners' own included
         "duplicated": [...],            # the first TOP of duplication.duplicated_capabilities
         "duplicated_total": 4,
         "contracts": {...}}             # contracts.contracts_summary over DEFAULT_MONTHS
    """
    labels = dict(Platform.Phase.choices)
    published, _ = visible_platforms(AnonymousUser(), "p")
    unpublished, unpublished_params = visible_platforms(user, "p", unpublished_only=True)
    scopes, scope_params = visible_scopes(user, "u.scope")
    sql = _HEADLINE.format(
        published=published,
        unpublished=unpublished,
        scopes=scopes,
        organisation_use=OrganisationUse._meta.db_table,
        **TABLES,
    )
    # No visible platform, no row, and no adoption to count either.
    by_phase = fetch(sql, [*unpublished_params, *scope_params, *scope_params])
    duplicated_total, duplicated = duplicated_summary(user=user, limit=TOP)
    by_phase_rows = [
        {
            "phase": row["phase"],
            "label": labels.get(row["phase"], row["phase"]),
            "count": int(row["count"]),
        }
        for row in by_phase
    ]
    return {
        "platforms": {
            "total": sum(row["count"] for row in by_phase_rows),
            "by_phase": by_phase_rows,
        },
        # SUM() is a decimal on PostgreSQL.
        "organisations_reusing": int(by_phase[0]["organisations_reusing"]) if by_phase else 0,
        "adoptions_in_use": int(by_phase[0]["adoptions_in_use"]) if by_phase else 0,
        "duplicated": duplicated,
        "duplicated_total": duplicated_total,
        # Their count only: the contracts page lists them with the platforms they could move to
        # (five queries more for a page of them, over the home's eight).
        "contracts": contracts_summary(user=user, within=DEFAULT_MONTHS),
    }


# The home page's three figures, read from ``OrganisationUse`` summed over the visible scopes
# (about 5,000 rows at 100,000 platforms): the platforms the reader may see (``owns``: every
# platform is owned once), the reuses of them (``reuses``: per organisation, the others'
# platforms it has an adoption in use of; summed, the platforms' reuse counts), and the
# organisations reusing one. Counted over the platforms instead, a member's "published or owned
# by one of mine" is a sequential scan of every platform (170 ms at 100,000), and the
# organisations reusing one a probe of the adoptions per organisation (50-80 ms).
_REUSE = """
SELECT COALESCE(SUM(u.owns), 0) AS platforms, COALESCE(SUM(u.reuses), 0) AS reuses,
       COUNT(DISTINCT CASE WHEN u.reuses > 0 THEN u.organisation_id END) AS organisations
FROM {organisation_use} u WHERE {scopes}
"""


def reuse_figures(*, user: User) -> dict[str, int]:
    """The catalogue's reuse at a glance, as ``user`` may see it (the public home page). One
    query whatever the data.

    Returns::

        {"platforms": 18,       # the platforms the reader may see, of every phase and state
         "reuses": 710,         # their reuse counts summed: (platform, organisation other than
                                # its owner with an adoption in use of it) pairs
         "organisations": 690}  # organisations with an adoption in use of one they do not own
    """
    scopes, params = visible_scopes(user, "u.scope")
    sql = _REUSE.format(scopes=scopes, organisation_use=OrganisationUse._meta.db_table)
    (row,) = fetch(sql, params)
    # Plain ints whatever type the database gives SUM().
    return {name: int(value) for name, value in row.items()}
