"""What a load did, for the command to print: the reconciliation of each evidence source."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from platforms.models import Organisation

# How many names of each list to print without --verbose.
SHORT_LIST = 10


@dataclass
class RowCounts:
    created: int = 0
    filled: int = 0  # existing rows whose blank fields were filled
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.created} created, {self.filled} filled in, {self.unchanged} unchanged"


@dataclass
class OrganisationCounts(RowCounts):
    several_parents: int = 0


@dataclass
class SourceReport:
    """The reconciliation of one evidence source's organisation names."""

    label: str
    names: int = 0
    matched: Counter[str] = field(default_factory=Counter)  # by method
    added: Counter[str] = field(default_factory=Counter)  # by kind
    added_names: list[str] = field(default_factory=list)
    ambiguous: list[tuple[str, list[str]]] = field(default_factory=list)
    unmatched: list[tuple[str, list[str]]] = field(default_factory=list)
    not_a_body: list[str] = field(default_factory=list)
    successor_choices: list[tuple[str, str, str]] = field(default_factory=list)
    adoptions_created: int = 0
    adoptions_unchanged: int = 0
    organisations_adopting: int = 0

    def lines(self, verbose: bool) -> list[str]:
        kinds = dict(Organisation.Kind.choices)
        matched = sum(self.matched.values())
        by_method = ", ".join(f"{method} {n}" for method, n in sorted(self.matched.items()))
        added = sum(self.added.values())
        by_kind = ", ".join(f"{kinds.get(k, k)} {n}" for k, n in self.added.most_common())
        lines = [
            f"{self.label}: {self.names} names",
            f"  matched: {matched}" + (f" ({by_method})" if by_method else ""),
            f"  added as new organisations: {added}" + (f" ({by_kind})" if by_kind else ""),
            f"  ambiguous: {len(self.ambiguous)}",
            f"  unmatched: {len(self.unmatched) + len(self.not_a_body)}"
            + (
                f" (of which {len(self.not_a_body)} name no single body)" if self.not_a_body else ""
            ),
            f"  adoptions: {self.adoptions_created} created, {self.adoptions_unchanged} unchanged,"
            f" for {self.organisations_adopting} organisations",
        ]
        if self.successor_choices:
            lines.append(
                "  closed bodies with several successors (recorded against the first, check):"
            )
            lines += [
                f"    {name!r} -> {closed} -> {successor}"
                for name, closed, successor in _cap(self.successor_choices, verbose)
            ]
        if self.ambiguous:
            lines.append("  ambiguous names (no adoption recorded):")
            lines += [
                f"    {name!r}: could be {', '.join(slugs)}"
                for name, slugs in _cap(self.ambiguous, verbose)
            ]
        if self.unmatched or self.not_a_body:
            lines.append(
                "  unmatched names (no adoption recorded), with the closest organisations:"
            )
            lines += [
                f"    {name!r}: {'; '.join(closest) or 'no organisation with a similar name'}"
                for name, closest in _cap(self.unmatched, verbose)
            ]
            lines += [
                f"    {name!r}: names no single body" for name in _cap(self.not_a_body, verbose)
            ]
        if verbose and self.added_names:
            lines.append("  organisations added:")
            lines += [f"    {name}" for name in self.added_names]
        return lines


def _cap(items: list, verbose: bool) -> list:
    return items if verbose else items[:SHORT_LIST]


@dataclass
class LoadReport:
    organisations: OrganisationCounts = field(default_factory=OrganisationCounts)
    capabilities: RowCounts = field(default_factory=RowCounts)
    standards: RowCounts = field(default_factory=RowCounts)
    platforms: RowCounts = field(default_factory=RowCounts)
    dependencies: RowCounts = field(default_factory=RowCounts)
    apis: RowCounts = field(default_factory=RowCounts)  # the UK API catalogue
    api_notes: list[str] = field(default_factory=list)  # its provider reconciliation
    sources: list[SourceReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def lines(self, verbose: bool = False) -> list[str]:
        lines = [
            f"GOV.UK organisations: {self.organisations}"
            f" ({self.organisations.several_parents} with several parents: only the first kept)",
            f"Capabilities: {self.capabilities}",
            f"Standards: {self.standards}",
            f"Platforms: {self.platforms}",
            f"Dependencies: {self.dependencies}",
            f"UK API catalogue APIs: {self.apis}",
            *(f"  {note}" for note in _cap(self.api_notes, verbose)),
        ]
        for source in self.sources:
            lines += source.lines(verbose)
            hidden = _hidden(source, verbose)
            if hidden:
                lines.append(f"  ... {hidden} more; run with --verbose for the full lists")
        if self.warnings:
            lines.append("Warnings:")
            lines += [f"  {warning}" for warning in self.warnings]
        return lines


def _hidden(source: SourceReport, verbose: bool) -> int:
    if verbose:
        return 0
    lists = (source.ambiguous, source.unmatched, source.not_a_body, source.successor_choices)
    return sum(max(0, len(items) - SHORT_LIST) for items in lists)
