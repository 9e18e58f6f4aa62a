"""CSV and JSON exports of platforms, organisations and adoptions (published records only).

The platform CSV columns are the ones the CSV importer reads (``PLATFORM_COLUMNS``), so an export
imported again is a round trip, keyed on ``slug``.

Every export streams: rows are read as plain values with
``QuerySet.values().iterator(chunk_size=CHUNK_SIZE)`` (a server-side cursor on PostgreSQL; no
model instances), a platform's capabilities and standards are read once per chunk, and each row is
written as soon as it is formatted. Memory stays that of one chunk whatever the catalogue's size,
and the number of queries is 1 + 2 per ``CHUNK_SIZE`` platforms (1 for the other resources).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import islice
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
    return Platform.objects.published().order_by("slug")


def published_adoptions():
    return Adoption.objects.filter(platform__state=Platform.State.PUBLISHED).order_by(
        "platform__slug", "organisation__slug", "use_case"
    )


def organisations():
    return Organisation.objects.order_by("slug")


def platform_row(platform: Platform) -> dict[str, Any]:
    """One platform (a model instance) as a flat row of the export (and import) columns."""
    row = {name: getattr(platform, name) for name in PLATFORM_FIELDNAMES}
    row["owner"] = platform.owner.slug
    # Exports are public: a replacement that is still a draft is not named.
    replacement = platform.replaced_by
    row["replaced_by"] = replacement.slug if replacement and replacement.is_published else ""
    row["capabilities"] = sorted(c.slug for c in platform.capabilities.all())
    row["standards"] = sorted(s.slug for s in platform.standards.all())
    row["tags"] = list(platform.tags)
    return row


# How each export reads its columns with ``values()``: a column named here comes through a
# relation (the related record's slug); any other column is the model field of the same name, so
# a column added to the field names is exported without more code.
_THROUGH = {
    "platforms": {"owner": "owner__slug", "replaced_by": "replaced_by__slug"},
    "organisations": {"parent": "parent__slug", "superseded_by": "superseded_by__slug"},
    "adoptions": {"platform": "platform__slug", "organisation": "organisation__slug"},
}
# Many-to-many columns of platforms: read once per chunk, as sorted lists of slugs.
_PLATFORM_LISTS = {
    "capabilities": (Platform.capabilities.through, "capability__slug"),
    "standards": (Platform.standards.through, "standard__slug"),
}


def _chunks(records: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _value_rows(queryset, resource: str, fieldnames: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    """The rows of ``queryset``, read as plain values (no model instances) ``CHUNK_SIZE`` at a
    time; for platforms, their capability and standard slugs are read once per chunk."""
    through = _THROUGH[resource]
    lists = _PLATFORM_LISTS if resource == "platforms" else {}
    lookups = {name: through.get(name, name) for name in fieldnames if name not in lists}
    extra = ("id", "slug", "replaced_by__state") if resource == "platforms" else ("id",)
    values = queryset.values(*extra, *dict.fromkeys(lookups.values()))
    for chunk in _chunks(values.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
        related: dict[str, dict[int, list[str]]] = {}
        for name, (model, slug) in lists.items():
            related[name] = {}
            # The chunk's platforms by the range of their (unique) slugs: an index range scan,
            # cheaper to build and to run than a list of thousands of ids.
            pairs = model.objects.filter(
                platform__state=Platform.State.PUBLISHED,
                platform__slug__gte=chunk[0]["slug"],
                platform__slug__lte=chunk[-1]["slug"],
            )
            for platform_id, value in pairs.values_list("platform_id", slug).order_by(slug):
                related[name].setdefault(platform_id, []).append(value)
        for record in chunk:
            row = {name: record[lookup] for name, lookup in lookups.items()}
            for name in lists:
                row[name] = related[name].get(record["id"], [])
            if resource == "platforms":
                # Exports are public: a replacement that is still a draft is not named.
                if record["replaced_by__state"] != Platform.State.PUBLISHED:
                    row["replaced_by"] = ""
                row["tags"] = list(row["tags"] or [])
            yield {name: row[name] for name in fieldnames}


def rows(resource: str) -> tuple[tuple[str, ...], Iterable[dict[str, Any]]]:
    """The column names and the rows of one resource (published records only), read lazily in
    chunks of ``CHUNK_SIZE``."""
    sources = {
        "platforms": (published_platforms, PLATFORM_FIELDNAMES),
        "organisations": (organisations, ORGANISATION_FIELDNAMES),
        "adoptions": (published_adoptions, ADOPTION_FIELDNAMES),
    }
    if resource not in sources:
        raise ValueError(f"Unknown resource '{resource}'; use one of {', '.join(RESOURCES)}.")
    queryset, fieldnames = sources[resource]
    return fieldnames, _value_rows(queryset(), resource, fieldnames)


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
