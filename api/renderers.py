"""CSV for list endpoints (``?format=csv``): one row per result, nested objects flattened.

Written here rather than taken from djangorestframework-csv: that package flattens the pagination
envelope into a single row and lists into numbered columns (``capabilities.0.slug``); a catalogue
export wants one row per record with ``owner.slug`` columns and lists joined with ``; ``.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from rest_framework.renderers import BaseRenderer


def _flatten(value: Any, prefix: str, row: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), row)
    elif isinstance(value, list):
        # A list of related objects becomes their slugs (or names), joined.
        parts = [
            str(item.get("slug") or item.get("name") or "") if isinstance(item, dict) else str(item)
            for item in value
        ]
        row[prefix] = _defuse("; ".join(parts))
    else:
        row[prefix] = _defuse("" if value is None else value)


def _defuse(value: Any) -> Any:
    # Spreadsheet programs run a cell starting with = + - @ as a formula: names come from users.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class CSVRenderer(BaseRenderer):
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
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue().encode(self.charset)
