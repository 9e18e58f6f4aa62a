"""The UK government API catalogue (alphagov/api-catalogue): ``catalogue.csv`` (one API a row,
its columns described by ``catalogue.csv-metadata.json``) and ``organisation.csv`` (the providers
its ``provider`` column names). Both files are imported together; each is told by its header.

Each API becomes a platform of kind "API", owned by its provider's organisation in this
catalogue. The provider table's slugs are not GOV.UK's (``office-of-national-statistics``,
``hm-revenue-customs``, ``Insolvency-service`` with a capital), so a provider is matched as the
adoption evidence is (``platforms.reference.matching``): its slug, then its name, its acronym and
its GOV.UK page; a closed body resolves to its live successor. The reconciliation is reported in
the same form as the evidence's; an API whose provider matches no single organisation is not
imported (never guessed), and the plan says so.

Quirks of the data, handled here: API URLs are not unique (94 for 200 APIs: many NHS APIs share
one), so the stable key is ``urn:uk-api-catalogue:<provider>/<name>``, kept in ``sources``;
descriptions hold multi-line quoted fields; ``license`` is an SPDX id only sometimes (else a
terms URL, kept as a source); ``startDate`` and ``endDate`` hold words ("in service",
"optional") as often as dates; ``maintainer`` may be ``Name - <email>``.
"""

from __future__ import annotations

import csv
import datetime
import html
import re
from pathlib import Path
from typing import Any

from django.utils.html import strip_tags
from django.utils.text import slugify

from platforms.importers.base import (
    WARNING,
    Importer,
    PlatformRecord,
    Problem,
    one_line,
)

FORMAT = "uk-api-catalogue"
API_COLUMNS = (
    "dateAdded",
    "dateUpdated",
    "url",
    "name",
    "description",
    "documentation",
    "license",
    "maintainer",
    "areaServed",
    "startDate",
    "endDate",
    "provider",
)
PROVIDER_COLUMNS = ("id", "name", "alternateName", "url")
SOURCE_LABEL = "UK API catalogue providers"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SPDX = re.compile(r"^[A-Za-z0-9.+-]{1,64}$")
_GOVUK_PAGE = re.compile(r"gov\.uk/government/organisations/([a-z0-9-]+)")


def api_key(provider: str, name: str) -> str:
    return f"urn:uk-api-catalogue:{provider.lower()}/{slugify(name)}"


def _rows(name: str, text: str, problems: list[Problem]) -> tuple[list[str], list[tuple]]:
    reader = csv.DictReader(text.splitlines(keepends=True))
    try:
        header = list(reader.fieldnames or [])
        rows, line = [], 2
        for row in reader:
            if None in row:
                problems.append(Problem(name, line, "", "This row has more cells than the header."))
            else:
                rows.append((line, {k: (v or "").strip() for k, v in row.items()}))
            line = reader.line_num + 1
    except csv.Error as error:
        problems.append(Problem(name, None, "", f"This is not readable CSV: {error}."))
        return [], []
    return header, rows


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def match_providers(providers: dict[str, dict[str, str]], report: Any) -> dict[str, str]:
    """Provider id -> organisation slug, for the providers that name one organisation; the
    reconciliation goes into ``report`` (a ``platforms.reference.report.SourceReport``)."""
    from platforms.models import Organisation
    from platforms.reference.loader import ALIASES_FILE, DEFAULT_DATA_DIR, read_aliases
    from platforms.reference.matching import OrganisationIndex
    from platforms.reference.organisations import candidates_from_database

    aliases = read_aliases(DEFAULT_DATA_DIR / ALIASES_FILE)
    index = OrganisationIndex.build(
        candidates_from_database([]),
        aliases=aliases["organisations"],
        same_body=aliases["same_body"],
        not_a_body=aliases["not_a_body"],
    )
    slugs = set(Organisation.objects.values_list("slug", flat=True))
    matched: dict[str, str] = {}
    report.names = len(providers)
    for provider_id, row in sorted(providers.items()):
        name = row.get("name") or provider_id
        if provider_id.lower() in slugs:
            matched[provider_id] = provider_id.lower()
            report.matched["slug"] += 1
            continue
        page = _GOVUK_PAGE.search(row.get("url", ""))
        if page and page[1] in slugs:
            matched[provider_id] = page[1]
            report.matched["GOV.UK page"] += 1
            continue
        if index.names_no_single_body(name):
            report.not_a_body.append(name)
            continue
        answer = None
        for spelling in (name, row.get("alternateName", "")):
            if not spelling:
                continue
            match = index.match(spelling)
            if match.matched or match.ambiguous:
                answer = match
                break
        if answer is None:
            report.unmatched.append((name, index.closest(name)))
        elif answer.ambiguous:
            report.ambiguous.append((name, list(answer.slugs)))
        else:
            matched[provider_id] = answer.resolved or answer.slug
            report.matched[answer.method] += 1
    return matched


def plain_text(description: str) -> str:
    """The catalogue's descriptions as plain text: some are HTML (``<p>``, ``<li>``), some carry
    Markdown bold, and some hold the two characters ``\\n`` where a line break was meant."""
    text = description.replace("\\n", "\n")
    text = re.sub(r"(?i)<li[^>]*>", "\n- ", text)
    text = re.sub(r"(?i)</p>|<br\s*/?>|</li>|</?ul>", "\n", text)
    text = html.unescape(strip_tags(text)).replace("**", "")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def api_record(file: str, line: int, row: dict[str, str], owner_slug: str) -> PlatformRecord:
    """One API of the catalogue as a platform of kind "API"."""
    description = plain_text(row.get("description", ""))
    # HMRC's descriptions open with their sandbox's address: the summary starts after it.
    about = (
        "\n".join(
            line for line in description.splitlines() if not line.startswith("Sandbox Endpoint:")
        ).strip()
        or description
    )
    first = " ".join(about.split(". ")[0].split()).rstrip(".")
    summary = first if 0 < len(first) < 300 else one_line(about, 299).rstrip(".")
    licence = row.get("license", "")
    sources = [api_key(row["provider"], row["name"])]
    fields: dict[str, Any] = {
        "summary": (summary or row["name"][:299]) + ("" if summary.endswith("\u2026") else "."),
        "description": description,
        "kind": "api",
        "service_url": row["url"] if row["url"].startswith(("https://", "http://")) else "",
        # Listed as published, in service: "endDate" is a date only when the API has ended.
        "phase": "retired" if _date(row.get("endDate", "")) else "live",
    }
    if row.get("documentation", "").startswith(("https://", "http://")):
        fields["documentation_url"] = row["documentation"]
    if licence and _SPDX.match(licence) and "://" not in licence:
        fields["licence"] = licence
    elif licence.startswith(("https://", "http://")):
        sources.append(licence)  # the terms of use, kept as a source
    email = _EMAIL.search(row.get("maintainer", ""))
    if email:
        fields["contact_email"] = email[0]
    tags = ["uk-api-catalogue"]
    if row.get("areaServed"):
        tags.append(f"area:{row['areaServed']}"[:100])
    return PlatformRecord(
        file=file,
        line=line,
        key=sources[0],
        name=row["name"][:200],
        match_by="key",
        slug=(slugify(row["name"])[:110].strip("-") or "api")
        + ("" if slugify(row["name"]).endswith("api") else "-api"),
        fields=fields,
        tags=tags,
        sources=sources,
        owner_slug=owner_slug,
        state="published",
        field_lines={"name": ("name", line), "summary": ("description", line)},
    )


class UkApiCatalogueImporter(Importer):
    format_name = FORMAT

    def parse(self, files, *, base_dir=None):
        from platforms.reference.report import SourceReport

        problems: list[Problem] = []
        apis: list[tuple[str, int, dict]] = []
        providers: dict[str, dict[str, str]] = {}
        provider_file = None
        for name, text in files:
            header, rows = _rows(name, text, problems)
            if set(PROVIDER_COLUMNS) <= set(header) and "provider" not in header:
                provider_file = name
                providers.update({row["id"]: row for _, row in rows if row.get("id")})
            elif set(API_COLUMNS) <= set(header):
                apis.extend((name, line, row) for line, row in rows)
            elif header:
                problems.append(
                    Problem(
                        name,
                        1,
                        "",
                        f"Neither the catalogue (columns {', '.join(API_COLUMNS)}) nor its "
                        f"providers ({', '.join(PROVIDER_COLUMNS)}).",
                    )
                )
        if provider_file is None:
            problems.append(
                Problem("", None, "", "Import organisation.csv (the providers) with catalogue.csv.")
            )
        if any(p.is_error for p in problems):
            return [], problems

        report = SourceReport(label=SOURCE_LABEL)
        owners = match_providers(providers, report)
        problems += [
            Problem(provider_file, None, "provider", line.strip(), WARNING)
            for line in report.lines(verbose=True)
            if not line.strip().startswith(("adoptions:", "added as new"))
        ]
        records = []
        for file, line, row in apis:
            # The CSVW schema calls url and description required; 106 rows have no url.
            missing = [c for c in ("name", "provider") if not row.get(c)]
            if missing:
                problems.append(Problem(file, line, missing[0], f"'{missing[0]}' is required."))
                continue
            if row["provider"] not in providers:
                problems.append(
                    Problem(
                        file,
                        line,
                        "provider",
                        f"'{row['provider'][:60]}' is not in {provider_file}.",
                    )
                )
                continue
            owner = owners.get(row["provider"])
            if owner is None:
                problems.append(
                    Problem(
                        file,
                        line,
                        "provider",
                        f"{row['name'][:80]}: its provider '{row['provider'][:60]}' matches no "
                        "single organisation in the catalogue; not imported.",
                        WARNING,
                    )
                )
                continue
            records.append(api_record(file, line, row, owner))
        return records, problems


def read_files(folder: Path, catalogue: str, providers: str) -> list[tuple[str, bytes]]:
    return [
        (catalogue, (folder / catalogue).read_bytes()),
        (providers, (folder / providers).read_bytes()),
    ]
