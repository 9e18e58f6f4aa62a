"""The catalogue's own CSV: the columns of the platform export (``PLATFORM_COLUMNS``), so an
exported file imports back unchanged. The ``slug`` column is the stable key. Only ``slug``,
``name`` and ``summary`` are required; an empty cell leaves an existing value as it is (except
the list columns and ``replaced_by``, whose empty cell empties them). Unknown columns are refused.
"""

from __future__ import annotations

import csv
import datetime
from typing import Any

from django.utils.text import slugify

from platforms.exporters.tabular import LIST_SEPARATOR, PLATFORM_FIELDNAMES
from platforms.importers.base import Importer, PlatformRecord, Problem
from platforms.models import Platform

REQUIRED = ("slug", "name", "summary")
BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
CHOICES = {
    "phase": Platform.Phase.values,
    "state": Platform.State.values,
    "data_classification": Platform.Classification.values,
    "pricing_model": Platform.Pricing.values,
}
TEXT_FIELDS = (
    "description",
    "service_url",
    "documentation_url",
    "source_code_url",
    "licence",
    "hosting",
    "supplier",
    "contact_email",
    "sources",
)


class CsvImporter(Importer):
    format_name = "csv"

    def parse(self, files, *, base_dir=None):
        records, problems = [], []
        for name, text in files:
            self._parse_file(name, text, records, problems)
        return records, problems

    def _parse_file(self, name: str, text: str, records: list, problems: list) -> None:
        reader = csv.DictReader(text.splitlines(keepends=True))
        try:
            header = reader.fieldnames or []
        except csv.Error as error:
            problems.append(Problem(name, 1, "", f"This is not readable CSV: {error}."))
            return
        unknown = [c for c in header if c not in PLATFORM_FIELDNAMES]
        missing = [c for c in REQUIRED if c not in header]
        if unknown:
            problems.append(
                Problem(
                    name,
                    1,
                    ", ".join(unknown),
                    f"Unknown column(s): {', '.join(unknown)}. The columns are: "
                    f"{', '.join(PLATFORM_FIELDNAMES)}.",
                )
            )
        if missing:
            problems.append(
                Problem(name, 1, ", ".join(missing), f"Missing column(s): {', '.join(missing)}.")
            )
        if unknown or missing:
            return
        line = 2
        try:
            for row in reader:
                record = self._row(name, line, row, problems)
                if record:
                    records.append(record)
                line = reader.line_num + 1
        except csv.Error as error:
            problems.append(
                Problem(name, reader.line_num, "", f"This is not readable CSV: {error}.")
            )

    def _row(self, file: str, line: int, row: dict, problems: list) -> PlatformRecord | None:
        def error(column: str, message: str) -> None:
            problems.append(Problem(file, line, column, message))

        if None in row:  # more cells than columns
            error("", "This row has more cells than the header has columns.")
            return None
        cells = {
            k: (v or "").strip() if k != "sources" else (v or "").strip("\n")
            for k, v in row.items()
        }
        before = len(problems)
        for column in REQUIRED:
            if not cells.get(column):
                error(column, f"'{column}' is required.")
        slug = cells.get("slug", "")
        if slug and slugify(slug) != slug:
            error("slug", f"'{slug}' is not a slug (lower-case letters, digits and hyphens).")
        if len(cells.get("summary", "")) > 300:
            error("summary", "The summary is longer than 300 characters.")
        fields: dict[str, Any] = {"summary": cells.get("summary", "")}
        for column, values in CHOICES.items():
            value = cells.get(column, "")
            if value and value not in values:
                error(column, f"'{value}' is not one of {', '.join(values)}.")
            elif value and column != "state":
                fields[column] = value
        for column in ("is_open_source", "handles_personal_data"):
            value = cells.get(column, "")
            if value:
                if value.lower() not in BOOLEANS:
                    error(column, f"'{value}' must be true or false.")
                else:
                    fields[column] = BOOLEANS[value.lower()]
        if cells.get("contract_end_date"):
            try:
                fields["contract_end_date"] = datetime.date.fromisoformat(
                    cells["contract_end_date"]
                )
            except ValueError:
                error(
                    "contract_end_date", f"'{cells['contract_end_date']}' is not a YYYY-MM-DD date."
                )
        for column in TEXT_FIELDS:
            if column in cells and (cells[column] or column == "sources"):
                fields[column] = cells[column]
        if len(problems) > before:
            return None

        def split(column: str) -> list[str]:
            return [v.strip() for v in cells.get(column, "").split(LIST_SEPARATOR) if v.strip()]

        return PlatformRecord(
            file=file,
            line=line,
            key=slug,
            name=cells["name"],
            match_by="slug",
            slug=slug,
            fields=fields,
            tags=split("tags"),
            capabilities=split("capabilities"),
            standards=split("standards"),
            owner_slug=cells.get("owner") or None,
            state=cells.get("state") or None,
            replaced_by=cells.get("replaced_by", "") if "replaced_by" in cells else None,
            field_lines={column: (column, line) for column in PLATFORM_FIELDNAMES},
            merge_lists=False,
        )
