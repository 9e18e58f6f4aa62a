"""Exporting the published catalogue: CSV and JSON for platforms, organisations and adoptions
(``tabular``), and DCAT-AP / ADMS JSON-LD for the catalogue as a whole (``dcat``)."""

from platforms.exporters.dcat import catalogue_jsonld
from platforms.exporters.tabular import (
    ADOPTION_FIELDNAMES,
    LIST_SEPARATOR,
    ORGANISATION_FIELDNAMES,
    PLATFORM_COLUMNS,
    PLATFORM_FIELDNAMES,
    RESOURCES,
    export_csv,
    export_json,
)

__all__ = [
    "ADOPTION_FIELDNAMES",
    "LIST_SEPARATOR",
    "ORGANISATION_FIELDNAMES",
    "PLATFORM_COLUMNS",
    "PLATFORM_FIELDNAMES",
    "RESOURCES",
    "catalogue_jsonld",
    "export_csv",
    "export_json",
]
