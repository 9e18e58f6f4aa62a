"""A platform's adoption trend: organisations using it, quarter by quarter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from platforms.models import Platform
from platforms.selectors._sql import TABLES, fetch, ref

if TYPE_CHECKING:
    from platforms.querysets import User

# The quarter of a date as one integer (year * 4 + quarter - 1), from its ISO text: the same on
# SQLite (dates are text) and PostgreSQL (a date cast to text is ISO), and integer division on both.
_QUARTER = (
    "(CAST(SUBSTR(CAST({d} AS TEXT), 1, 4) AS INTEGER) * 4"
    " + (CAST(SUBSTR(CAST({d} AS TEXT), 6, 2) AS INTEGER) - 1) / 3)"
)
# More quarters than any real series (a century), so that bad dates cannot make the series huge.
MAX_QUARTERS = 400

_SPANS = """
WITH RECURSIVE
spans AS (
    SELECT a.organisation_id,
           MIN(COALESCE(a.start_date, a.evidence_date)) AS since,
           SUM(CASE WHEN a.status = 'in_use' THEN 1 ELSE 0 END) AS live,
           MAX(a.end_date) AS until
    FROM {adoption} a
    WHERE a.platform_id = %s AND a.organisation_id <> %s AND a.status IN ('in_use', 'stopped')
    GROUP BY a.organisation_id
),
dated AS (
    SELECT organisation_id, {since_quarter} AS started,
           CASE WHEN live = 0 THEN {until_quarter} END AS ended
    FROM spans WHERE since IS NOT NULL AND (live > 0 OR until IS NOT NULL)
),
bounds AS (SELECT MIN(started) AS low, MAX(COALESCE(ended, started)) AS high FROM dated),
quarter(q) AS (
    SELECT low FROM bounds WHERE low IS NOT NULL
    UNION ALL
    SELECT quarter.q + 1 FROM quarter, bounds
    WHERE quarter.q < bounds.high AND quarter.q < bounds.low + %s
),
started AS (SELECT started AS q, COUNT(*) AS n FROM dated GROUP BY started),
ended AS (SELECT ended AS q, COUNT(*) AS n FROM dated WHERE ended IS NOT NULL GROUP BY ended)
"""

_SERIES = """
SELECT CAST(k.q / 4 AS TEXT) || '-Q' || CAST(k.q - (k.q / 4) * 4 + 1 AS TEXT) AS quarter,
       COALESCE(s.n, 0) AS started, COALESCE(e.n, 0) AS ended,
       SUM(COALESCE(s.n, 0) - COALESCE(e.n, 0)) OVER (ORDER BY k.q) AS in_use
FROM quarter k LEFT JOIN started s ON s.q = k.q LEFT JOIN ended e ON e.q = k.q
ORDER BY k.q
"""

_UNDATED = """
SELECT COUNT(*) AS undated FROM spans
WHERE NOT (since IS NOT NULL AND (live > 0 OR until IS NOT NULL))
"""


def adoption_trend(*, platform: Platform, user: User) -> dict[str, Any]:
    """Organisations other than its owner using ``platform``, per quarter, from its adoptions in
    use or stopped. The caller checks that ``user`` may see the platform; its adoptions are then
    all visible. Two queries whatever the data.

    An organisation counts from the quarter it started (its earliest adoption's start date, or,
    when none is recorded, the date of the evidence that says it uses the platform) until the
    quarter its last adoption ended (if none is still in use). Organisations whose dates the
    records do not hold are counted in ``undated``, never guessed.

    Returns (a line chart of ``in_use``, bars of ``started``/``ended``)::

        {"platform": {"slug", "name"}, "owner": {"slug", "name"},
         "series": [{"quarter": "2024-Q3", "started": 4, "ended": 1, "in_use": 12}],
         "undated": 3}

    Quarters run without gaps from the first start to the last change.
    """
    since = _QUARTER.format(d="since")
    ctes = _SPANS.format(since_quarter=since, until_quarter=_QUARTER.format(d="until"), **TABLES)
    params = [platform.pk, platform.owner_id, MAX_QUARTERS]
    series = fetch(ctes + _SERIES, params)
    undated = fetch(ctes + _UNDATED, params)[0]["undated"]
    owner = platform.owner
    return {
        "platform": ref(platform.slug, platform.name),
        "owner": ref(owner.slug, owner.name),
        "series": [
            {
                "quarter": row["quarter"],
                "started": row["started"],
                "ended": row["ended"],
                "in_use": int(row["in_use"]),
            }
            for row in series
        ],
        "undated": undated,
    }
