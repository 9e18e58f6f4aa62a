"""CSV and JSON exports of platforms, organisations and adoptions (published records only).

The platform CSV columns are the ones the CSV importer reads (``PLATFORM_COLUMNS``), so an export
imported again is a round trip, keyed on ``slug``.

Every export streams, from one query: rows are read as plain values with
``QuerySet.values_list().iterator(chunk_size=CHUNK_SIZE)`` (a server-side cursor on PostgreSQL;
no model instances), a platform's capability and standard slugs come in the same row (aggregated
by the database), and each row is written as soon as it is formatted. Memory stays that of one
chunk whatever the catalogue's size.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Aggregate, CharField, F, OuterRef, Subquery, Value

from platforms.exporters.cells import csv_lines
from platforms.models import Adoption, Dependency, Organisation, Platform

LIST_SEPARATOR = ";"
# Rows fetched from the database at a time.
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
    ("kind", "service_platform, api, software_component or data_register"),
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
DEPENDENCY_FIELDNAMES = ("platform", "depends_on", "kind", "description")
RESOURCES = ("platforms", "organisations", "adoptions", "dependencies")


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


def published_dependencies():
    """Between published platforms only: an export never names a draft."""
    return (
        Dependency.objects.filter(
            platform__state=Platform.State.PUBLISHED, depends_on__state=Platform.State.PUBLISHED
        )
        .select_related("platform", "depends_on")
        .order_by("platform__slug", "depends_on__slug")
    )


def dependency_row(dependency: Dependency) -> dict[str, Any]:
    return {
        "platform": dependency.platform.slug,
        "depends_on": dependency.depends_on.slug,
        "kind": dependency.kind,
        "description": dependency.description,
    }


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


# How each export reads its columns: a column named here comes through a relation (the related
# record's slug); any other column is the model field of the same name, so a column added to the
# field names is exported without more code.
_THROUGH = {
    "platforms": {"owner": "owner__slug", "replaced_by": "replaced_by__slug"},
    "organisations": {"parent": "parent__slug", "superseded_by": "superseded_by__slug"},
    "adoptions": {"platform": "platform__slug", "organisation": "organisation__slug"},
    "dependencies": {"platform": "platform__slug", "depends_on": "depends_on__slug"},
}
# Many-to-many columns of platforms: (through model, the related slug).
_PLATFORM_LISTS = {
    "capabilities": (Platform.capabilities.through, "capability__slug"),
    "standards": (Platform.standards.through, "standard__slug"),
}


class _JoinedSlugs(Aggregate):
    """A group's slugs joined with ``LIST_SEPARATOR`` (slugs never hold it): ``group_concat`` on
    SQLite, ``string_agg`` on PostgreSQL (both take the expression and the separator)."""

    function = "GROUP_CONCAT"
    output_field = CharField()

    def __init__(self, expression) -> None:
        super().__init__(expression, Value(LIST_SEPARATOR))

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="STRING_AGG", **extra_context)


def joined_slugs(through, slug: str) -> Subquery:
    """Per platform (the outer row), its related slugs joined with ``LIST_SEPARATOR``."""
    return Subquery(
        through.objects.filter(platform_id=OuterRef("pk"))
        .values("platform_id")
        .annotate(joined=_JoinedSlugs(F(slug)))
        .values("joined"),
        output_field=CharField(),
    )


def _value_rows(queryset, resource: str, fieldnames: tuple[str, ...]) -> Iterator[list[Any]]:
    """The rows of ``queryset`` as lists in ``fieldnames`` order, read from one query as plain
    values, ``CHUNK_SIZE`` at a time."""
    through = _THROUGH[resource]
    lists = _PLATFORM_LISTS if resource == "platforms" else {}
    queryset = queryset.annotate(
        **{f"{name}_slugs": joined_slugs(model, slug) for name, (model, slug) in lists.items()}
    )
    lookups = [f"{n}_slugs" if n in lists else through.get(n, n) for n in fieldnames]
    list_at = [fieldnames.index(name) for name in lists]
    if resource != "platforms":
        for values in queryset.values_list(*lookups).iterator(chunk_size=CHUNK_SIZE):
            yield list(values)
        return
    replaced_by, tags = fieldnames.index("replaced_by"), fieldnames.index("tags")
    width = len(fieldnames)
    for values in queryset.values_list(*lookups, "replaced_by__state").iterator(
        chunk_size=CHUNK_SIZE
    ):
        row = list(values[:width])
        for at in list_at:
            row[at] = sorted(row[at].split(LIST_SEPARATOR)) if row[at] else []
        # Exports are public: a replacement that is still a draft is not named.
        if values[width] != Platform.State.PUBLISHED:
            row[replaced_by] = ""
        row[tags] = list(row[tags] or [])
        yield row


def rows(resource: str) -> tuple[tuple[str, ...], Iterable[list[Any]]]:
    """The column names and the rows (lists in the columns' order) of one resource, published
    records only, read lazily in chunks of ``CHUNK_SIZE``."""
    sources = {
        "platforms": (published_platforms, PLATFORM_FIELDNAMES),
        "organisations": (organisations, ORGANISATION_FIELDNAMES),
        "adoptions": (published_adoptions, ADOPTION_FIELDNAMES),
        "dependencies": (published_dependencies, DEPENDENCY_FIELDNAMES),
    }
    if resource not in sources:
        raise ValueError(f"Unknown resource '{resource}'; use one of {', '.join(RESOURCES)}.")
    queryset, fieldnames = sources[resource]
    return fieldnames, _value_rows(queryset(), resource, fieldnames)


def _csv_cell(value: Any) -> str:
    return LIST_SEPARATOR.join(value) if isinstance(value, list) else _text(value)


def stream_csv(resource: str) -> Iterator[str]:
    """The resource as CSV, in pieces of lines; list cells are joined with ';' and every cell is
    made safe for spreadsheets (``cells.spreadsheet_safe``)."""
    fieldnames, records = rows(resource)
    return csv_lines(
        fieldnames,
        # Most cells are text already: only the others are converted.
        ([c if c.__class__ is str else _csv_cell(c) for c in row] for row in records),
    )


def _json_value(value: Any) -> Any:
    return value if isinstance(value, list | bool | str) or value is None else _text(value)


def stream_json(resource: str) -> Iterator[str]:
    """The resource as a JSON array of objects (lists stay lists, dates are ISO 8601), one
    record a line, written as they are read."""
    fieldnames, records = rows(resource)
    # The C encoder (no indent): one record a line keeps the file readable and diffable.
    encode = json.JSONEncoder(ensure_ascii=False).encode
    first = True
    for row in records:
        record = encode(
            {key: _json_value(value) for key, value in zip(fieldnames, row, strict=True)}
        )
        yield ("[\n" if first else ",\n") + record
        first = False
    yield "[]\n" if first else "\n]\n"


def export_csv(resource: str) -> str:
    """The resource as CSV text (the whole of :func:`stream_csv`)."""
    return "".join(stream_csv(resource))


def export_json(resource: str) -> str:
    """The resource as JSON text (the whole of :func:`stream_json`)."""
    return "".join(stream_json(resource))
