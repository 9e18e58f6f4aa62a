"""Checks on the curated reference data in platforms/reference_data (no database needed).

These catch real mistakes in the YAML: a dangling slug, an owner GOV.UK does not know, a phase the
model rejects, a platform without a public source.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from platforms.models import Dependency, Platform

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "platforms" / "reference_data"
# The shared GOV.UK organisations snapshot lives beside the repository, not inside it: the
# product never reads it, only these tests do.
ORGANISATIONS_CSV = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "govuk-organisations"
    / "govuk_organisations_flat.csv"
)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PLATFORM_KEYS = {
    "slug",
    "name",
    "summary",
    "description",
    "owner",
    "capabilities",
    "standards",
    "phase",
    "replaced_by",
    "service_url",
    "documentation_url",
    "source_code_url",
    "contact_email",
    "is_open_source",
    "licence",
    "hosting",
    "supplier",
    "pricing_model",
    "handles_personal_data",
    "tags",
    "dependencies",
    "sources",
}
REQUIRED_PLATFORMS = {
    "govuk-notify",
    "govuk-pay",
    "govuk-one-login",
    "govuk-forms",
    "govuk-design-system",
    "govuk-verify",
    "govuk-paas",
    "government-gateway",
}


def _load(name: str) -> list[dict]:
    data = yaml.safe_load((DATA_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, list), f"{name}.yaml must be a list of mappings"
    assert all(isinstance(row, dict) for row in data), f"{name}.yaml rows must be mappings"
    return data


@pytest.fixture(scope="module")
def capabilities() -> list[dict]:
    return _load("capabilities")


@pytest.fixture(scope="module")
def standards() -> list[dict]:
    return _load("standards")


@pytest.fixture(scope="module")
def platforms() -> list[dict]:
    return _load("platforms")


@pytest.fixture(scope="module")
def platforms_by_slug(platforms) -> dict[str, dict]:
    return {row["slug"]: row for row in platforms}


def _is_https(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme == "https" and bool(parsed.netloc)


@pytest.mark.parametrize("name", ["capabilities", "standards", "platforms"])
def test_slugs_are_unique_and_well_formed(name):
    rows = _load(name)
    slugs = [row.get("slug") for row in rows]
    assert all(isinstance(s, str) and SLUG_RE.match(s) for s in slugs), slugs
    duplicates = sorted({s for s in slugs if slugs.count(s) > 1})
    assert not duplicates, f"duplicate slugs in {name}.yaml: {duplicates}"


@pytest.mark.parametrize("name", ["capabilities", "standards"])
def test_names_are_unique_and_descriptions_present(name):
    rows = _load(name)
    names = [row.get("name") for row in rows]
    assert all(names), f"every {name} row needs a name"
    assert len(names) == len(set(names)), f"duplicate names in {name}.yaml"
    assert all(row.get("description") for row in rows), f"every {name} row needs a description"


def test_standards_have_https_urls(standards):
    bad = [row["slug"] for row in standards if not _is_https(row.get("url", ""))]
    assert not bad, f"standards without an https url: {bad}"


def test_platform_rows_only_use_known_keys(platforms):
    for row in platforms:
        unknown = set(row) - PLATFORM_KEYS
        assert not unknown, f"{row['slug']}: unknown keys {sorted(unknown)}"
        for key in ("name", "summary", "owner"):
            assert row.get(key), f"{row['slug']}: missing {key}"


def test_platform_field_lengths_fit_the_model(platforms):
    limits = {
        "name": Platform._meta.get_field("name").max_length,
        "summary": Platform._meta.get_field("summary").max_length,
        "slug": Platform._meta.get_field("slug").max_length,
        "licence": Platform._meta.get_field("licence").max_length,
        "hosting": Platform._meta.get_field("hosting").max_length,
        "supplier": Platform._meta.get_field("supplier").max_length,
    }
    for row in platforms:
        for key, limit in limits.items():
            if key in row:
                assert len(str(row[key])) <= limit, f"{row['slug']}: {key} longer than {limit}"


def test_platform_choices_are_valid(platforms):
    phases = set(Platform.Phase.values)
    pricing = set(Platform.Pricing.values)
    for row in platforms:
        if "phase" in row:
            assert row["phase"] in phases, f"{row['slug']}: bad phase {row['phase']!r}"
        if "pricing_model" in row:
            assert row["pricing_model"] in pricing, f"{row['slug']}: bad pricing_model"
        for flag in ("is_open_source", "handles_personal_data"):
            if flag in row:
                assert isinstance(row[flag], bool), f"{row['slug']}: {flag} must be true/false"
        assert isinstance(row.get("tags", []), list), f"{row['slug']}: tags must be a list"


def test_every_platform_has_an_https_source(platforms):
    for row in platforms:
        sources = row.get("sources") or []
        assert isinstance(sources, list), f"{row['slug']}: sources must be a list"
        assert any(_is_https(url) for url in sources), f"{row['slug']}: no https source"
        assert all(_is_https(url) for url in sources), f"{row['slug']}: a source is not https"
        assert len(sources) == len(set(sources)), f"{row['slug']}: repeated source"


def test_platform_urls_are_https(platforms):
    for row in platforms:
        for key in ("service_url", "documentation_url", "source_code_url"):
            if key in row:
                assert _is_https(row[key]), f"{row['slug']}: {key} is not an https URL"


def test_licence_only_on_open_source_rows(platforms):
    for row in platforms:
        if row.get("licence"):
            assert row.get("is_open_source") is True, f"{row['slug']}: licence but not open source"


def test_capability_and_standard_slugs_resolve(platforms, capabilities, standards):
    capability_slugs = {row["slug"] for row in capabilities}
    standard_slugs = {row["slug"] for row in standards}
    for row in platforms:
        assert row.get("capabilities"), f"{row['slug']}: needs at least one capability"
        missing = set(row.get("capabilities", [])) - capability_slugs
        assert not missing, f"{row['slug']}: unknown capabilities {sorted(missing)}"
        missing = set(row.get("standards", [])) - standard_slugs
        assert not missing, f"{row['slug']}: unknown standards {sorted(missing)}"


def test_replaced_by_resolves_and_only_on_retiring_rows(platforms, platforms_by_slug):
    retirement = {str(phase) for phase in Platform.RETIREMENT_PHASES}
    for row in platforms:
        target = row.get("replaced_by")
        if target is None:
            continue
        assert row.get("phase") in retirement, f"{row['slug']}: replaced_by but not retiring"
        assert target != row["slug"], f"{row['slug']}: replaced by itself"
        assert target in platforms_by_slug, f"{row['slug']}: replaced_by {target!r} unknown"
        assert platforms_by_slug[target].get("phase") not in retirement, (
            f"{row['slug']}: replaced by {target!r}, which is itself retiring or retired"
        )


def test_dependencies_resolve(platforms, platforms_by_slug):
    kinds = set(Dependency.Kind.values)
    for row in platforms:
        seen = set()
        for dependency in row.get("dependencies", []):
            target = dependency.get("slug")
            assert target != row["slug"], f"{row['slug']}: depends on itself"
            assert target in platforms_by_slug, f"{row['slug']}: unknown dependency {target!r}"
            assert dependency.get("kind", "runtime") in kinds, f"{row['slug']}: bad kind"
            assert target not in seen, f"{row['slug']}: dependency on {target!r} listed twice"
            seen.add(target)


def test_owners_are_govuk_organisations(platforms):
    if not ORGANISATIONS_CSV.exists():
        pytest.skip(f"GOV.UK organisations snapshot not found at {ORGANISATIONS_CSV}")
    with ORGANISATIONS_CSV.open(newline="", encoding="utf-8") as handle:
        known = {row["slug"] for row in csv.DictReader(handle)}
    unknown = sorted({row["owner"] for row in platforms} - known)
    assert not unknown, f"owners not in the GOV.UK organisations register: {unknown}"


def test_required_platforms_are_present(platforms_by_slug):
    missing = REQUIRED_PLATFORMS - set(platforms_by_slug)
    assert not missing, f"missing platforms: {sorted(missing)}"


def test_verify_is_retired_and_replaced_by_one_login(platforms_by_slug):
    verify = platforms_by_slug["govuk-verify"]
    assert verify["phase"] == Platform.Phase.RETIRED
    assert verify["replaced_by"] == "govuk-one-login"


def test_paas_is_retired(platforms_by_slug):
    assert platforms_by_slug["govuk-paas"]["phase"] == Platform.Phase.RETIRED
