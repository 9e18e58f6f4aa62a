"""Organisations from GOV.UK's register, and the bodies the adoption evidence adds to them.

Decisions (also in ``platforms/reference_data/SOURCES.md``):

- All 1,254 bodies in the register are loaded, closed ones included. A closed body keeps its
  GOV.UK status (``closed``) and gets ``superseded_by`` = the *first* body GOV.UK lists as
  superseding it, because the evidence still uses old names (the 2019 Notify list says "Department
  for International Trade"). Only closed bodies get a successor: GOV.UK also lists "superseding"
  bodies for some exempt ones (e.g. Natural Resources Wales -> Welsh Government) that still exist.
- ``parent`` is the first parent GOV.UK lists; 45 bodies have more than one and only the first is
  kept. A parent (or successor) that is not in the register is left empty and reported.
- Some titles in the snapshot are mis-decoded UTF-8 ("Treasury Solicitorâ\\x80\\x99s Department");
  :func:`repair_mojibake` puts them right.
- An existing row is never overwritten: a field is only filled while it is still blank, so a name
  or kind corrected in the admin stays corrected.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from platforms.models import Organisation
from platforms.reference.matching import Candidate
from platforms.reference.report import LoadReport
from platforms.services import unique_slug

REGISTER_SOURCE = "GOV.UK organisations register (snapshot 2026-06)"

Kind = Organisation.Kind
KIND_BY_GOVUK_TYPE = {
    "Ministerial department": Kind.MINISTERIAL_DEPARTMENT,
    "Non-ministerial department": Kind.NON_MINISTERIAL_DEPARTMENT,
    "Executive agency": Kind.EXECUTIVE_AGENCY,
    "Executive non-departmental public body": Kind.NDPB,
    "Advisory non-departmental public body": Kind.NDPB,
    "Public corporation": Kind.PUBLIC_CORPORATION,
    "Devolved government": Kind.DEVOLVED_ADMINISTRATION,
    "Sub organisation": Kind.SUB_ORGANISATION,
    "Tribunal": Kind.COURT_OR_TRIBUNAL,
    "Court": Kind.COURT_OR_TRIBUNAL,
    "Special health authority": Kind.HEALTH,
}
STATUSES = set(Organisation.Status.values)
_LABELS = {"parent": "parent", "superseded_by": "successor"}


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as Latin-1 ("Citizensâ\\x80\\x99" -> "Citizens’")."""
    if not any(ch in text for ch in "âÃÂ"):
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


@dataclass(frozen=True)
class RegisterEntry:
    """One row of GOV.UK's register."""

    slug: str
    name: str
    abbreviation: str
    kind: str
    status: str
    parent_slugs: tuple[str, ...]
    superseding_slugs: tuple[str, ...]
    govuk_url: str

    @property
    def closed(self) -> bool:
        return self.status == Organisation.Status.CLOSED

    @property
    def parent_slug(self) -> str | None:
        return self.parent_slugs[0] if self.parent_slugs else None

    @property
    def successor_slug(self) -> str | None:
        return self.superseding_slugs[0] if self.closed and self.superseding_slugs else None


def _slugs(value: str) -> tuple[str, ...]:
    return tuple(slug for slug in (part.strip() for part in value.split(";")) if slug)


def read_register(path: Path) -> list[RegisterEntry]:
    """Parse the register CSV (see SOURCES.md for its columns)."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    entries = []
    for row in rows:
        status = row["govuk_status"].strip()
        entries.append(
            RegisterEntry(
                slug=row["slug"].strip(),
                name=repair_mojibake(row["title"]).strip(),
                abbreviation=repair_mojibake(row["abbreviation"]).strip(),
                kind=KIND_BY_GOVUK_TYPE.get(row["organisation_type"].strip(), Kind.OTHER),
                status=status if status in STATUSES else Organisation.Status.LIVE,
                parent_slugs=_slugs(row["parent_slugs"]),
                superseding_slugs=_slugs(row["superseding_slugs"]),
                govuk_url=row["web_url"].strip(),
            )
        )
    return entries


def load_register(entries: Iterable[RegisterEntry], report: LoadReport) -> None:
    """Create the register's organisations that are missing, then link parents and successors.

    Organisations have no service (only catalogue administrators manage them), so they are
    written in bulk: two passes, because a parent may come after its child in the file.
    """
    entries = list(entries)
    existing = {org.slug: org for org in Organisation.objects.all()}
    new = [
        Organisation(
            slug=entry.slug,
            name=entry.name,
            abbreviation=entry.abbreviation,
            kind=entry.kind,
            status=entry.status,
            govuk_url=entry.govuk_url,
            source=REGISTER_SOURCE,
        )
        for entry in entries
        if entry.slug not in existing
    ]
    for org in new:
        # Field checks only: the slugs are unique in the file and new to the database.
        org.full_clean(
            exclude=["parent", "superseded_by"], validate_unique=False, validate_constraints=False
        )
    Organisation.objects.bulk_create(new, batch_size=500)
    report.organisations.created += len(new)

    by_slug = {org.slug: org for org in Organisation.objects.all()}
    changed: dict[str, set[str]] = {}  # slug -> fields filled
    for entry in entries:
        org = by_slug[entry.slug]
        fills: dict[str, object] = {
            "abbreviation": entry.abbreviation,
            "govuk_url": entry.govuk_url,
            "source": REGISTER_SOURCE,
        }
        for field, value in fills.items():
            if value and not getattr(org, field):
                setattr(org, field, value)
                changed.setdefault(org.slug, set()).add(field)
        for field, target in (
            ("parent", entry.parent_slug),
            ("superseded_by", entry.successor_slug),
        ):
            if not target or getattr(org, f"{field}_id") is not None:
                continue
            if target not in by_slug:
                report.warn(
                    f"{entry.name} ({entry.slug}): its {_LABELS[field]} "
                    f"'{target}' is not in the register; left empty."
                )
                continue
            if target == org.slug:
                continue
            setattr(org, field, by_slug[target])
            changed.setdefault(org.slug, set()).add(field)
    if changed:
        fields = sorted(set().union(*changed.values()))
        Organisation.objects.bulk_update(
            [by_slug[slug] for slug in changed], fields, batch_size=500
        )
    previously = {entry.slug for entry in entries} & existing.keys()
    report.organisations.filled += len(previously & changed.keys())
    report.organisations.unchanged += len(previously - changed.keys())
    report.organisations.several_parents = sum(1 for e in entries if len(e.parent_slugs) > 1)


def candidates_from_database(register: Iterable[RegisterEntry]) -> list[Candidate]:
    """Every organisation in the database, as the matching index sees it. A body renamed in the
    admin is still found under its GOV.UK title."""
    titles = {entry.slug: entry.name for entry in register}
    candidates = []
    rows = Organisation.objects.values_list(
        "slug", "name", "abbreviation", "status", "superseded_by__slug"
    )
    for slug, name, abbreviation, status, successor in rows:
        title = titles.get(slug)
        candidates.append(
            Candidate(
                slug=slug,
                name=name,
                abbreviation=abbreviation,
                closed=status == Organisation.Status.CLOSED,
                superseded_by=successor,
                spellings=(title,) if title and title != name else (),
            )
        )
    return candidates


def add_evidence_body(*, name: str, kind: str, source: str) -> Organisation:
    """Add a body the evidence names that GOV.UK's register does not list (a council, a police
    force, an NHS trust...)."""
    org = Organisation(
        name=name[:255],
        slug=unique_slug(Organisation, name, max_length=120),
        kind=kind,
        status=Organisation.Status.LIVE,
        source=source[:255],
    )
    org.full_clean()
    org.save()
    return org
