"""Load the reference data: GOV.UK's organisations, the capability and standard taxonomies, the
reference platforms, and the adoptions that GOV.UK Pay's and GOV.UK Notify's published data show.

The rule for re-runs: **create what is missing, fill what is blank, never overwrite.**

- A row is found by its slug (organisations, capabilities, standards, platforms), by its pair
  (dependencies) or by (platform, organisation) for adoptions. A missing row is created.
- An existing row is left as it is, except that a field still blank (empty text, no parent, no
  capabilities, pricing "not stated") is filled from the files. A name, a summary, a status or
  a kind changed in the admin is never put back; a field a person deliberately emptied is
  refilled, because the loader cannot tell "emptied" from "never known".
- An organisation that already has an adoption of a platform, for any use, gets no second one
  from the evidence, whatever its status or notes say.
- Nothing is deleted, so a row deleted in the admin comes back on the next run.

Running the loader twice therefore changes nothing the second time. Everything happens in one
transaction: a reference file that contradicts itself loads nothing.

The data decisions, detailed in ``organisations``, ``adoptions`` and SOURCES.md:

- GOV.UK's closed bodies are kept, as closed, with ``superseded_by`` = the first body GOV.UK says
  superseded them, because the evidence uses old names. An adoption that names a closed body is
  recorded against its live successor (the chain is followed, loops guarded against), keeping the
  evidence's spelling in ``evidence_name``; without a live successor, against the body named.
- ``parent`` is the first of a body's parents (45 have several). A parent or successor that is
  not in the register is left empty and reported.
- Bodies that only the evidence names are added when the name shows their kind (council,
  police, NHS, cadets, school or college); every other name is reported, never guessed.

The files are read from ``platforms/reference_data`` (see its SOURCES.md), never from outside the
project.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from django.db import transaction

from platforms.models import Platform
from platforms.reference import adoptions, catalogue, organisations
from platforms.reference.catalogue import ReferenceDataError
from platforms.reference.matching import OrganisationIndex
from platforms.reference.report import LoadReport, SourceReport

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "reference_data"

ORGANISATIONS_FILE = "organisations.csv"
CAPABILITIES_FILE = "capabilities.yaml"
STANDARDS_FILE = "standards.yaml"
PLATFORMS_FILE = "platforms.yaml"
ALIASES_FILE = "organisation_aliases.yaml"
PAY_FILE = "govuk_pay_performance.json"
PAY_EARLIER_FILE = "govuk_pay_performance_2024-08.json"
NOTIFY_FILE = "govuk_notify_domains.yml"
API_CATALOGUE_FILE = "uk_api_catalogue.csv"
API_PROVIDERS_FILE = "uk_api_catalogue_organisations.csv"


def read_aliases(path: Path) -> dict[str, dict | list]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    data = data or {}
    return {
        "organisations": dict(data.get("organisations") or {}),
        "same_body": dict(data.get("same_body") or {}),
        "not_a_body": list(data.get("not_a_body") or []),
    }


@transaction.atomic
def load_reference_data(data_dir: Path | str = DEFAULT_DATA_DIR) -> LoadReport:
    """Load every reference file in ``data_dir`` and return what was done. See the module
    docstring for what a re-run does."""
    data_dir = Path(data_dir)
    report = LoadReport()

    register = organisations.read_register(data_dir / ORGANISATIONS_FILE)
    organisations.load_register(register, report)

    catalogue.load_capabilities(data_dir / CAPABILITIES_FILE, report)
    catalogue.load_standards(data_dir / STANDARDS_FILE, report)
    catalogue.load_platforms(data_dir / PLATFORMS_FILE, report)

    _load_adoptions(data_dir, register, report)
    _load_api_catalogue(data_dir, report)
    return report


def _load_api_catalogue(data_dir: Path, report: LoadReport) -> None:
    """The UK API catalogue's APIs, as platforms of kind "API" (see SOURCES.md). Only the APIs
    not in the catalogue yet are written, in bulk, through the importer's write path."""
    from platforms.importers import ImportPlan
    from platforms.importers.apply import write_plan
    from platforms.importers.base import decode_file
    from platforms.importers.uk_api_catalogue import FORMAT, UkApiCatalogueImporter

    if not (data_dir / API_CATALOGUE_FILE).exists():
        return
    texts = []
    for name in (API_CATALOGUE_FILE, API_PROVIDERS_FILE):
        text, problem = decode_file(name, (data_dir / name).read_bytes())
        if problem:
            raise ReferenceDataError(str(problem))
        texts.append((name, text))
    records, problems = UkApiCatalogueImporter().parse(texts)
    errors = [str(p) for p in problems if p.is_error]
    if errors:
        raise ReferenceDataError(f"{API_CATALOGUE_FILE}: {errors[0]}")
    known = {
        line
        for sources in Platform.objects.filter(
            sources__contains="urn:uk-api-catalogue:"
        ).values_list("sources", flat=True)
        for line in sources.splitlines()
    }
    # An API the curated platforms already describe (GOV.UK Notify, GOV.UK Pay, OS Places API:
    # same name, same owner) is the same thing, not a second platform to compare with itself.
    curated = {
        (name.casefold(), owner)
        for name, owner in Platform.objects.exclude(
            sources__contains="urn:uk-api-catalogue:"
        ).values_list("name", "owner__slug")
    }
    described = [r for r in records if (r.name.casefold(), r.owner_slug) in curated]
    report.api_notes += [
        f"already in the catalogue as a curated platform: {r.name} ({r.owner_slug})"
        for r in described
    ]
    new = [r for r in records if r.key not in known and r not in described]
    plan = ImportPlan(format=FORMAT, dry_run=False)
    write_plan(plan, new, owner=None, actor=None, dry_run=False, create_organisations=False)
    if plan.errors:
        raise ReferenceDataError(f"{API_CATALOGUE_FILE}: {plan.errors[0]}")
    report.apis.created += len(plan.created)
    report.apis.unchanged += len(records) - len(new) - len(described)
    report.api_notes += [p.message for p in problems if p.field == "provider" and not p.line]
    report.api_notes += [
        f"not loaded: {p.message}" for p in problems if p.field == "provider" and p.line
    ]


def _load_adoptions(
    data_dir: Path, register: list[organisations.RegisterEntry], report: LoadReport
) -> None:
    aliases = read_aliases(data_dir / ALIASES_FILE)
    index = OrganisationIndex.build(
        organisations.candidates_from_database(register),
        aliases=aliases["organisations"],
        same_body=aliases["same_body"],
        not_a_body=aliases["not_a_body"],
    )
    known = set(index.candidates)
    for spelling, slug in aliases["organisations"].items():
        if slug not in known:
            report.warn(f"Alias {spelling!r} names '{slug}', which is not an organisation.")
    for spelling, slug in adoptions.recorded_spellings():
        index.add_recorded_spelling(spelling, slug)
    by_slug = {entry.slug: entry for entry in register}

    pay = adoptions.read_pay(data_dir / PAY_FILE)
    pay_report = SourceReport(label=f"GOV.UK Pay performance data ({pay.date:%Y-%m-%d})")
    pay_groups = adoptions.reconcile(
        pay.services,
        index=index,
        report=pay_report,
        added_source=f"Named in GOV.UK Pay performance data ({pay.date:%Y-%m})",
        register=by_slug,
    )

    owners, dangling = adoptions.read_notify(data_dir / NOTIFY_FILE)
    notify_report = SourceReport(label="GOV.UK Notify domains list (2019-04)")
    notify_groups = adoptions.reconcile(
        [owner.name for owner in owners],
        index=index,
        report=notify_report,
        added_source="Named in GOV.UK Notify organisation domains list (2019-04)",
        register=by_slug,
    )
    for domain in dangling:
        report.warn(f"Notify domain {domain!r} is an alias of a domain that is not in the file.")

    earlier_path = data_dir / PAY_EARLIER_FILE
    earlier = adoptions.read_pay(earlier_path) if earlier_path.exists() else None
    earlier_counts = adoptions.count_by_organisation(earlier, index) if earlier else {}

    adoptions.record_adoptions(
        platform=_platform(adoptions.PAY_PLATFORM),
        groups=pay_groups,
        fields_for=adoptions.pay_fields(pay, earlier, earlier_counts),
        report=pay_report,
    )
    adoptions.record_adoptions(
        platform=_platform(adoptions.NOTIFY_PLATFORM),
        groups=notify_groups,
        fields_for=adoptions.notify_fields(owners),
        report=notify_report,
    )
    report.sources += [pay_report, notify_report]


def _platform(slug: str) -> Platform:
    try:
        return Platform.objects.by_slug(slug).get()
    except Platform.DoesNotExist as error:
        raise ReferenceDataError(
            f"Platform '{slug}' is needed for its adoptions but is not in {PLATFORMS_FILE}."
        ) from error


__all__ = ["DEFAULT_DATA_DIR", "ReferenceDataError", "load_reference_data"]
