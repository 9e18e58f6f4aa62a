"""Adoptions of GOV.UK Pay and GOV.UK Notify, only from published evidence.

- GOV.UK Pay's performance data counts live services per organisation, by a free-text name. Every
  organisation it names gets an adoption ``in_use``; the evidence date is the file's
  ``dateUpdated``.
- GOV.UK Notify's ``app/domains.yml`` (notifications-admin, last version April 2019) maps email
  domains to the organisations that own them. Every owner gets an adoption: ``in_use`` when its
  data-sharing agreement was signed, ``exploring`` otherwise. The date 2019-04-01 is approximate.

Each name is matched by :mod:`platforms.reference.matching`. A name matched to a closed body is
recorded against its live successor, with the evidence's own spelling kept in
``Adoption.evidence_name``. Several spellings of one body make one adoption (services summed, all
spellings kept). A body the register does not list is added when its name shows what kind of body
it is (a council, a police force, an NHS body, a cadet squadron, a college); every other name is
reported as unmatched with its closest candidates, or as ambiguous, and gets no adoption.

An organisation that already has an adoption of the platform (recorded by an earlier run or by a
person, for any use) is left as it is.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from platforms import services
from platforms.models import Adoption, Organisation, Platform
from platforms.reference.matching import Candidate, OrganisationIndex, infer_kind, name_parts
from platforms.reference.organisations import RegisterEntry, add_evidence_body
from platforms.reference.report import SourceReport

PAY_PLATFORM = "govuk-pay"
PAY_SOURCE = "GOV.UK Pay performance data"
PAY_URL = "https://www.payments.service.gov.uk/performance/"

NOTIFY_PLATFORM = "govuk-notify"
NOTIFY_SOURCE = "GOV.UK Notify organisation domains list (notifications-admin app/domains.yml)"
NOTIFY_URL = (
    "https://github.com/alphagov/notifications-admin/blob/"
    "9d99c78c3adf7a69d76203c73fb919c1aad1a016/app/domains.yml"
)
# The file has no date of its own: its last version is from April 2019 (it was deleted after).
NOTIFY_DATE = datetime.date(2019, 4, 1)
NOTIFY_NOT_SIGNED = (
    "Listed in Notify's domains file; data-sharing agreement not signed as of 2019-04."
)
NOTIFY_DATE_NOTE = "Evidence date approximate: the domains file's last version is from April 2019."

SPELLING_SEPARATOR = "; "


# --- reading the evidence ----------------------------------------------------------------------


@dataclass(frozen=True)
class PayEvidence:
    date: datetime.date
    services: dict[str, int]  # organisation name as spelt -> number of services


def read_pay(path: Path) -> PayEvidence:
    data = json.loads(path.read_text(encoding="utf-8"))
    date = datetime.datetime.strptime(data["dateUpdated"].strip(), "%d %B %Y").date()
    return PayEvidence(date=date, services=dict(data["serviceCountByOrganisation"]))


@dataclass(frozen=True)
class NotifyOwner:
    name: str
    agreement_signed: bool
    crown: bool | None
    domains: tuple[str, ...]


def read_notify(path: Path) -> tuple[list[NotifyOwner], list[str]]:
    """The owners in Notify's domains file, each with all the domains that lead to it, and the
    domains whose alias leads nowhere.

    A value is either an owner (a mapping) or another domain (a string), which may itself be an
    alias: chains are followed, loops are guarded against.
    """
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    domains_of: dict[str, list[str]] = {
        key: [] for key, value in data.items() if isinstance(value, dict)
    }
    dangling = []
    for domain in data:
        target, seen = domain, set()
        while isinstance(data.get(target), str) and target not in seen:
            seen.add(target)
            target = data[target]
        if isinstance(data.get(target), dict):
            domains_of[target].append(domain)
        else:
            dangling.append(domain)
    owners = []
    for key, domains in domains_of.items():
        value = data[key]
        owners.append(
            NotifyOwner(
                name=str(value["owner"]).strip(),
                agreement_signed=value.get("agreement_signed") is True,
                crown=value.get("crown"),
                domains=(key, *sorted(d for d in domains if d != key)),
            )
        )
    return owners, dangling


# --- matching names to organisations -----------------------------------------------------------


def reconcile(
    names: Iterable[str],
    *,
    index: OrganisationIndex,
    report: SourceReport,
    added_source: str,
    register: Mapping[str, RegisterEntry],
) -> dict[str, list[str]]:
    """Match each name to an organisation, adding the bodies whose kind the name shows.

    Returns organisation slug -> the spellings that lead to it. Names with a qualifier ("Home
    Office - ISC") come after plain names, so that a plain name adds its body first and the
    qualified one then finds it, whatever the order of the file.
    """
    groups: dict[str, list[str]] = {}
    names = sorted(set(names), key=lambda name: (bool(name_parts(name)), name.casefold(), name))
    report.names = len(names)
    for name in names:
        if index.names_no_single_body(name):
            report.not_a_body.append(name)
            continue
        match = index.match(name)
        if match.ambiguous:
            report.ambiguous.append((name, list(match.slugs)))
            continue
        if match.matched:
            report.matched[match.method] += 1
            if split := _split_body_on_the_way(match.slugs[0], match.resolved, register):
                report.successor_choices.append((name, split, match.resolved))
            groups.setdefault(match.resolved, []).append(name)
            continue
        canonical = index.canonical_name(name)
        kind = infer_kind(canonical)
        if kind is None:
            report.unmatched.append((name, index.closest(name)))
            continue
        org = add_evidence_body(name=canonical, kind=kind, source=added_source)
        index.add(Candidate(slug=org.slug, name=org.name))
        report.added[kind] += 1
        report.added_names.append(org.name)
        groups.setdefault(org.slug, []).append(name)
    return groups


def _split_body_on_the_way(
    matched: str, resolved: str, register: Mapping[str, RegisterEntry]
) -> str | None:
    """The first closed body between ``matched`` and ``resolved`` that GOV.UK says was superseded
    by several bodies (so the first was taken, and a person may want to check), if any."""
    slug, seen = matched, set()
    while slug != resolved and slug not in seen and (entry := register.get(slug)) is not None:
        if len(entry.superseding_slugs) > 1:
            return slug
        seen.add(slug)
        slug = entry.successor_slug
    return None


def recorded_spellings() -> list[tuple[str, str]]:
    """(spelling, organisation slug) for every spelling an earlier run recorded, so that a body
    renamed in the admin since is still found."""
    rows = Adoption.objects.filter(
        platform__slug__in=[PAY_PLATFORM, NOTIFY_PLATFORM],
        evidence_source__in=[PAY_SOURCE, NOTIFY_SOURCE],
    ).values_list("evidence_name", "organisation__slug")
    return [
        (spelling, slug)
        for names, slug in rows
        for spelling in names.split(SPELLING_SEPARATOR)
        if spelling.strip()
    ]


# --- recording adoptions -----------------------------------------------------------------------


def record_adoptions(
    *,
    platform: Platform,
    groups: Mapping[str, list[str]],
    fields_for: Callable[[str, list[str]], dict[str, Any]],
    report: SourceReport,
) -> None:
    """One adoption per organisation that has none of ``platform`` yet, through the service
    (all at once)."""
    organisations = Organisation.objects.in_bulk(list(groups), field_name="slug")
    adopting = set(
        Adoption.objects.filter(platform=platform, organisation__slug__in=list(groups)).values_list(
            "organisation__slug", flat=True
        )
    )
    report.organisations_adopting = len(groups)
    new = [
        Adoption(platform=platform, organisation=organisations[slug], **fields_for(slug, names))
        for slug, names in sorted(groups.items())
        if slug not in adopting
    ]
    services.adoptions_record(actor=None, adoptions=new)
    report.adoptions_unchanged += len(groups) - len(new)
    report.adoptions_created += len(new)


def _spellings(names: list[str]) -> str:
    joined = SPELLING_SEPARATOR.join(names)
    return joined if len(joined) <= 255 else names[0][:255]


def pay_fields(
    evidence: PayEvidence, earlier: PayEvidence | None, earlier_counts: Mapping[str, int]
) -> Callable[[str, list[str]], dict[str, Any]]:
    def fields_for(slug: str, names: list[str]) -> dict[str, Any]:
        total = sum(evidence.services[name] for name in names)
        notes = f"{total} live service(s) on GOV.UK Pay"
        if len(names) > 1:
            listed = "; ".join(f"'{name}' ({evidence.services[name]})" for name in names)
            notes += f", listed under {len(names)} spellings: {listed}"
        notes += "."
        if earlier is not None and slug in earlier_counts:
            notes += (
                f"\nAlso in the performance data of {earlier.date.day} {earlier.date:%B %Y}: "
                f"{earlier_counts[slug]} service(s)."
            )
        return {
            "status": Adoption.Status.IN_USE,
            "evidence_source": PAY_SOURCE,
            "evidence_url": PAY_URL,
            "evidence_date": evidence.date,
            "evidence_name": _spellings(names),
            "notes": notes,
        }

    return fields_for


def notify_fields(
    owners: Iterable[NotifyOwner],
) -> Callable[[str, list[str]], dict[str, Any]]:
    by_name: dict[str, list[NotifyOwner]] = {}
    for owner in owners:
        by_name.setdefault(owner.name, []).append(owner)

    def fields_for(slug: str, names: list[str]) -> dict[str, Any]:
        listed = [owner for name in names for owner in by_name[name]]
        signed = any(owner.agreement_signed for owner in listed)
        domains = [domain for owner in listed for domain in owner.domains]
        notes = [f"Email domain(s) in Notify's list: {', '.join(domains)}."]
        notes.append(
            "Data-sharing agreement signed as of 2019-04." if signed else NOTIFY_NOT_SIGNED
        )
        if any(owner.crown for owner in listed):
            notes.append("Listed as a Crown body.")
        notes.append(NOTIFY_DATE_NOTE)
        return {
            "status": Adoption.Status.IN_USE if signed else Adoption.Status.EXPLORING,
            "evidence_source": NOTIFY_SOURCE,
            "evidence_url": NOTIFY_URL,
            "evidence_date": NOTIFY_DATE,
            "evidence_name": _spellings(names),
            "notes": "\n".join(notes),
        }

    return fields_for


def count_by_organisation(evidence: PayEvidence, index: OrganisationIndex) -> dict[str, int]:
    """Services per organisation in an earlier Pay file, for the notes. Nothing is added."""
    counts: dict[str, int] = {}
    for name, services_count in evidence.services.items():
        match = index.match(name)
        if match.matched and not index.names_no_single_body(name):
            counts[match.resolved] = counts.get(match.resolved, 0) + services_count
    return counts
