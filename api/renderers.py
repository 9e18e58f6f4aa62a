"""CSV for list endpoints (``?format=csv`` or ``Accept: text/csv``): one row per record, nested
objects flattened, every record the filters select, streamed.

Written here rather than taken from djangorestframework-csv: that package flattens the pagination
envelope into a single row and lists into numbered columns (``capabilities.0.slug``); a catalogue
export wants one row per record with ``owner.slug`` columns and lists joined with ``; ``.

A CSV list is not paginated: :func:`stream_csv_response` reads the filtered queryset in chunks
(``QuerySet.iterator(chunk_size=...)``, prefetching once per chunk), serialises each chunk with the
list's own serializer and sends its rows at once, so the whole list arrives in constant memory.
The columns come from the serializer's fields, not from the data, so each field is one column
(``replaced_by.slug``...) whether or not a row has a value for it. Every cell goes through
``platforms.exporters.cells`` (formulas neutralised), like every CSV the product writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

import orjson
from django.http import QueryDict, StreamingHttpResponse
from rest_framework import renderers, serializers
from rest_framework.renderers import BaseRenderer
from rest_framework.settings import api_settings

from platforms.exporters.cells import csv_lines

# Records read and serialised at a time.
CHUNK_SIZE = 1000
LIST_JOIN = "; "


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        # A list of related objects becomes their slugs (or names), joined.
        return LIST_JOIN.join(
            str(item.get("slug") or item.get("name") or "") if isinstance(item, dict) else str(item)
            for item in value
        )
    return "" if value is None else value


def _flatten(value: Any, prefix: str, row: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), row)
    else:
        row[prefix] = _cell(value)


def columns(serializer: serializers.BaseSerializer, prefix: str = "") -> list[str]:
    """The CSV columns of a serializer's output: a nested object's fields become ``name.field``
    columns (whether it is null or not), any list one column."""
    names: list[str] = []
    for name, field in serializer.fields.items():
        column = f"{prefix}.{name}" if prefix else name
        if isinstance(field, serializers.Serializer):
            names.extend(columns(field, column))
        else:
            names.append(column)
    return names


class _RequestWithoutFormat:
    """The request as hyperlinks should see it: DRF copies ``?format=`` into every URL it builds
    (so a CSV's URL columns would all end in ``?format=csv``); a link names the resource."""

    def __init__(self, request) -> None:
        self._request = request
        query = request.GET.copy()
        query.pop(api_settings.URL_FORMAT_OVERRIDE, None)
        self.GET: QueryDict = query

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)


def _chunks(records: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk


def csv_rows(queryset, serializer: serializers.Serializer) -> Iterator[dict[str, Any]]:
    """The flattened rows of ``queryset``, read ``CHUNK_SIZE`` records at a time (prefetching
    once per chunk) and represented one by one by ``serializer``, as a list would."""
    for chunk in _chunks(queryset.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
        for record in chunk:
            row: dict[str, Any] = {}
            _flatten(serializer.to_representation(record), "", row)
            # A prefetch cache refers back to its record (a reference cycle): cleared, each
            # chunk is freed as soon as it is written rather than at a garbage collection.
            record.__dict__.pop("_prefetched_objects_cache", None)
            yield row


def stream_csv_response(
    queryset, serializer_class, *, context: dict[str, Any], filename: str
) -> StreamingHttpResponse:
    """Every record of ``queryset`` (already filtered and ordered) as a streamed CSV download."""
    context = {**context}
    if context.get("request") is not None:
        context["request"] = _RequestWithoutFormat(context["request"])
    # One serializer for every record (as a list's child is): a serializer per chunk would be a
    # reference cycle (fields <-> parent) holding its chunk until a garbage collection.
    serializer = serializer_class(context=context)
    header = columns(serializer)
    cells = ([row.get(name, "") for name in header] for row in csv_rows(queryset, serializer))
    return StreamingHttpResponse(
        csv_lines(header, cells, lineterminator="\r\n"),
        content_type=f"{CSVRenderer.media_type}; charset={CSVRenderer.charset}",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


class CSVRenderer(BaseRenderer):
    """Selects CSV in content negotiation. List actions answer with
    :func:`stream_csv_response` instead of rendering a page; this renders anything else given
    to it (a single record, or a list of them) with the same flattening and cells."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        if isinstance(data, dict) and "results" in data:
            data = data["results"]
        if isinstance(data, dict):
            data = [data]
        rows = []
        for item in data:
            row: dict[str, Any] = {}
            _flatten(item, "", row)
            rows.append(row)
        header: list[str] = []
        for row in rows:
            header.extend(key for key in row if key not in header)
        cells = ([row.get(name, "") for name in header] for row in rows)
        return "".join(csv_lines(header, cells, lineterminator="\r\n")).encode(self.charset)


# --- JSON ------------------------------------------------------------------------------------

# Where orjson writes a float differently from ``json`` (1e-7 for 1e-07, 0.000025 for 2.5e-05):
# only below 1e-4 (written "0.0000...") and in exponent form (a digit, "e", a sign, a digit).
# Where the body has either (a text may, too), it is written by DRF's renderer instead, so the
# bytes never differ. Searched as plain bytes: a regular expression over a 60 kB page cost more
# than orjson saved.
_EXPONENT = re.compile(rb"e[-+][0-9]")
_DIGITS = b"0123456789"


def _floats_may_differ(body: bytes) -> bool:
    if b"0.0000" in body:
        return True
    return any(body[match.start() - 1] in _DIGITS for match in _EXPONENT.finditer(body))


_ENCODER = renderers.JSONRenderer.encoder_class()
_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATETIME  # DRF's encoder writes them (milliseconds, "Z")
    | orjson.OPT_PASSTHROUGH_DATACLASS  # as DRF would: refused
)


def _orjson_body(data: Any) -> bytes | None:
    """``data`` as DRF's compact JSON, written by orjson; None where orjson cannot write
    exactly those bytes."""
    try:
        body = orjson.dumps(data, default=_ENCODER.default, option=_OPTIONS)
    except (orjson.JSONEncodeError, TypeError, ValueError):
        return None
    if _floats_may_differ(body):
        return None
    # As DRF does: a strict JavaScript subset.
    return body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer, the same bytes, written by orjson (a well-kept C library, about ten
    times faster than ``json`` with DRF's encoder on a page of 50 platforms).

    Only compact output goes through orjson (``json.dumps`` with DRF's separators and
    ``ensure_ascii=False``); whatever orjson does not write exactly as ``json`` does (indented
    output, keys that are not strings, integers beyond 64 bits, floats it writes differently,
    types it refuses) is rendered by DRF's own renderer. Types ``json`` does not know go through
    DRF's encoder, as they would in DRF. One difference: a NaN or infinite float, which DRF
    refuses (a 500), is written as null; the API's figures are counts and rounded scores."""

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        compact = (
            not self.ensure_ascii
            and self.compact
            and self.strict
            and self.get_indent(accepted_media_type, renderer_context or {}) is None
        )
        if data is not None and compact and (body := _orjson_body(data)) is not None:
            return body
        return super().render(data, accepted_media_type, renderer_context)
