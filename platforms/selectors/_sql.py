"""What the selectors' raw SQL shares: table names, the visibility rule as a subquery, and running
a statement into dicts.

Django's ORM has no recursive CTE, and the figures need window functions over grouped rows, so
some selectors are written in SQL. Only the SQL both SQLite and PostgreSQL speak is used: ``WITH
RECURSIVE``, ``UNION``/``UNION ALL``, ``CAST(... AS TEXT)``, ``||``, ``LIKE``, window functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection

from platforms.models import Adoption, Capability, Dependency, Organisation, Platform
from platforms.querysets import _member_organisation_ids

if TYPE_CHECKING:
    from platforms.querysets import User

# Phases in which a platform is still in service (a retired one is history, a discovery or alpha
# one is not yet something anyone could reuse).
IN_SERVICE = (Platform.Phase.BETA, Platform.Phase.LIVE, Platform.Phase.RETIRING)

TABLES = {
    "platform": Platform._meta.db_table,
    "organisation": Organisation._meta.db_table,
    "capability": Capability._meta.db_table,
    "adoption": Adoption._meta.db_table,
    "dependency": Dependency._meta.db_table,
    "platform_capabilities": Platform.capabilities.through._meta.db_table,
}


def visible_platform_ids(user: User) -> tuple[str, list[Any]]:
    """``SELECT id FROM platform WHERE <the user may see it>`` with its parameters: the one
    visibility rule (``PlatformQuerySet.visible_to``), compiled by the ORM, for use in raw SQL."""
    queryset = Platform.objects.visible_to(user).order_by().values("id")
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def visible_scopes(user: User, column: str) -> tuple[str, list[Any]]:
    """A condition on ``column``, the ``scope`` of the figures kept for the insights
    (``platforms.insight_figures``), keeping the rows of the platforms ``user`` may see, with its
    parameters. The same rule as ``PlatformQuerySet.visible_to`` (tests compare the two), read
    from the scopes rather than from every platform: published ones (scope 0) for everyone,
    members also their own organisations' unpublished ones, superusers all."""
    if not user.is_authenticated:
        return f"{column} = 0", []
    if user.is_superuser:
        return "1 = 1", []
    sql, params = _member_organisation_ids(user).query.sql_with_params()
    return f"({column} = 0 OR {column} IN ({sql}))", list(params)


def placeholders(values: Sequence[Any]) -> str:
    """``%s, %s, ...``: one placeholder per value, for ``IN (...)``."""
    return ", ".join(["%s"] * len(values))


def fetch(sql: str, params: Iterable[Any] | dict[str, Any]) -> list[dict[str, Any]]:
    """Run one statement; its rows as dicts keyed by column name. ``params``: a sequence for
    ``%s`` placeholders, or a dict for ``%(name)s`` ones."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params if isinstance(params, dict) else list(params))
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def ref(slug: str | None, name: str | None) -> dict[str, str] | None:
    """A reference to a record as the selectors return it: ``{"slug", "name"}`` (None for none)."""
    if slug is None:
        return None
    return {"slug": slug, "name": name}
