"""CSV and JSON exports of platforms, organisations and adoptions (published records only).

The platform CSV columns are the ones the CSV importer reads (``PLATFORM_COLUMNS``), so an export
imported again is a round trip, keyed on ``slug``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from platforms.models import Adoption, Dependency, Organisation, Platform

LIST_SEPARATOR = ";"

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
    return (
        Platform.objects.published()
        .select_related("owner", "replaced_by")
        .prefetch_related("capabilities", "standards")
        .order_by("slug")
    )


def published_adoptions():
    return (
        Adoption.objects.filter(platform__state=Platform.State.PUBLISHED)
        .select_related("platform", "organisation")
        .order_by("platform__slug", "organisation__slug", "use_case")
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
        "kind": platform.kind,
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
    """The column names and the rows of one resource (published records only)."""
    if resource == "platforms":
        return PLATFORM_FIELDNAMES, (platform_row(p) for p in published_platforms())
    if resource == "organisations":
        return ORGANISATION_FIELDNAMES, (organisation_row(o) for o in organisations())
    if resource == "adoptions":
        return ADOPTION_FIELDNAMES, (adoption_row(a) for a in published_adoptions())
    if resource == "dependencies":
        return DEPENDENCY_FIELDNAMES, (dependency_row(d) for d in published_dependencies())
    raise ValueError(f"Unknown resource '{resource}'; use one of {', '.join(RESOURCES)}.")


def export_csv(resource: str) -> str:
    """The resource as CSV text; list cells are joined with ';'."""
    fieldnames, records = rows(resource)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fieldnames, lineterminator="\n")
    writer.writeheader()
    for row in records:
        writer.writerow(
            {
                key: LIST_SEPARATOR.join(value) if isinstance(value, list) else _text(value)
                for key, value in row.items()
            }
        )
    return out.getvalue()


def export_json(resource: str) -> str:
    """The resource as a JSON array of objects (lists stay lists, dates are ISO 8601)."""
    _, records = rows(resource)
    data = [
        {
            k: (v if isinstance(v, list | bool) else (_text(v) if v is not None else None))
            for k, v in row.items()
        }
        for row in records
    ]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
