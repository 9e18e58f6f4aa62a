"""CSV and JSON exports of platforms, organisations and adoptions (published records only).

The platform CSV columns are the ones the CSV importer reads (``PLATFORM_COLUMNS``), so an export
imported again is a round trip, keyed on ``slug``.

Every export streams: rows are read with ``QuerySet.iterator(chunk_size=CHUNK_SIZE)`` (a
server-side cursor on PostgreSQL), related lists are prefetched once per chunk, and each row is
written as soon as it is formatted. Memory stays that of one chunk whatever the catalogue's size,
and the number of queries is a few per ``CHUNK_SIZE`` rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from platforms.exporters.cells import csv_lines
from platforms.models import Adoption, Organisation, Platform

LIST_SEPARATOR = ";"
# Rows read (and related lists prefetched) at a time.
CHUNK_SIZE = 2000

# (column, what it holds). The CSV importer reads the same columns.
PLATFORM_COLUMNS: tuple[tuple[str, str], ...] = (
    ("slug", "Stable key: the platform's slug"),
    ("name", "Name"),
    ("summary", "One sentence, at most 300 characters"),
    ("description", "Longer description"),
    ("owner", "Slug of the owning organisation"),
    ("phase", "discovery, alpha, beta, live, retiring or retired"),
    ("state", "draft, in_review or published (only set when a new platform is created)"),
    ("replaced_by", "Slug of the replacement, for a retiring or retired platform"),
    ("capabilities", "Capability slugs, separated by ';'"),
    ("standards", "Standard slugs, separated by ';'"),
    ("tags", "Keywords, separated by ';'"),
    ("service_url", "Service URL"),
    ("documentation_url", "Documentation URL"),
    ("source_code_url", "Source code URL"),
    ("is_open_source", "true or false"),
    ("licence", "SPDX identifier"),
    ("hosting", "Hosting"),
    ("supplier", "'In-house' or the vendor"),
    ("contract_end_date", "YYYY-MM-DD"),
    ("contact_email", "Contact email"),
    ("data_classification", "official, official_sensitive or secret"),
    ("handles_personal_data", "true or false"),
    ("pricing_model", "free, cost_recovery, subscription, per_transaction or unknown"),
    ("sources", "Public sources, one URL a line"),
)
PLATFORM_FIELDNAMES = tuple(name for name, _ in PLATFORM_COLUMNS)

ORGANISATION_FIELDNAMES = (
    "slug",
    "name",
    "abbreviation",
    "kind",
    "status",
    "parent",
    "superseded_by",
    "website",
    "govuk_url",
)
ADOPTION_FIELDNAMES = (
    "platform",
    "organisation",
    "status",
    "use_case",
    "start_date",
    "end_date",
    "notes",
    "evidence_source",
    "evidence_url",
    "evidence_date",
    "evidence_name",
)
RESOURCES = ("platforms", "organisations", "adoptions")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def published_platforms():
    return (
        Platform.objects.published()
        .select_related("owner", "replaced_by")
        .prefetch_related("capabilities", "standards")
        # The search index is a large column no export shows.
        .defer("search_vector", "replaced_by__search_vector")
        .order_by("slug")
    )


def published_adoptions():
    return (
        Adoption.objects.filter(platform__state=Platform.State.PUBLISHED)
        .select_related("platform", "organisation")
        .order_by("platform__slug", "organisation__slug", "use_case")
    )


def organisations():
    return Organisation.objects.select_related("parent", "superseded_by").order_by("slug")


def platform_row(platform: Platform) -> dict[str, Any]:
    """A platform as a flat row of the export (and import) columns."""
    return {
        "slug": platform.slug,
        "name": platform.name,
        "summary": platform.summary,
        "description": platform.description,
        "owner": platform.owner.slug,
        "phase": platform.phase,
        "state": platform.state,
        # Exports are public: a replacement that is still a draft is not named.
        "replaced_by": (
            platform.replaced_by.slug
            if platform.replaced_by and platform.replaced_by.is_published
            else ""
        ),
        "capabilities": sorted(c.slug for c in platform.capabilities.all()),
        "standards": sorted(s.slug for s in platform.standards.all()),
        "tags": list(platform.tags),
        "service_url": platform.service_url,
        "documentation_url": platform.documentation_url,
        "source_code_url": platform.source_code_url,
        "is_open_source": platform.is_open_source,
        "licence": platform.licence,
        "hosting": platform.hosting,
        "supplier": platform.supplier,
        "contract_end_date": platform.contract_end_date,
        "contact_email": platform.contact_email,
        "data_classification": platform.data_classification,
        "handles_personal_data": platform.handles_personal_data,
        "pricing_model": platform.pricing_model,
        "sources": platform.sources,
    }


def organisation_row(organisation: Organisation) -> dict[str, Any]:
    return {
        "slug": organisation.slug,
        "name": organisation.name,
        "abbreviation": organisation.abbreviation,
        "kind": organisation.kind,
        "status": organisation.status,
        "parent": organisation.parent.slug if organisation.parent else "",
        "superseded_by": organisation.superseded_by.slug if organisation.superseded_by else "",
        "website": organisation.website,
        "govuk_url": organisation.govuk_url,
    }


def adoption_row(adoption: Adoption) -> dict[str, Any]:
    return {
        "platform": adoption.platform.slug,
        "organisation": adoption.organisation.slug,
        "status": adoption.status,
        "use_case": adoption.use_case,
        "start_date": adoption.start_date,
        "end_date": adoption.end_date,
        "notes": adoption.notes,
        "evidence_source": adoption.evidence_source,
        "evidence_url": adoption.evidence_url,
        "evidence_date": adoption.evidence_date,
        "evidence_name": adoption.evidence_name,
    }


def rows(resource: str) -> tuple[tuple[str, ...], Iterable[dict[str, Any]]]:
    """The column names and the rows of one resource (published records only), read lazily in
    chunks of ``CHUNK_SIZE``."""
    if resource == "platforms":
        records, to_row = published_platforms(), platform_row
        fieldnames = PLATFORM_FIELDNAMES
    elif resource == "organisations":
        records, to_row, fieldnames = organisations(), organisation_row, ORGANISATION_FIELDNAMES
    elif resource == "adoptions":
        records, to_row, fieldnames = published_adoptions(), adoption_row, ADOPTION_FIELDNAMES
    else:
        raise ValueError(f"Unknown resource '{resource}'; use one of {', '.join(RESOURCES)}.")
    return fieldnames, (to_row(record) for record in records.iterator(chunk_size=CHUNK_SIZE))


def _csv_cell(value: Any) -> str:
    return LIST_SEPARATOR.join(value) if isinstance(value, list) else _text(value)


def stream_csv(resource: str) -> Iterator[str]:
    """The resource as CSV, line by line; list cells are joined with ';' and every cell is made
    safe for spreadsheets (``cells.spreadsheet_safe``)."""
    fieldnames, records = rows(resource)
    return csv_lines(
        fieldnames, ({key: _csv_cell(value) for key, value in row.items()} for row in records)
    )


def _json_value(value: Any) -> Any:
    return value if isinstance(value, list | bool) or value is None else _text(value)


def stream_json(resource: str) -> Iterator[str]:
    """The resource as a JSON array of objects (lists stay lists, dates are ISO 8601), one record
    at a time; the text is the same as ``json.dumps(records, indent=2)``."""
    _, records = rows(resource)
    first = True
    for row in records:
        record = json.dumps(
            {key: _json_value(value) for key, value in row.items()}, ensure_ascii=False, indent=2
        )
        yield ("[\n  " if first else ",\n  ") + record.replace("\n", "\n  ")
        first = False
    yield "[]\n" if first else "\n]\n"


def export_csv(resource: str) -> str:
    """The resource as CSV text (the whole of :func:`stream_csv`)."""
    return "".join(stream_csv(resource))


def export_json(resource: str) -> str:
    """The resource as JSON text (the whole of :func:`stream_json`)."""
    return "".join(stream_json(resource))
