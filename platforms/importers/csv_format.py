"""The catalogue's own CSV: the columns of the exports, so an exported catalogue imports back
unchanged: platforms (``PLATFORM_COLUMNS``), adoptions (``ADOPTION_FIELDNAMES``) and dependencies
(``DEPENDENCY_FIELDNAMES``), each file told by its header. Adoption and dependency rows name
their platform by slug: one in the same import, or one in the catalogue the importer can see.

For platforms: The ``slug`` column is the stable key. Only ``slug``,
``name`` and ``summary`` are required; an empty cell leaves an existing value as it is (except
the list columns and ``replaced_by``, whose empty cell empties them). Unknown columns are refused.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterator, Mapping
from typing import Any

from django.utils.text import slugify

from platforms.exporters.tabular import (
    ADOPTION_FIELDNAMES,
    DEPENDENCY_FIELDNAMES,
    LIST_SEPARATOR,
    PLATFORM_FIELDNAMES,
)
from platforms.importers.base import (
    AdoptionRef,
    DependencyRef,
    Importer,
    PlatformRecord,
    Problem,
)
from platforms.models import Adoption, Dependency, Platform

REQUIRED = ("slug", "name", "summary")
BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
CHOICES = {
    "phase": Platform.Phase.values,
    "state": Platform.State.values,
    "data_classification": Platform.Classification.values,
    "pricing_model": Platform.Pricing.values,
    "kind": Platform.Kind.values,
}
ADOPTION_DATES = ("start_date", "end_date", "evidence_date")
ADOPTION_TEXT = ("use_case", "notes", "evidence_source", "evidence_url", "evidence_name")
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


# A slug ``slugify`` gives back unchanged (lower-case letters and digits, single hyphens
# between them): most rows' slug, checked without ``slugify``.
_SIMPLE_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*").fullmatch


class _SameLine(Mapping):
    """``PlatformRecord.field_lines`` of a CSV row: every column on the row's line, each named
    as itself (one small object a row instead of a dict of 25 entries)."""

    __slots__ = ("line",)
    columns = frozenset(PLATFORM_FIELDNAMES)

    def __init__(self, line: int):
        self.line = line

    def __getitem__(self, column: str) -> tuple[str, int]:
        if column not in self.columns:
            raise KeyError(column)
        return column, self.line

    def __contains__(self, column: object) -> bool:
        return column in self.columns

    def __iter__(self) -> Iterator[str]:
        return iter(PLATFORM_FIELDNAMES)

    def __len__(self) -> int:
        return len(PLATFORM_FIELDNAMES)


class CsvImporter(Importer):
    format_name = "csv"

    def parse(self, files, *, base_dir=None):
        records, problems = [], []
        links: list[tuple[str, str, int, Any]] = []  # (platform slug, file, line, ref)
        for name, text in files:
            self._parse_file(name, text, records, links, problems)
        by_slug = {r.key: r for r in records}
        for slug, file, line, ref in links:
            record = by_slug.get(slug)
            if record is None:  # a platform already in the catalogue: linked, never changed
                record = by_slug[slug] = PlatformRecord(
                    file=file, line=line, key=slug, name=slug, match_by="link", slug=slug
                )
                records.append(record)
            if isinstance(ref, AdoptionRef):
                record.adoptions.append(ref)
            else:
                record.dependencies.append(ref)
        return records, problems

    def _parse_file(self, name: str, text: str, records: list, links: list, problems: list) -> None:
        # Read lazily (a 40 MB file refused for its header costs nothing more than its header).
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            header = reader.fieldnames or []
        except csv.Error as error:
            problems.append(Problem(name, 1, "", f"This is not readable CSV: {error}."))
            return
        for columns, read_row in (
            (ADOPTION_FIELDNAMES, self._adoption_row),
            (DEPENDENCY_FIELDNAMES, self._dependency_row),
        ):
            if "platform" in header and set(header) <= set(columns) and columns[1] in header:
                self._read_links(name, reader, columns, read_row, links, problems)
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
                    f"{', '.join(PLATFORM_FIELDNAMES)} (platforms), "
                    f"{', '.join(ADOPTION_FIELDNAMES)} (adoptions) or "
                    f"{', '.join(DEPENDENCY_FIELDNAMES)} (dependencies).",
                )
            )
        if missing:
            problems.append(
                Problem(name, 1, ", ".join(missing), f"Missing column(s): {', '.join(missing)}.")
            )
        if unknown or missing:
            return
        # The rows as ``DictReader`` gives them (a cell per column, missing ones ``None``, extra
        # ones under ``None``), read from its plain reader: a third of the parsing time was its
        # own Python.
        rows, width, line = reader.reader, len(header), 2
        try:
            for values in rows:
                if values:  # DictReader skips empty rows too
                    row = dict(zip(header, values, strict=False))
                    if len(values) > width:
                        row[None] = values[width:]
                    elif len(values) < width:
                        row.update(dict.fromkeys(header[len(values) :]))
                    record = self._row(name, line, row, problems)
                    if record:
                        records.append(record)
                line = rows.line_num + 1
        except csv.Error as error:
            problems.append(Problem(name, rows.line_num, "", f"This is not readable CSV: {error}."))

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
        if slug and not _SIMPLE_SLUG(slug) and slugify(slug) != slug:
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
            field_lines=_SameLine(line),
            merge_lists=False,
        )

    # -- adoptions and dependencies

    def _read_links(self, name, reader, columns, read_row, links, problems) -> None:
        line = 2
        try:
            for row in reader:
                if None in row:
                    problems.append(
                        Problem(name, line, "", "This row has more cells than the header has.")
                    )
                else:
                    cells = {k: (v or "").strip() for k, v in row.items()}
                    result = read_row(name, line, cells, problems)
                    if result:
                        links.append((cells["platform"], name, line, result))
                line = reader.line_num + 1
        except csv.Error as error:
            problems.append(
                Problem(name, reader.line_num, "", f"This is not readable CSV: {error}.")
            )

    @staticmethod
    def _required(file, line, cells, columns, problems) -> bool:
        missing = [c for c in columns if not cells.get(c)]
        for column in missing:
            problems.append(Problem(file, line, column, f"'{column}' is required."))
        return not missing

    def _adoption_row(self, file, line, cells, problems) -> AdoptionRef | None:
        if not self._required(file, line, cells, ("platform", "organisation"), problems):
            return None
        before = len(problems)
        values: dict[str, Any] = {}
        status = cells.get("status") or Adoption.Status.IN_USE
        if status not in Adoption.Status.values:
            problems.append(
                Problem(
                    file,
                    line,
                    "status",
                    f"'{status[:40]}' is not one of {', '.join(Adoption.Status.values)}.",
                )
            )
        values["status"] = status
        for column in ADOPTION_DATES:
            if cells.get(column):
                try:
                    values[column] = datetime.date.fromisoformat(cells[column])
                except ValueError:
                    problems.append(
                        Problem(
                            file, line, column, f"'{cells[column][:40]}' is not a YYYY-MM-DD date."
                        )
                    )
        for column in ADOPTION_TEXT:
            values[column] = cells.get(column, "")
        if len(problems) > before:
            return None
        return AdoptionRef(
            cells["organisation"],
            line,
            "organisation",
            organisation_slug=cells["organisation"],
            values=values,
        )

    def _dependency_row(self, file, line, cells, problems) -> DependencyRef | None:
        if not self._required(file, line, cells, ("platform", "depends_on"), problems):
            return None
        kind = cells.get("kind") or Dependency.Kind.RUNTIME
        if kind not in Dependency.Kind.values:
            problems.append(
                Problem(
                    file,
                    line,
                    "kind",
                    f"'{kind[:40]}' is not one of {', '.join(Dependency.Kind.values)}.",
                )
            )
            return None
        return DependencyRef(
            cells["depends_on"],
            "slug",
            line,
            "depends_on",
            kind=kind,
            description=cells.get("description", ""),
        )
