"""What the selectors' raw SQL shares: table names, the visibility rule as a SQL condition, and
running a statement into dicts.

Django's ORM has no recursive CTE, and the figures need window functions over grouped rows, so
some selectors are written in SQL. Only the SQL both SQLite and PostgreSQL speak is used: ``WITH
RECURSIVE``, ``UNION``/``UNION ALL``, ``CAST(... AS TEXT)``, ``||``, ``LIKE``, window functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection

from platforms.models import Adoption, Capability, Dependency, Membership, Organisation, Platform

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


# The state every reader may see, written into the SQL text as a constant: a literal (unlike a
# parameter) lets PostgreSQL match the partial indexes on the state (``platform_unpublished``).
_PUBLISHED = Platform.State.PUBLISHED.value
# ``visible_platforms``' condition when the reader may see every platform: a statement may leave
# the condition out altogether on seeing it.
EVERY_PLATFORM = "1 = 1"


def _member_organisations(alias: str, placeholder: str = "%s") -> str:
    """``SELECT`` of the organisations the user (``placeholder``) is a member of, any role."""
    return (
        f"SELECT {alias}.organisation_id FROM {Membership._meta.db_table} {alias} "  # noqa: S608 - constant text
        f"WHERE {alias}.user_id = {placeholder}"
    )


def visible_platforms(
    user: User, alias: str = "p", *, unpublished_only: bool = False, placeholder: str = "%s"
) -> tuple[str, list[Any]]:
    """The visibility rule (``PlatformQuerySet.visible_to``, from ``platforms.rules``) as one SQL
    condition on the platform table aliased ``alias``, with its parameters. The only writing of
    that rule in raw SQL: every raw statement asks this function (tests compare its rows with
    ``visible_to``'s for every kind of reader, on both databases).

    Signature: ``visible_platforms(user, alias="p", *, unpublished_only=False,
    placeholder="%s") -> (sql, params)``

    - ``user``: the reader (``request.user``: an ``AnonymousUser`` or a user, active or not).
    - ``alias``: the name the statement gives the platform table (``FROM platforms_platform
      p``); a plain identifier. The membership subquery uses ``<alias>_m``.
    - ``unpublished_only``: only the second half of the rule, the unpublished platforms the
      reader may see (for statements that read the published ones apart, from an index on the
      state, as the admin's headline figures do).
    - ``placeholder``: how ``sql`` marks the user's id: ``%s``, or a named placeholder such as
      ``%(user)s`` for a statement run with a dict of parameters (then ``params[0]`` is its
      value).
    - Returns ``(sql, params)``: ``sql`` a condition to put after ``WHERE``/``AND`` (already in
      parentheses where it needs them), with ``%s`` placeholders; ``params`` the values for them,
      in order: ``[]``, or ``[user.pk]`` for a signed-in reader who is not a superuser.

    The text depends only on the kind of reader and the alias, never on who (the user's id is a
    parameter), so a statement built on it can be cached on its text. For alias ``p``:

    - anonymous: ``p.state = 'published'``, ``[]``;
    - superuser (a catalogue administrator, active or not): ``1 = 1`` (``EVERY_PLATFORM``),
      ``[]``;
    - anyone else signed in (a member of any number of organisations, plain staff, an inactive
      account): ``(p.state = 'published' OR p.owner_id IN (SELECT p_m.organisation_id FROM
      platforms_membership p_m WHERE p_m.user_id = %s))``, ``[user.pk]``.

    With ``unpublished_only``: ``1 = 0`` (anonymous), ``p.state <> 'published'`` (superuser),
    ``(p.state <> 'published' AND p.owner_id IN (...))`` (anyone else, ``[user.pk]``).
    """
    if not alias.isidentifier():
        raise ValueError(f"not a table alias: {alias!r}")
    published = f"{alias}.state = '{_PUBLISHED}'"
    unpublished = f"{alias}.state <> '{_PUBLISHED}'"
    if not user.is_authenticated:
        return ("1 = 0" if unpublished_only else published), []
    if user.is_superuser:
        return (unpublished if unpublished_only else EVERY_PLATFORM), []
    owners = f"{alias}.owner_id IN ({_member_organisations(f'{alias}_m', placeholder)})"
    if unpublished_only:
        return f"({unpublished} AND {owners})", [user.pk]
    return f"({published} OR {owners})", [user.pk]


def visible_platform_ids(user: User) -> tuple[str, list[Any]]:
    """``SELECT id FROM platform WHERE <the user may see it>`` with its parameters
    (``visible_platforms``), for ``IN (...)`` and ``WITH visible AS (...)``."""
    condition, params = visible_platforms(user, "vp")
    return f"SELECT vp.id FROM {TABLES['platform']} vp WHERE {condition}", params  # noqa: S608 - constant text


def visible_scopes(user: User, column: str) -> tuple[str, list[Any]]:
    """A condition on ``column``, the ``scope`` of the figures kept for the insights
    (``platforms.insight_figures``), keeping the rows of the platforms ``user`` may see, with its
    parameters. The same rule as ``visible_platforms`` (tests compare the two), read from the
    scopes rather than from every platform: published ones (scope 0) for everyone, members also
    their own organisations' unpublished ones, superusers all."""
    if not user.is_authenticated:
        return f"{column} = 0", []
    if user.is_superuser:
        return "1 = 1", []
    return f"({column} = 0 OR {column} IN ({_member_organisations('scope_m')}))", [user.pk]


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
