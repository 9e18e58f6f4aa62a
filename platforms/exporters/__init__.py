"""Exporting the published catalogue: CSV and JSON for platforms, organisations and adoptions
(``tabular``), and DCAT-AP / ADMS JSON-LD for the catalogue as a whole (``dcat``). Every CSV the
product writes goes through ``cells.csv_lines`` and so ``cells.spreadsheet_safe``."""

from platforms.exporters.cells import csv_lines, restore_cell, spreadsheet_safe
from platforms.exporters.dcat import catalogue_jsonld, stream_catalogue_jsonld
from platforms.exporters.tabular import (
    ADOPTION_FIELDNAMES,
    LIST_SEPARATOR,
    ORGANISATION_FIELDNAMES,
    PLATFORM_COLUMNS,
    PLATFORM_FIELDNAMES,
    RESOURCES,
    export_csv,
    export_json,
    stream_csv,
    stream_json,
)

__all__ = [
    "ADOPTION_FIELDNAMES",
    "LIST_SEPARATOR",
    "ORGANISATION_FIELDNAMES",
    "PLATFORM_COLUMNS",
    "PLATFORM_FIELDNAMES",
    "RESOURCES",
    "catalogue_jsonld",
    "csv_lines",
    "export_csv",
    "export_json",
    "restore_cell",
    "spreadsheet_safe",
    "stream_catalogue_jsonld",
    "stream_csv",
    "stream_json",
]
