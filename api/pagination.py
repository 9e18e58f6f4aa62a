"""Pagination: cursors for the growing collections, limit/offset with a count for the small ones.

Ranked (searched) results come in offset pages instead: see ``RankedPagination``.

Cursor pages stay stable while rows are added (no duplicates or skips between pages) and cost the
same at page 1 and page 1,000. ``page_size`` defaults to ``settings.API_PAGE_SIZE``; a larger value
than ``settings.API_MAX_PAGE_SIZE`` is clamped to that maximum rather than refused.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.pagination import BasePagination, CursorPagination, LimitOffsetPagination
from rest_framework.response import Response


def _number(request, name: str, *, minimum: int) -> int | None:
    """The integer query parameter ``name``, or None if absent; anything else is a 400 (like the
    filters, a wrong value is refused rather than quietly replaced by the default)."""
    if name not in request.query_params:
        return None
    values = request.query_params.getlist(name)
    text = values[-1].strip()
    if len(values) > 1 or not text.isdigit() or int(text) < minimum:
        raise exceptions.ValidationError({name: [f"Send one whole number, at least {minimum}."]})
    return int(text)


def _document_minimum(parameters: list[dict], names: dict[str, int]) -> list[dict]:
    for parameter in parameters:
        if parameter["name"] in names:
            parameter["schema"] = {**parameter["schema"], "minimum": names[parameter["name"]]}
    return parameters


def _link_header(next_url: str | None, previous_url: str | None) -> dict[str, str]:
    pairs = (("next", next_url), ("prev", previous_url))
    links = [f'<{url}>; rel="{rel}"' for rel, url in pairs if url]
    return {"Link": ", ".join(links)} if links else {}


class CataloguePagination(CursorPagination):
    """Cursor pagination whose ordering is the queryset's own: the FilterSet's ``ordering`` filter
    (which always appends a unique tiebreak) or the view's default ordering."""

    page_size_query_param = "page_size"
    ordering = ("id",)

    def __init__(self) -> None:
        # Read per request, so that a settings change (or a test's override) applies.
        self.page_size = settings.API_PAGE_SIZE
        self.max_page_size = settings.API_MAX_PAGE_SIZE

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        if queryset.query.order_by:
            return tuple(queryset.query.order_by)
        return tuple(getattr(view, "ordering", None) or self.ordering)

    def get_page_size(self, request) -> int:
        page_size = _number(request, self.page_size_query_param, minimum=1)
        return self.page_size if page_size is None else min(page_size, self.max_page_size)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound as error:
            # A mangled cursor is bad input, not a missing resource.
            raise self._bad_cursor() from error

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, OverflowError, DjangoValidationError) as error:
            # A well-formed cursor whose position does not fit the ordering field (a tampered
            # "p=" for a date or a count) fails when the query is built.
            if request.query_params.get(self.cursor_query_param):
                raise self._bad_cursor() from error
            raise

    def _bad_cursor(self) -> exceptions.ValidationError:
        return exceptions.ValidationError(
            {self.cursor_query_param: ["This cursor is not valid; follow the next link."]}
        )

    def get_paginated_response(self, data) -> Response:
        next_url, previous_url = self.get_next_link(), self.get_previous_link()
        return Response(
            {"next": next_url, "previous": previous_url, "results": data},
            headers=_link_header(next_url, previous_url),
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "example": "http://127.0.0.1:8000/api/v1/platforms/?cursor=cD1HT1YuVUs%3D",
                },
                "previous": {"type": "string", "nullable": True, "format": "uri", "example": None},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Results per page (default {settings.API_PAGE_SIZE}; values above "
                    f"{settings.API_MAX_PAGE_SIZE} are reduced to {settings.API_MAX_PAGE_SIZE})."
                )
            elif parameter["name"] == self.cursor_query_param:
                parameter["description"] = "Opaque position: follow the next/previous links."
        return _document_minimum(parameters, {self.page_size_query_param: 1})


class SmallCollectionPagination(LimitOffsetPagination):
    """For the short taxonomies (capabilities, standards): limit/offset with a total count."""

    def __init__(self) -> None:
        self.default_limit = settings.API_PAGE_SIZE
        self.max_limit = settings.API_MAX_PAGE_SIZE

    def get_limit(self, request) -> int:
        limit = _number(request, self.limit_query_param, minimum=1)
        return self.default_limit if limit is None else min(limit, self.max_limit)

    def get_offset(self, request) -> int:
        # Past the end is an empty page; a larger number would overflow the database's integers.
        offset = _number(request, self.offset_query_param, minimum=0)
        return 0 if offset is None else min(offset, self.count)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        return _document_minimum(
            parameters, {self.limit_query_param: 1, self.offset_query_param: 0}
        )

    def get_paginated_response(self, data) -> Response:
        response = super().get_paginated_response(data)
        for name, value in _link_header(self.get_next_link(), self.get_previous_link()).items():
            response.headers[name] = value
        return response


# --- ranked results --------------------------------------------------------------------------

# How deep ranked results go. A relevance order is for reading the best matches, not for walking
# the whole catalogue (the unsearched lists do that, in cursor pages); a bound keeps every page
# cheap and says "narrow the query" rather than serving page 500 of weak matches.
MAX_RANKED_OFFSET = 1000


def searching(request) -> bool:
    """Whether the request searches (a non-blank ``q``), and so is ranked by relevance."""
    return bool(request.query_params.get("q", "").strip())


def ranked_offset(request) -> int:
    """The ``offset`` query parameter: 0 to ``MAX_RANKED_OFFSET``; anything else is a 400."""
    offset = _number(request, "offset", minimum=0)
    if offset is not None and offset > MAX_RANKED_OFFSET:
        raise exceptions.ValidationError(
            {
                "offset": [
                    f"Ranked results go no deeper than offset {MAX_RANKED_OFFSET}: narrow the "
                    "query or add filters."
                ]
            }
        )
    return offset or 0


class RankedPagination(SmallCollectionPagination):
    """Ranked (search) results, best first: ``page_size``/``offset`` pages with a total count.

    Not cursors: a cursor is a position in the ordering, and a relevance score recomputed on every
    request (and a float) is not a position that can be compared reliably. Offsets into the ranking
    are, down to ``MAX_RANKED_OFFSET``."""

    limit_query_param = "page_size"
    # The number of results when the view already knows it (from the facets): no COUNT.
    known_count: int | None = None

    def get_count(self, queryset) -> int:
        # A search result knows how many platforms matched (it ranked them): no second count.
        from platforms.search.base import total_matches

        total = total_matches(queryset)
        if total is None:
            total = self.known_count
        return super().get_count(queryset) if total is None else total

    def get_offset(self, request) -> int:
        return ranked_offset(request)

    def get_next_link(self):
        if self.offset + self.limit > MAX_RANKED_OFFSET:
            return None
        return super().get_next_link()

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["description"] = (
                    f"Results per page (default {settings.API_PAGE_SIZE}; values above "
                    f"{settings.API_MAX_PAGE_SIZE} are reduced to {settings.API_MAX_PAGE_SIZE})."
                )
            elif parameter["name"] == self.offset_query_param:
                parameter["description"] = (
                    "How many ranked results to skip (follow the next link). At most "
                    f"{MAX_RANKED_OFFSET}: beyond that, narrow the query."
                )
                parameter["schema"] = {**parameter["schema"], "maximum": MAX_RANKED_OFFSET}
        return parameters


class PlatformListPagination(BasePagination):
    """The platform list: cursor pages, except when it is searched (``q``), when the results are
    ranked and come in :class:`RankedPagination` offset pages (with a ``count``)."""

    def __init__(self) -> None:
        self.cursor = CataloguePagination()
        self.ranked = RankedPagination()
        self.active: BasePagination = self.cursor

    def paginate_queryset(self, queryset, request, view=None):
        ranked_offset(request)  # validated either way, as the schema documents it
        self.active = self.ranked if searching(request) else self.cursor
        return self.active.paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data) -> Response:
        return self.active.get_paginated_response(data)

    def get_results(self, data):
        return data["results"]

    @property
    def display_page_controls(self) -> bool:
        return self.active.display_page_controls

    def to_html(self):
        return self.active.to_html()

    def get_paginated_response_schema(self, schema: dict) -> dict:
        response = self.cursor.get_paginated_response_schema(schema)
        response["properties"] = {
            "count": {
                "type": "integer",
                "example": 12,
                "description": "Only when q is given: how many platforms match.",
            },
            **response["properties"],
        }
        return response

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = self.cursor.get_schema_operation_parameters(view)
        offset = next(
            p
            for p in self.ranked.get_schema_operation_parameters(view)
            if p["name"] == self.ranked.offset_query_param
        )
        offset = {
            **offset,
            "description": "Only with q (ranked results come in offset pages, cursor is then "
            f"ignored): how many results to skip. At most {MAX_RANKED_OFFSET}.",
        }
        return [*parameters, offset]
