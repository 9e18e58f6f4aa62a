"""Importing platforms from the files departments already keep: publiccode.yml, Backstage
``catalog-info.yaml`` and the catalogue's own CSV.

One entry point, :func:`run_import`, for the management command and the API::

    plan = run_import([("publiccode.yml", data)], "publiccode", owner="hm-revenue-customs",
                      actor=request.user, dry_run=True)
    plan.created, plan.updated, plan.unchanged, plan.problems

Stable keys (how a second import finds what the first one created, so it changes nothing):

- publiccode.yml: the repository ``url``, kept as the platform's ``source_code_url`` and as a line
  of its ``sources``;
- Backstage: ``urn:backstage:<kind>:<namespace>/<name>``, kept as a line of ``sources``;
- CSV: the ``slug`` column;
- UK API catalogue: ``urn:uk-api-catalogue:<provider>/<name>``, kept as a line of ``sources``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from platforms.collector import collections_paused
from platforms.importers.apply import write_plan
from platforms.importers.base import (
    ERROR,
    MAX_FILE_BYTES,
    WARNING,
    Importer,
    ImportPlan,
    PlanItem,
    PlatformRecord,
    Problem,
    Progress,
    decode_file,
)
from platforms.models import Organisation

__all__ = [
    "ERROR",
    "FORMATS",
    "WARNING",
    "ImportPlan",
    "PlanItem",
    "Problem",
    "get_importer",
    "run_import",
]


def _importers() -> dict[str, type[Importer]]:
    from platforms.importers.backstage import BackstageImporter
    from platforms.importers.csv_format import CsvImporter
    from platforms.importers.publiccode import PubliccodeImporter
    from platforms.importers.uk_api_catalogue import UkApiCatalogueImporter

    return {
        UkApiCatalogueImporter.format_name: UkApiCatalogueImporter,
        PubliccodeImporter.format_name: PubliccodeImporter,
        BackstageImporter.format_name: BackstageImporter,
        CsvImporter.format_name: CsvImporter,
    }


FORMATS = ("publiccode", "backstage", "csv", "uk-api-catalogue")
# Formats whose rows say their owner (an --owner is then only a default, or not needed).
OWNED_BY_ROW = ("csv", "uk-api-catalogue")


def get_importer(format_name: str) -> Importer:
    try:
        return _importers()[format_name]()
    except KeyError:
        raise ValueError(
            f"Unknown import format '{format_name}'; use one of {', '.join(FORMATS)}."
        ) from None


@collections_paused()
def run_import(
    files: list[tuple[str, bytes]],
    format: str,  # noqa: A002 - the word the command line and the API use
    owner: Organisation | str | None,
    actor: Any = None,
    *,
    dry_run: bool = True,
    create_organisations: bool = False,
    base_dir: str | Path | None = None,
    progress: Progress | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
) -> ImportPlan:
    """Read ``files`` (name, raw bytes) in ``format`` and write them for ``owner`` as ``actor``
    (``None``: the system, an operator on the server).

    All or nothing: with any error nothing is written, and with ``dry_run`` (the default) nothing
    is written either; the plan says what would have happened. ``base_dir`` is where relative
    files a descriptor names (Backstage ``Location`` targets) may be read from; nothing is ever
    fetched over the network. A file larger than ``max_file_bytes`` is refused before it is
    read (the API's 1 MB by default; the management command allows a whole catalogue).
    """
    importer = get_importer(format)
    plan = ImportPlan(format=format, dry_run=dry_run)

    if isinstance(owner, str):
        owner_slug = owner
        owner = Organisation.objects.filter(slug=owner_slug).first()
        if owner is None:
            plan.problems.append(
                Problem("", None, "owner", f"No organisation has the slug '{owner_slug}'.")
            )
            return plan
    if owner is None and format not in OWNED_BY_ROW:
        plan.problems.append(
            Problem("", None, "owner", "Say which organisation owns the platforms (--owner).")
        )
        return plan

    texts: list[tuple[str, str]] = []
    for name, data in files:
        text, problem = decode_file(name, data, max_file_bytes)
        if problem:
            plan.problems.append(problem)
        else:
            texts.append((name, text))
    if plan.errors:
        return plan

    records, problems = importer.parse(texts, base_dir=Path(base_dir) if base_dir else None)
    plan.problems.extend(problems)
    records = _without_duplicates(records, plan)
    if plan.errors:
        return plan

    write_plan(
        plan,
        records,
        owner=owner,
        actor=actor,
        dry_run=dry_run,
        create_organisations=create_organisations,
        progress=progress,
    )
    return plan


def _without_duplicates(records: list[PlatformRecord], plan: ImportPlan) -> list[PlatformRecord]:
    seen: dict[str, PlatformRecord] = {}
    for record in records:
        if record.key in seen:
            first = seen[record.key]
            plan.problems.append(
                Problem(
                    record.file,
                    record.line,
                    "",
                    f"'{record.name}' is in the import twice (also {first.file} line "
                    f"{first.line}); keep one.",
                )
            )
        else:
            seen[record.key] = record
    return list(seen.values())
