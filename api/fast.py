"""The read path of the busiest JSON reads on PostgreSQL: one SQL statement per page, no DRF
dispatch, and exactly the response DRF gives.

DRF's path for a page of the platform list compiled three ORM queries per request (the page, then
the capabilities and the standards of its rows), ran django-filter, content negotiation, the
pagination classes and the response's rendering machinery: about 4 ms of Python around 1.5 ms of
SQL. Here, for what this module fully supports, the request is answered by:

- the same authentication (a knox token, else the session's user), the same throttles (counted
  once: a request that falls back to DRF afterwards is not counted again, see
  ``CatalogueViewSetMixin.check_throttles``). With the counts in their database table (the
  product's default store), the request's count is the page statement's own ``WITH`` (the
  throttle's upsert, same key and window): an answered read is one round trip (``_Count``);
- one statement whose SQL text is built once per shape (who reads, which ordering, whether a cursor
  position is given, which direction), with the page's many-to-many relations aggregated in it
  (``json_agg``) and, for the nested lists and the detail, the parent looked up in it;
- DRF's cursor pagination's own arithmetic and links (``CataloguePagination``), over those rows;
- the serializers' compiled plans (``api/representation.py``) and the renderer of every other
  response (``api/renderers.py``), so the bytes are DRF's.

Answered here: ``GET``/``HEAD`` of ``platforms/`` (its cursor pages, every documented ordering
and the filters ``owner``, ``capability``, ``standard``, ``phase``, ``kind``, ``state`` and
``is_open_source``), ``platforms/{slug}/`` (with its ETag and ``If-None-Match`` 304s),
``platforms/{slug}/adoptions/`` and ``organisations/{slug}/adoptions/``, in JSON (no ``Accept``,
``*/*`` or ``application/json``), for anonymous readers, knox tokens and sessions.

A page of ranked search results (``search/?q=``) is DRF's request, its page read here in one
statement (``RankedRows``: the rows, their relations, scores and highlights).

Everything else goes to DRF unchanged: other methods and formats (the browsable API, CSV,
``?format=``, any other ``Accept``), any other query parameter (search ``q``, ``adopted_by``...),
every refusal (404, 400, 401, 429: DRF answers them in the one error shape; a request counted by
the throttles here is not counted again there), another authentication scheme, and SQLite (the
embedded default: this path is PostgreSQL's; SQLite keeps DRF's path, itself reading pages as rows
through ``api/rows.py``).

No response or query result is kept between requests: each request runs its statement; only the
SQL text of each shape is built once.

``tests/api/test_fast_path.py`` compares every answer of this path with DRF's, bodies and headers.
"""

from __future__ import annotations

import datetime
import functools
import time
from typing import Any

import orjson
from django.core.exceptions import SuspiciousOperation
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.utils.dateparse import parse_datetime
from knox.auth import TokenAuthentication
from rest_framework import exceptions
from rest_framework.pagination import _reverse_ordering
from rest_framework.request import Request

from api import security
from api.pagination import CataloguePagination, _link_header
from api.renderers import JSONRenderer
from api.representation import compiled_representations
from api.serializers import PLATFORM_LIST_FIELDS, AdoptionSerializer
from platforms import search
from platforms.models import Platform
from platforms.search.base import RankedIdsQuery
from platforms.selectors._sql import visible_platforms

# ``Accept`` headers answered here: DRF picks its JSON renderer, with no parameters, for these.
JSON_ACCEPTS = frozenset({"", "*/*", "application/json"})
_RENDERER = JSONRenderer()
_TAGS = Platform._meta.get_field("tags")
_DESCRIPTIONS = Platform._meta.get_field("descriptions")


class Unsupported(Exception):
    """This request is DRF's to answer."""


# --- who reads -------------------------------------------------------------------------------


def _reader(request) -> tuple[Any, Request]:
    """The authenticated user as DRF would have it (knox's token, else the session's user), and
    a DRF request around ``request`` for the serializers' context."""
    drf_request = Request(request)
    header = request.META.get("HTTP_AUTHORIZATION")
    if header is not None:
        if not header.startswith("Token "):
            raise Unsupported("another authentication scheme")
        try:
            found = TokenAuthentication().authenticate(drf_request)
        except exceptions.APIException as error:
            raise Unsupported("refused: DRF answers the 401") from error
        if found is None:
            raise Unsupported("not knox's")
        user = found[0]
    else:
        user = request.user  # SessionAuthentication: the session's user, if active
        if user.is_authenticated and not user.is_active:
            raise Unsupported("an inactive user")
    drf_request.user = user
    # As DRF's ``initial`` sets them without a versioning scheme (hyperlinks read them).
    drf_request.version, drf_request.versioning_scheme = None, None
    return user, drf_request


def _visibility(user) -> tuple[str, list[Any]]:
    """The reader's condition on the platform ``p`` and its parameters: the visibility rule as
    ``platforms.selectors._sql.visible_platforms`` writes it. Its text depends only on the kind of
    reader (the user's id is a parameter), so the statements are cached on it."""
    return visible_platforms(user, "p")


class _Count:
    """The request's one throttle count, made by the page's own statement (``_counted``): the
    throttle's upsert (``api.security.HIT_SQL``, the same key, window and count) in a ``WITH``
    beside the page, so that the request is one round trip. Its outcome is kept on the request as
    ``_count_throttles`` keeps it: a fallback to DRF does not count again, and a refusal is DRF's
    429 in the one error shape, with its Retry-After."""

    def __init__(self, throttle, request):
        self.throttle, self.request = throttle, request
        throttle.now = throttle.timer()
        self.params = [throttle.key, throttle.now + throttle.duration, throttle.now, throttle.now]

    def settle(self, count: int, expires: float) -> None:
        throttle = self.throttle
        throttle.ends = expires
        allowed = count <= throttle.num_requests
        self.request._request.catalogue_throttle_waits = [] if allowed else [throttle.wait()]
        if not allowed:
            raise Unsupported("throttled: DRF answers the 429")


def _throttle(view, request) -> _Count | None:
    """DRF's ``check_throttles``: when the counts are kept in the database table (the product's
    default) and exactly one throttle counts this request (the anonymous one or the signed-in
    one), its count is left to the page's statement (returned); otherwise counted now."""
    throttles = view.get_throttles()
    if (
        not security.counts_in_cache()
        and not security.prune_due(time.time())
        and all(isinstance(throttle, security.CountedRateThrottle) for throttle in throttles)
    ):
        counting = []
        for throttle in throttles:
            if throttle.rate is None:
                continue
            throttle.key = throttle.get_cache_key(request, view)
            if throttle.key is not None:
                counting.append(throttle)
        if len(counting) == 1:
            throttle = counting[0]
            throttle.key = security.short_key(throttle.key)
            return _Count(throttle, request)
    _count_throttles(view, request, throttles)
    return None


def _count_throttles(view, request, throttles) -> None:
    """DRF's ``check_throttles``, counted here; the outcome is kept on the request so that a
    fallback to DRF does not count it twice (and answers the 429 in the one error shape)."""
    waits = []
    for throttle in throttles:
        if not throttle.allow_request(request, view):
            waits.append(throttle.wait())
    request._request.catalogue_throttle_waits = waits
    if waits:
        raise Unsupported("throttled: DRF answers the 429")


# --- SQL -------------------------------------------------------------------------------------

_TO_MANY = """(SELECT json_agg(json_build_array(t.id, t.slug, t.name) ORDER BY t.name)::text
    FROM {through} l JOIN {table} t ON t.id = l.{column} WHERE l.platform_id = p.id)"""
_CAPABILITIES = _TO_MANY.format(
    through="platforms_platform_capabilities", table="platforms_capability", column="capability_id"
)
_STANDARDS = _TO_MANY.format(
    through="platforms_platform_standards", table="platforms_standard", column="standard_id"
)

# The list's columns (PlatformListSerializer's), in this order.
# The list's own columns: the list serializer's fields less its links and relations (read by the
# statement's joins and aggregates), in the serializer's order.
LIST_COLUMNS = tuple(
    name
    for name in PLATFORM_LIST_FIELDS
    if name not in {"url", "owner", "capabilities", "standards", "replaced_by"}
)
# The detail's further columns.
DETAIL_COLUMNS = (
    "description",
    "descriptions",
    "original_format",
    "original_document",
    "sources",
    "review_note",
    "part_of_id",
    "owner_id",
    "replaced_by_id",
)
_PLATFORM_ORDER = {
    "sort_name": "LOWER(p.name)",
    "slug": "p.slug",
    "id": "p.id",
    "updated_at": "p.updated_at",
    "reuse_count": "p.reuse_count",
}
_ADOPTION_ORDER = {"id": "a.id"}


# Where each ordering's column is in a row of the list's statement: id, LIST_COLUMNS, LOWER(name),
# then the owner (3 columns), replaced_by (5), the capabilities and the standards.
_SORT_NAME = 1 + len(LIST_COLUMNS)
_LIST_AT = {
    "id": 0,
    "sort_name": _SORT_NAME,
    **{name: 1 + i for i, name in enumerate(LIST_COLUMNS)},
}


def _row_order(ordering: tuple[str, ...], at: dict[str, int]) -> tuple[tuple[int, bool], ...]:
    return tuple((at[name.lstrip("-")], name.startswith("-")) for name in ordering)


def _order_by(ordering: tuple[str, ...], expressions: dict[str, str]) -> str:
    return ", ".join(
        f"{expressions[name.lstrip('-')]} {'DESC' if name.startswith('-') else 'ASC'}"
        for name in ordering
    )


def _position(ordering: tuple[str, ...], reverse: bool | None, expressions) -> str:
    """The cursor's condition on the first column of the query's ``ordering`` (already reversed
    for a reverse cursor): past the position in the direction the rows are read, as DRF's cursor
    pagination filters. None: no position."""
    if reverse is None:
        return ""
    order = ordering[0]
    operator = "<" if order.startswith("-") else ">"
    return f" AND {expressions[order.lstrip('-')]} {operator} %s"


# A row of the list (``_list_row``), and the tables it is read from.
_LIST_SELECT = (
    f"p.id, {', '.join(f'p.{name}' for name in LIST_COLUMNS)}, LOWER(p.name), o.id, o.slug, "
    f"o.name, r.id, r.slug, r.name, r.state, r.owner_id, {_CAPABILITIES}, {_STANDARDS}"
)
_LIST_WIDTH = _SORT_NAME + 11
_LIST_FROM = (
    "platforms_platform p JOIN platforms_organisation o ON o.id = p.owner_id "
    "LEFT JOIN platforms_platform r ON r.id = p.replaced_by_id"
)


@functools.cache
def _list_sql(
    visibility: str, ordering: tuple[str, ...], reverse: bool | None, filters: tuple = ()
) -> str:
    condition = visibility
    return (
        f"SELECT {_LIST_SELECT} FROM {_LIST_FROM} "  # noqa: S608 - constant text
        f"WHERE {condition}{''.join(f' AND {f}' for f in filters)}"
        f"{_position(ordering, reverse, _PLATFORM_ORDER)} "
        f"ORDER BY {_order_by(ordering, _PLATFORM_ORDER)} LIMIT %s OFFSET %s"
    )


def _slug_lookup(condition: str) -> str:
    """The id ``by_slug`` picks among the visible rows (the published one, else the oldest)."""
    return (
        f"SELECT p.id FROM platforms_platform p WHERE p.slug = %s AND {condition} "  # noqa: S608 - constant text
        "ORDER BY CASE WHEN p.state = 'published' THEN 0 ELSE 1 END, p.id LIMIT 1"
    )


@functools.cache
def _detail_sql(visibility: str) -> str:
    columns = ", ".join(f"p.{name}" for name in (*LIST_COLUMNS, *DETAIL_COLUMNS))
    condition = visibility
    return (
        f"SELECT p.id, {columns}, o.id, o.slug, o.name, "  # noqa: S608 - constant text
        "r.id, r.slug, r.name, r.state, r.owner_id, "
        "w.id, w.slug, w.name, w.state, w.owner_id, "
        f"{_CAPABILITIES}, {_STANDARDS} "
        "FROM platforms_platform p JOIN platforms_organisation o ON o.id = p.owner_id "
        "LEFT JOIN platforms_platform r ON r.id = p.replaced_by_id "
        "LEFT JOIN platforms_platform w ON w.id = p.part_of_id "
        f"WHERE p.id = ({_slug_lookup(condition)})"
    )


# An adoption's own columns: the serializer's fields less its link and its two relations.
ADOPTION_COLUMNS = tuple(
    name
    for name in AdoptionSerializer.Meta.fields
    if name not in {"url", "platform", "organisation"}
)


@functools.cache
def _adoptions_sql(parent: str, visibility: str, ordering, reverse) -> str:
    """The parent's id (NULL: no such parent, DRF answers the 404) beside each row of the page
    of its adoptions (one row of NULLs for an empty page)."""
    condition = visibility
    if parent == "platform":
        lookup = _slug_lookup(condition)
    else:
        lookup = "SELECT o.id FROM platforms_organisation o WHERE o.slug = %s"
    columns = [f"a.{name}" for name in ADOPTION_COLUMNS]
    columns += ["p.id", "p.slug", "p.name", "g.id", "g.slug", "g.name"]
    selected = ", ".join(f"{column} AS c{index}" for index, column in enumerate(columns))
    outer = ", ".join(f"page.c{index}" for index in range(len(columns)))
    return (
        f"SELECT parent.id, {outer} FROM (SELECT ({lookup}) AS id) parent "  # noqa: S608 - constant text
        f"LEFT JOIN LATERAL (SELECT {selected} "
        "FROM platforms_adoption a JOIN platforms_platform p ON p.id = a.platform_id "
        "JOIN platforms_organisation g ON g.id = a.organisation_id "
        f"WHERE a.{parent}_id = parent.id AND {condition}"
        f"{_position(ordering, reverse, _ADOPTION_ORDER)} "
        f"ORDER BY {_order_by(ordering, _ADOPTION_ORDER)} LIMIT %s OFFSET %s) page ON TRUE "
        f"ORDER BY {_order_by(ordering, {'id': 'page.c0'})}"
    )


@functools.cache
def _counted(sql: str, order: tuple[tuple[int, bool], ...]) -> str:
    """``sql`` with the throttle's count in the same statement: the count and the window's end
    first, then the page's columns, in the page's order (``order``: (column index, descending)).
    A page of no rows is one row of NULLs. The upsert runs once, whatever the page reads (as every
    data-modifying ``WITH`` does)."""
    by = ", ".join(f"{index + 3} {'DESC' if descending else 'ASC'}" for index, descending in order)
    return (
        f"WITH hit AS ({security.HIT_SQL}) "  # noqa: S608 - constant text
        "SELECT (SELECT hit.count FROM hit), (SELECT hit.expires FROM hit), q.* "
        f"FROM (VALUES (1)) one LEFT JOIN ({sql}) q ON TRUE{f' ORDER BY {by}' if by else ''}"
    )


def _fetch(sql: str, params: list[Any], count: _Count | None = None, order=()) -> list[tuple]:
    """The rows of ``sql``; with ``count``, counted by the same statement (see ``_Count``)."""
    with connection.cursor() as cursor:
        if count is None:
            cursor.execute(sql, params)
            return cursor.fetchall()
        try:
            cursor.execute(_counted(sql, order), [*count.params, *params])
        except DatabaseError:
            # The statement failed whole (a statement timeout's 503...), its count with it: the
            # request is counted on its own, as DRF counted it before reading the page.
            if not connection.in_atomic_block:
                security.count_request(
                    count.throttle.key, count.throttle.duration, count.throttle.now
                )
            raise
        found = cursor.fetchall()
    count.settle(found[0][0], found[0][1])
    return [row[2:] for row in found if row[2] is not None or len(found) > 1]


# --- rows as the serializers read them (as api/rows.py gives them) ---------------------------


def _summaries(text: str | None) -> list[dict[str, Any]]:
    if text is None:
        return []
    return [{"pk": pk, "slug": slug, "name": name} for pk, slug, name in orjson.loads(text)]


def _platform_ref(values) -> Platform | None:
    """A replacement (or a whole) as rows.py builds it: an instance for the rule to read."""
    pk, slug, name, state, owner_id = values
    if pk is None:
        return None
    return Platform(pk=pk, slug=slug, name=name, state=state, owner_id=owner_id)


def _list_row(row: tuple) -> dict[str, Any]:
    at = _SORT_NAME
    item = dict(zip(LIST_COLUMNS, row[1:at], strict=True))
    item["pk"] = item["id"] = row[0]
    item["tags"] = _TAGS.from_db_value(item["tags"], None, connection)
    item["sort_name"] = row[at]
    item["owner"] = {"pk": row[at + 1], "slug": row[at + 2], "name": row[at + 3]}
    item["replaced_by"] = _platform_ref(row[at + 4 : at + 9])
    item["capabilities"] = _summaries(row[at + 9])
    item["standards"] = _summaries(row[at + 10])
    return item


class RankedRows:
    """The results of a PostgreSQL search as its paginator slices them: each page read in ONE
    statement, its rows as the list's (``_list_row``), each with its score (the search's own
    expression over its ranked arrays) and its name and summary marked (``ts_headline``, as
    ``platforms.search.highlights`` marks them), for the serializer's compiled plan to represent
    as DRF would. DRF's path read the page, then its capabilities and its standards (three
    queries, a model instance per row and per relation), then the highlights (a fourth).

    ``query`` is the search result's: the paginator counts from it
    (``platforms.search.total_matches``)."""

    def __init__(self, matches, query: str):
        self.query = matches.query
        self.headline = search.get_backend().headline(query)
        self.scores: list[str] | None = None

    def __len__(self) -> int:
        return len(self.query.ranked_ids)

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        ids = self.query.ranked_ids[page]
        if not ids:
            return []
        ranked, headline = self.query.search_ranked, self.headline
        marks, marks_params = "", ()
        if headline.tsquery:
            (name, name_params), (summary, summary_params) = (
                headline.sql("p.name"),
                headline.sql("p.summary"),
            )
            marks, marks_params = f", {name}, {summary}", (*name_params, *summary_params)
        sql = (
            f"SELECT {_LIST_SELECT}, (%s::float8[])[array_position(%s::bigint[], p.id)]"  # noqa: S608 - constant text and placeholders
            f"{marks} FROM {_LIST_FROM} WHERE p.id = ANY(%s::bigint[]) "
            "ORDER BY array_position(%s::bigint[], p.id)"
        )
        # The page's own scores beside its ids (the same text of the same numbers, read back
        # as the same float8), not the 1,100 candidates' two arrays: 20 KB of literals less for
        # PostgreSQL to parse at every page.
        if self.scores is None:
            self.scores = ranked.scores()
        scores = "{" + ",".join(self.scores[page]) + "}"
        params = [scores, ids, *marks_params, ids, ids]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        rows = []
        for row in found:
            item = _list_row(row[:_LIST_WIDTH])
            item["score"] = row[_LIST_WIDTH]
            name, summary = row[_LIST_WIDTH + 1 :] or (item["name"], item["summary"])
            marked = headline.marked
            item["highlights"] = {"name": marked(name), "summary": marked(summary)}
            rows.append(item)
        return rows


def ranked_rows(matches, query: str, serializer_class) -> RankedRows | None:
    """The results of the search ``matches`` for ``query`` to be read a page at a time by
    :class:`RankedRows`, or None where the page is read as model instances: another database
    than PostgreSQL, DRF's own representations (``drf_only``), a serializer without a compiled
    plan, a search result ordered or filtered since (then not read by its ranked ids alone)."""
    found = matches.query
    if (
        connection.vendor != "postgresql"
        or getattr(found, "search_ranked", None) is None
        or not isinstance(found, RankedIdsQuery)
        or not found.intact()
        or found.is_sliced
        or not compiled_representations()
        or serializer_class.compiled_plan() is None
    ):
        return None
    return RankedRows(matches, query)


def _adoption_row(row: tuple) -> dict[str, Any]:
    at = 1 + len(ADOPTION_COLUMNS)
    item = dict(zip(ADOPTION_COLUMNS, row[1:at], strict=True))
    item["pk"] = item["id"]
    item["platform"] = {"pk": row[at], "slug": row[at + 1], "name": row[at + 2]}
    item["organisation"] = {"pk": row[at + 3], "slug": row[at + 4], "name": row[at + 5]}
    return item


# --- pagination ------------------------------------------------------------------------------


class _Cursor(CataloguePagination):
    """DRF's cursor pagination (its cursor decoding, positions, offsets and links), reading the
    page with ``fetch(reverse_or_None, position, offset, limit)`` instead of a queryset."""

    def paginate_rows(self, request, ordering: tuple[str, ...], fetch, position_type):
        self.request = request
        try:
            self.page_size = self.get_page_size(request)
            self.cursor = self.decode_cursor(request)
        except exceptions.APIException as error:
            raise Unsupported("DRF answers the 400") from error
        self.base_url = request.build_absolute_uri()
        self.ordering = ordering
        if self.cursor is None:
            offset, reverse, current_position = 0, False, None
        else:
            offset, reverse, current_position = self.cursor
        query_ordering = _reverse_ordering(ordering) if reverse else ordering
        position = None
        if current_position is not None:
            position = position_type(current_position)
            if position is None:
                raise Unsupported("a position DRF refuses")
        results = fetch(
            query_ordering,
            None if current_position is None else reverse,
            position,
            offset,
            self.page_size + 1,
        )
        self.page = list(results[: self.page_size])
        if len(results) > len(self.page):
            has_following_position = True
            following_position = self._get_position_from_instance(results[-1], self.ordering)
        else:
            has_following_position = False
            following_position = None
        if reverse:
            self.page = list(reversed(self.page))
            self.has_next = (current_position is not None) or (offset > 0)
            self.has_previous = has_following_position
            if self.has_next:
                self.next_position = current_position
            if self.has_previous:
                self.previous_position = following_position
        else:
            self.has_next = has_following_position
            self.has_previous = (current_position is not None) or (offset > 0)
            if self.has_next:
                self.next_position = following_position
            if self.has_previous:
                self.previous_position = current_position
        return self.page


def _integer(value: str) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if -(2**63) <= number < 2**63 else None


def _text(value: str) -> str:
    return value


def _datetime(value: str) -> datetime.datetime | None:
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is None or parsed.tzinfo is None:
        return None  # DRF's path reads it otherwise (a naive date-time, a warning)
    return parsed


_POSITION_TYPES = {
    "sort_name": _text,
    "slug": _text,
    "id": _integer,
    "reuse_count": _integer,
    "updated_at": _datetime,
}

# The platform list's ``ordering`` values, as ``PlatformFilter``'s ordering filter orders.
_LIST_ORDERINGS = {
    **{
        f"{sign}{parameter}": (f"{sign}{field}", "slug", "id")
        for sign in ("", "-")
        for parameter, field in (
            ("name", "sort_name"),
            ("updated_at", "updated_at"),
            ("reuse_count", "reuse_count"),
        )
    },
}


# --- the list's filters ----------------------------------------------------------------------

_SLUG_FILTERS = {
    # parameter: the condition on ``p``, given the slug (an unknown slug matches no row)
    "owner": "p.owner_id = (SELECT o.id FROM platforms_organisation o WHERE o.slug = %s)",
    "capability": "p.id IN (SELECT l.platform_id FROM platforms_platform_capabilities l "
    "WHERE l.capability_id = (SELECT c.id FROM platforms_capability c WHERE c.slug = %s))",
    "standard": "p.id IN (SELECT l.platform_id FROM platforms_platform_standards l "
    "WHERE l.standard_id = (SELECT s.id FROM platforms_standard s WHERE s.slug = %s))",
}
_CHOICE_FILTERS = {
    "phase": frozenset(Platform.Phase.values),
    "kind": frozenset(Platform.Kind.values),
}
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _list_filters(request) -> tuple[tuple[str, ...], list[Any], bool]:
    """The conditions of the list's filters this module reads, as ``PlatformFilter`` applies
    them (anything it would refuse, or any other filter, is DRF's): (conditions, their params,
    whether a slug is looked up)."""
    conditions, params, lookups = [], [], False
    for name, values in request.GET.lists():
        if name in ("cursor", "page_size", "ordering"):
            continue
        if any(not value.strip() for value in values):
            raise Unsupported("a blank filter: DRF's 400")
        if name in _CHOICE_FILTERS:  # repeated, or separated with commas
            parts = [part.strip() for value in values for part in value.split(",")]
            parts = [part for part in parts if part]
            if not parts or any(part not in _CHOICE_FILTERS[name] for part in parts):
                raise Unsupported("a choice DRF refuses")
            conditions.append(f"p.{name} IN ({', '.join(['%s'] * len(parts))})")
            params.extend(parts)
            continue
        if len(values) != 1:
            raise Unsupported("a repeated filter: DRF's to read")
        (value,) = values
        if name in _SLUG_FILTERS:
            conditions.append(_SLUG_FILTERS[name])
            params.append(value)
            lookups = True
        elif name == "is_open_source" and value.strip().lower() in _BOOLEANS:
            conditions.append("p.is_open_source = %s")
            params.append(_BOOLEANS[value.strip().lower()])
        elif name == "state" and value in Platform.State.values:
            conditions.append("p.state = %s")
            params.append(value)
        else:
            raise Unsupported("a filter DRF reads")
    return tuple(conditions), params, lookups


# --- responses -------------------------------------------------------------------------------


def _response(view, data, *, status: int = 200, headers: dict | None = None) -> HttpResponse:
    """What DRF's ``finalize_response`` and ``Response`` give for JSON: the body rendered by the
    API's renderer, ``Allow`` and ``Vary: Accept``."""
    if data is None:
        response = HttpResponse(status=status)
        del response["Content-Type"]  # DRF sends none with an empty body
    else:
        body = _RENDERER.render(data, JSONRenderer.media_type, {})
        response = HttpResponse(body, status=status, content_type=JSONRenderer.media_type)
    for name, value in (headers or {}).items():
        response[name] = value
    response["Allow"] = ", ".join(view.allowed_methods)
    response["Vary"] = "Accept"
    return response


def _context(view, drf_request) -> dict[str, Any]:
    return {"request": drf_request, "format": None, "view": view}


def _page_response(view, paginator: _Cursor, serializer_class, rows, drf_request):
    data = serializer_class(rows, many=True, context=_context(view, drf_request)).data
    next_url, previous_url = paginator.get_next_link(), paginator.get_previous_link()
    return _response(
        view,
        {"next": next_url, "previous": previous_url, "results": data},
        headers=_link_header(next_url, previous_url),
    )


# --- the endpoints ---------------------------------------------------------------------------


def _reads(*names: str):
    """The query parameters a handler answers; any other is DRF's (filters, search, format)."""

    def mark(handler):
        handler.parameters = frozenset(names)
        return handler

    return mark


@_reads(
    "cursor",
    "page_size",
    "ordering",
    *_SLUG_FILTERS,
    *_CHOICE_FILTERS,
    "is_open_source",
    "state",
)
def platform_list(view, request, user, drf_request):
    from api.serializers import PlatformListSerializer

    ordering = view.ordering
    if "ordering" in request.GET:
        values = request.GET.getlist("ordering")
        if len(values) != 1 or values[0] not in _LIST_ORDERINGS:
            raise Unsupported("an ordering the filter reads")
        ordering = _LIST_ORDERINGS[values[0]]
    visibility, params = _visibility(user)
    conditions, filter_params, lookups = _list_filters(request)
    count = drf_request.fast_count

    def fetch(query_ordering, reverse, position, offset, limit):
        sql = _list_sql(visibility, query_ordering, reverse, conditions)
        values = [*params, *filter_params, *([] if reverse is None else [position])]
        found = _fetch(sql, [*values, limit, offset], count, _row_order(query_ordering, _LIST_AT))
        return [_list_row(row) for row in found]

    paginator = _Cursor()
    rows = paginator.paginate_rows(
        drf_request, tuple(ordering), fetch, _POSITION_TYPES[ordering[0].lstrip("-")]
    )
    if lookups and not rows:
        # No row: perhaps a slug names nothing, which DRF refuses (400). DRF's to say.
        raise Unsupported("an empty page of a slug filter")
    return _page_response(view, paginator, PlatformListSerializer, rows, drf_request)


@_reads()
def platform_detail(view, request, user, drf_request):
    from api.serializers import PlatformDetailSerializer
    from api.views import _etag, _not_modified

    visibility, params = _visibility(user)
    found = _fetch(_detail_sql(visibility), [view.kwargs["slug"], *params], drf_request.fast_count)
    if not found:
        raise Unsupported("DRF answers the 404")
    row = found[0]
    names = ("id", *LIST_COLUMNS, *DETAIL_COLUMNS)
    width = len(names)
    values = dict(zip(names, row[:width], strict=True))
    values["tags"] = _TAGS.from_db_value(values["tags"], None, connection)
    values["descriptions"] = _DESCRIPTIONS.from_db_value(values["descriptions"], None, connection)
    platform = Platform(**values)
    platform._state.adding = False
    platform._state.db = connection.alias
    owner = row[width : width + 3]
    from platforms.models import Organisation

    platform.owner = Organisation(pk=owner[0], slug=owner[1], name=owner[2])
    platform.replaced_by = _platform_ref(row[width + 3 : width + 8])
    platform.part_of = _platform_ref(row[width + 8 : width + 13])
    platform._prefetched_objects_cache = {
        "capabilities": _summaries(row[width + 13]),
        "standards": _summaries(row[width + 14]),
    }
    etag = _etag(platform)
    if _not_modified(request, platform):
        return _response(view, None, status=304, headers={"ETag": etag})
    data = PlatformDetailSerializer(platform, context=_context(view, drf_request)).data
    return _response(view, data, headers={"ETag": etag})


def _adoptions(view, request, user, drf_request, parent: str):
    from api.serializers import AdoptionSerializer

    visibility, params = _visibility(user)
    parent_params = [view.kwargs["slug"], *(params if parent == "platform" else [])]
    missing = []
    count = drf_request.fast_count

    def fetch(query_ordering, reverse, position, offset, limit):
        sql = _adoptions_sql(parent, visibility, query_ordering, reverse)
        values = [*parent_params, *params, *([] if reverse is None else [position])]
        found = _fetch(sql, [*values, limit, offset], count, _row_order(query_ordering, {"id": 1}))
        if not found or found[0][0] is None:
            missing.append(True)
            return []
        return [_adoption_row(row) for row in found if row[1] is not None]

    paginator = _Cursor()
    rows = paginator.paginate_rows(drf_request, ("id",), fetch, _integer)
    if missing:
        raise Unsupported("DRF answers the 404")
    return _page_response(view, paginator, AdoptionSerializer, rows, drf_request)


@_reads("cursor", "page_size")
def platform_adoptions(view, request, user, drf_request):
    return _adoptions(view, request, user, drf_request, "platform")


@_reads("cursor", "page_size")
def organisation_adoptions(view, request, user, drf_request):
    return _adoptions(view, request, user, drf_request, "organisation")


def respond(view, request, handlers: dict) -> HttpResponse | None:
    """The response to ``request`` from this module, or None: DRF's to answer."""
    # (DRF's ``initialize_request`` names the action; the route's map says which it will be.)
    handler = handlers.get(getattr(view, "action_map", {}).get(request.method.lower()))
    if (
        handler is None
        or request.method not in ("GET", "HEAD")
        or connection.vendor != "postgresql"
        or not compiled_representations()
        or request.META.get("HTTP_ACCEPT", "").strip() not in JSON_ACCEPTS
        or "format" in view.kwargs
        or request.META.get("CONTENT_LENGTH") not in (None, "", "0")
        or "\x00" in request.path
    ):
        return None
    try:
        # Before the session is read (DRF reads it only once the request is understood).
        if any(name not in handler.parameters for name in request.GET):
            return None
        if any("\x00" in value for _name, values in request.GET.lists() for value in values):
            return None  # DRF's 400: PostgreSQL cannot even compare it
    except SuspiciousOperation:  # e.g. too many parameters: DRF's 400, in the one error shape
        return None
    try:
        user, drf_request = _reader(request)
        drf_request.fast_count = _throttle(view, drf_request)
        view.request = drf_request
        return handler(view, request, user, drf_request)
    except Unsupported:
        return None
