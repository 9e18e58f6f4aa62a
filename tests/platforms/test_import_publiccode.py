"""publiccode.yml import, on the real files and on the reference parser's test cases."""

from pathlib import Path

import pytest

from platforms.importers import run_import
from platforms.models import Adoption, Dependency, Organisation, Platform
from tests.factories import CapabilityFactory, OrganisationFactory, PublishedPlatformFactory

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
REAL = DATA / "italia-publiccode-real"
TESTDATA = DATA / "italia-publiccode-parser-testdata" / "v0"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not DATA.exists(), reason="shared test data not present"),
]

# Real files that break the standard, and the reason each is refused.
REAL_INVALID = {
    "5Tsrl__emma-backend.publiccode.yml": "'shortDescription' is required",
    "ASL2-Liguria__onesys.publiccode.yml": "'asl_2sav' is not the IPA code",
    "ASLBrindisi__GlobaLeaks.publiccode.yml": "'hr_HR' is not a BCP 47 language tag",
    "AUSL-ReggioEmilia__Matilde.publiccode.yml": "'contractors' is only for maintenance type",
    "CameraCommercioRomagna__JAVA-CMS-Camera-di-Commercio.publiccode.yml": (
        "'features' must be a list"
    ),
    "CentroCisis__ConveRgo.publiccode.yml": "'features' is required",
}
# Parser test cases whose rule needs the repository or the network, which an import of the file
# alone does not have.
NOT_CHECKED = {
    "description_en_screenshots_missing_file.yml": "needs the repository's files",
    "legal_authorsFile_missing_file.yml": "needs the repository's files",
    "logo_missing_file.yml": "needs the repository's files",
    "monochromeLogo_missing_file.yml": "needs the repository's files",
    "logo_missing_url.yml": "needs a network fetch",
}


@pytest.fixture
def owner():
    return OrganisationFactory(slug="government-digital-service", name="Government Digital Service")


@pytest.fixture
def capabilities():
    for slug in ("payments", "notifications", "content-publishing", "analytics", "forms"):
        CapabilityFactory(slug=slug, name=slug.replace("-", " ").title())


def _import(paths, owner, **kwargs):
    files = [(p.name, p.read_bytes()) for p in paths]
    return run_import(files, "publiccode", owner, None, **kwargs)


def _snapshot():
    return (
        Platform.objects.count(),
        Adoption.objects.count(),
        Dependency.objects.count(),
        Organisation.objects.count(),
    )


@pytest.mark.parametrize("path", sorted(REAL.glob("*.yml")), ids=lambda p: p.name.split(".")[0])
def test_real_files_import_or_are_refused_for_their_fault(path, owner, capabilities):
    plan = _import([path], owner, dry_run=False)
    if path.name in REAL_INVALID:
        assert not plan.applied
        assert any(REAL_INVALID[path.name] in p.message for p in plan.errors), plan.errors
        assert all(p.line for p in plan.errors)
        assert Platform.objects.count() == 0
    else:
        assert plan.ok, [str(p) for p in plan.errors]
        assert plan.applied
        assert len(plan.created) == 1
        platform = Platform.objects.get()
        assert platform.owner == owner
        assert platform.source_code_url
        assert platform.licence
        assert platform.is_open_source


def test_all_real_files_together_then_again_is_a_no_op(owner, capabilities):
    paths = [p for p in sorted(REAL.glob("*.yml")) if p.name not in REAL_INVALID]
    first = _import(paths, owner, dry_run=False)
    assert first.applied and len(first.created) == len(paths)
    before = _snapshot()
    second = _import(paths, owner, dry_run=False)
    assert second.ok
    assert not second.created and not second.updated
    assert len(second.unchanged) == len(paths)
    assert _snapshot() == before


def test_mapping(owner, capabilities):
    plan = _import([REAL / "AgID__wai-portal.publiccode.yml"], owner, dry_run=False)
    assert plan.applied
    platform = Platform.objects.get()
    assert platform.name
    assert platform.source_code_url.lower().startswith("https://github.com/agid/wai-portal")
    assert platform.phase == Platform.Phase.BETA  # developmentStatus: beta
    assert platform.licence == "AGPL-3.0-or-later"
    assert "standalone/web" in platform.tags
    assert platform.source_code_url.rstrip("/") in platform.sources
    assert len(platform.summary) <= 300


def test_english_description_is_preferred(owner, capabilities):
    plan = _import([TESTDATA / "valid" / "valid.yml"], owner, dry_run=False)
    assert plan.applied
    platform = Platform.objects.get()
    assert platform.summary == "A really interesting software."
    assert platform.phase == Platform.Phase.ALPHA  # development
    assert platform.supplier == "Fornitore Privato SPA"  # maintenance.type contract
    assert platform.contact_email == "francesco.rossi@example.org"
    assert {"payments", "notifications", "content-publishing", "analytics", "forms"} <= set(
        platform.capabilities.values_list("slug", flat=True)
    )
    assert "accounting" in platform.tags  # no capability for it: a tag, not an error


def test_globaleaks_usedby_is_reported_capped_and_the_platform_imports(owner, capabilities):
    # The real file is refused only for its POSIX-style language tags (hr_HR); with those
    # written as BCP 47 (hr-HR) it is valid, and its 1,402 Italian adopters are not UK bodies.
    text = (REAL / "ASLBrindisi__GlobaLeaks.publiccode.yml").read_text()
    fixed = text.replace("fa_AF", "fa-AF").replace("hr_HR", "hr-HR").replace("hu_HU", "hu-HU")
    fixed = fixed.replace("nb_NO", "nb-NO")
    import re

    fixed = re.sub(r"(\n\s+- [a-z]{2})_([A-Z]{2})\b", r"\1-\2", fixed)
    plan = run_import(
        [("publiccode.yml", fixed.encode())], "publiccode", owner, None, dry_run=False
    )
    assert plan.applied, [str(p) for p in plan.errors]
    assert Platform.objects.count() == 1
    assert Adoption.objects.count() == 0
    unmatched = [p for p in plan.warnings if p.field == "usedBy"]
    assert len(unmatched) == 21  # the first 20 by name, then one line counting the rest
    assert "1402 in all" in unmatched[-1].message
    assert all(p.line for p in unmatched[:20])


def test_usedby_matches_existing_organisations_and_can_create_the_rest(owner, capabilities):
    OrganisationFactory(name="Comune di Firenze", slug="comune-di-firenze")
    plan = _import([TESTDATA / "valid" / "valid.yml"], owner, dry_run=False)
    assert plan.applied
    assert Adoption.objects.get().organisation.slug == "comune-di-firenze"
    assert [p.message for p in plan.warnings if "Comune di Roma" in p.message]

    plan = _import(
        [TESTDATA / "valid" / "valid.yml"], owner, dry_run=False, create_organisations=True
    )
    assert plan.applied
    assert plan.organisations_created == ["Comune di Roma"]
    assert Adoption.objects.count() == 2


def test_depends_on_links_existing_platforms_by_name(owner, capabilities):
    PublishedPlatformFactory(name="PostgreSQL", slug="postgresql")
    plan = _import([TESTDATA / "valid" / "valid.yml"], owner, dry_run=False)
    assert plan.applied
    assert Dependency.objects.get().depends_on.slug == "postgresql"
    assert any("MySQL" in p.message for p in plan.warnings)


def test_dry_run_writes_nothing(owner, capabilities):
    plan = _import(sorted(REAL.glob("AgID__*.yml")), owner, dry_run=True)
    assert plan.ok and not plan.applied
    assert len(plan.created) == 4
    assert _snapshot()[0] == 0


@pytest.mark.parametrize(
    "path",
    sorted((TESTDATA / "valid").glob("*.yml"))
    + sorted((TESTDATA / "valid_with_warnings").glob("*.yml")),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_parser_valid_cases_import(path, owner, capabilities):
    plan = _import([path], owner, dry_run=False)
    assert plan.applied, [str(p) for p in plan.errors]


@pytest.mark.parametrize(
    "path",
    [p for p in sorted((TESTDATA / "invalid").glob("*.yml")) if p.name not in NOT_CHECKED],
    ids=lambda p: p.name,
)
def test_parser_invalid_cases_are_refused_and_change_nothing(path, owner, capabilities):
    PublishedPlatformFactory(owner=owner)
    before = _snapshot()
    plan = _import([path], owner, dry_run=False)
    assert not plan.applied
    assert plan.errors
    for problem in plan.errors:
        assert problem.file == path.name
        assert problem.message.endswith((".", ")"))
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("name", "field", "words"),
    [
        ("name_missing.yml", "name", "'name' is required"),
        ("url_invalid.yml", "url", "not the URL of a source code repository"),
        ("developmentStatus_invalid.yml", "developmentStatus", "concept, development"),
        ("softwareType_invalid.yml", "softwareType", "not a software type"),
        ("legal_license_invalid.yml", "legal.license", "not an SPDX licence expression"),
        ("maintenance_type_invalid.yml", "maintenance.type", "internal, contract"),
        ("description_en_gb_invalid_bcp47.yml", "description.en_GB", "BCP 47"),
        ("releaseDate_datetime.yml", "releaseDate", "YYYY-MM-DD"),
        ("unknown_field.yml", "foobar", "not a publiccode.yml key"),
        ("it_riuso_codiceIPA_invalid.yml", "IT.riuso.codiceIPA", "IPA code"),
        ("description_en_videos_invalid_oembed.yml", "description.en.videos[0]", "oEmbed"),
    ],
)
def test_refusals_name_the_field_and_line(name, field, words, owner):
    plan = _import([TESTDATA / "invalid" / name], owner)
    problem = plan.errors[0]
    assert problem.field == field
    assert words in problem.message
    assert problem.line and problem.line > 0


def test_latin1_file_is_refused_cleanly(owner):
    plan = _import([TESTDATA / "invalid" / "file_encoding.yml"], owner)
    assert "not UTF-8" in plan.errors[0].message
    assert plan.errors[0].line


def test_invalid_yaml_reports_its_line(owner):
    plan = _import([TESTDATA / "invalid" / "invalid_yaml.yml"], owner)
    assert "not valid YAML" in plan.errors[0].message
    assert plan.errors[0].line


def test_oversized_file_is_refused(owner):
    plan = run_import([("big.yml", b"a: b\n" * 300_000)], "publiccode", owner, None)
    assert "limit" in plan.errors[0].message


def test_unsafe_yaml_tags_are_refused(owner):
    plan = run_import(
        [("evil.yml", b"name: !!python/object/apply:os.system ['true']\n")],
        "publiccode",
        owner,
        None,
    )
    assert plan.errors and "not valid YAML" in plan.errors[0].message


def test_a_platform_of_another_owner_is_not_taken_over(owner, capabilities):
    path = REAL / "AgID__wai-portal.publiccode.yml"
    assert _import([path], owner, dry_run=False).applied
    other = OrganisationFactory()
    plan = _import([path], other, dry_run=False)
    assert not plan.applied
    assert "belongs to Government Digital Service" in plan.errors[0].message
