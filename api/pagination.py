"""Pagination: cursors for the growing collections, limit/offset with a count for the small ones.

Cursor pages stay stable while rows are added (no duplicates or skips between pages) and cost the
same at page 1 and page 1,000. ``page_size`` defaults to ``settings.API_PAGE_SIZE``; a larger value
than ``settings.API_MAX_PAGE_SIZE`` is clamped to that maximum rather than refused.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination, LimitOffsetPagination
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
