"""Issue 11 with real files collected from public repositories (tests/interop/real_files, each
file's repository, commit and licence in its SOURCES.md), imported through the real import path:
the ``import_catalogue`` command, a dry run first and then for real."""

import datetime
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from platforms.importers import run_import
from platforms.models import Platform
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

REAL = Path(__file__).resolve().parent / "real_files"
BACKSTAGE = REAL / "backstage"
PUBLICCODE = REAL / "publiccode"


@pytest.fixture
def owner():
    return OrganisationFactory(slug="gds", name="Government Digital Service")


def _command(folder, fmt, *extra):
    out = StringIO()
    call_command("import_catalogue", str(folder), "--format", fmt, "--owner", "gds", "--json",
                 *extra, stdout=out)  # fmt: skip
    return json.loads(out.getvalue())


def _snapshot():
    return sorted(
        Platform.objects.values_list(
            "slug", "name", "kind", "summary", "source_code_url", "supplier", "contract_end_date"
        )
    )


def _warnings(plan):
    return [p for p in plan["problems"] if p["severity"] == "warning"]


def test_the_files_are_the_collected_ones_and_each_has_a_recorded_source():
    sources = (REAL / "SOURCES.md").read_text()
    files = sorted(p.relative_to(REAL).as_posix() for p in REAL.rglob("*.y*ml"))
    assert len(files) == 9
    for name in files:
        assert f"`{name}`" in sources, f"{name} has no source line in SOURCES.md"


def test_backstage_folder_dry_run_then_apply(owner):
    plan = _command(BACKSTAGE, "backstage", "--dry-run")
    assert not plan["applied"] and Platform.objects.count() == 0
    would = sorted(item["slug"] for item in plan["created"])

    applied = _command(BACKSTAGE, "backstage")
    assert applied["applied"]
    assert sorted(item["slug"] for item in applied["created"]) == would
    # Red Hat Developer Hub's System and Component, both named rhdh in one file, stay two
    # platforms; the mcp-server API (remotes, no definition) and the plain Component come in.
    rhdh = Platform.objects.filter(name="Red Hat Developer Hub")
    assert sorted(rhdh.values_list("kind", flat=True)) == ["service_platform", "software_component"]
    system = rhdh.get(kind="service_platform")
    component = rhdh.get(kind="software_component")
    assert system.pk != component.pk
    assert component.part_of_id == system.pk
    assert "urn:backstage:system:default/rhdh" in system.sources
    assert "urn:backstage:component:default/rhdh" in component.sources
    mcp = Platform.objects.get(name="backstage-mcp-server")
    assert mcp.kind == "api"
    assert "MCP server" in mcp.summary
    assert Platform.objects.filter(name="backstage-existing").exists()
    assert Platform.objects.count() == 4

    # The Template (scaffolder.backstage.io/v1beta3) and the AiResource are skipped with a
    # warning naming them; they do not fail the folder and nothing is made of them.
    skipped = {p["file"]: p["message"] for p in _warnings(applied) if p["field"] == "kind"}
    assert (
        "'Template' 'example-nodejs-template' is not a platform"
        in skipped["backstage/template.yaml"]
    )
    assert (
        "'AiResource' 'frontend-design' is not a platform"
        in skipped["backstage/frontend-design-skill.yaml"]
    )
    assert not Platform.objects.filter(name__in=["example-nodejs-template", "frontend-design"])


def test_backstage_reimport_changes_nothing(owner):
    _command(BACKSTAGE, "backstage")
    before = _snapshot()
    again = _command(BACKSTAGE, "backstage")
    assert again["created"] == [] and again["updated"] == []
    assert len(again["unchanged"]) == 4
    assert _snapshot() == before


def test_rhdh_file_imported_alone_in_turn_does_not_flip_the_two_platforms(owner):
    rhdh = [("catalog-info.yaml", (BACKSTAGE / "rhdh" / "catalog-info.yaml").read_bytes())]
    backstage = [(p.name, p.read_bytes()) for p in sorted((BACKSTAGE / "backstage").glob("*.yaml"))]
    run_import(rhdh, "backstage", owner, None, dry_run=False)
    first = _snapshot()
    run_import(backstage, "backstage", owner, None, dry_run=False)
    plan = run_import(rhdh, "backstage", owner, None, dry_run=False)
    assert plan.created == [] and plan.updated == []
    assert [row for row in _snapshot() if row[1] == "Red Hat Developer Hub"] == [
        row for row in first if row[1] == "Red Hat Developer Hub"
    ]


def test_publiccode_folder_dry_run_then_apply_keeps_what_the_files_say(owner):
    plan = _command(PUBLICCODE, "publiccode", "--dry-run")
    assert not plan["applied"] and Platform.objects.count() == 0
    applied = _command(PUBLICCODE, "publiccode")
    assert applied["applied"] and len(applied["created"]) == 4

    # AgID's PAT (publiccodeYmlVersion '0.2'): the contractor and its contract end date, the
    # repository, the Italian description and the whole original file.
    pat = Platform.objects.get(source_code_url="https://github.com/AgID/pat")
    assert pat.name == "PAT"
    assert pat.supplier == "ISWEB S.p.A."
    assert pat.contract_end_date == datetime.date(2025, 3, 1)
    assert list(pat.descriptions) == ["it"]
    assert "Portale Amministrazione Trasparente" in pat.descriptions["it"]
    assert pat.original_format == "publiccode"
    assert pat.original_document == (PUBLICCODE / "agid-pat" / "publiccode.yml").read_text()

    # The reference parser's own publiccode.yml (0.5): English description, EUPL licence.
    parser = Platform.objects.get(source_code_url="https://github.com/italia/publiccode-parser-go")
    assert parser.licence == "EUPL-1.2"
    assert "validating publiccode.yml files" in parser.descriptions["en"]

    # The standard's example ("0"): its contractor and date; the reference parser's 0.7 test file
    # with `supports`: accepted, with its description under en-GB and the supported ids as tags.
    medusa = Platform.objects.get(source_code_url="https://example.com/italia/medusa.git")
    assert medusa.supplier == "Fornitore Privato SPA"
    assert medusa.contract_end_date == datetime.date(2019, 1, 1)
    supports = Platform.objects.get(
        source_code_url="https://github.com/italia/developers.italia.it.git"
    )
    assert list(supports.descriptions) == ["en-GB"]
    tags = set(supports.tags)
    assert {"supports:alias:gdpr", "supports:urn:iso:std:iso:27001"} <= tags


def test_publiccode_reimport_changes_nothing(owner):
    _command(PUBLICCODE, "publiccode")
    before = _snapshot()
    again = _command(PUBLICCODE, "publiccode")
    assert again["created"] == [] and again["updated"] == []
    assert _snapshot() == before


def test_publiccode_deprecations_are_worded_as_the_reference_parser_words_them(owner):
    plan = _command(PUBLICCODE, "publiccode", "--dry-run")
    said = {(p["file"], p["field"]): p["message"] for p in _warnings(plan)}
    # italia/publiccode-parser-go parser.go and fields.go, word for word.
    assert said[("agid-pat/publiccode.yml", "publiccodeYmlVersion")] == (
        "v0.2 is not the latest version, use '0'. Parsing this file as v0.7."
    )
    assert said[("publiccode-parser-go/publiccode.yml", "publiccodeYmlVersion")] == (
        "v0.5 is not the latest version, use '0'. Parsing this file as v0.7."
    )
    assert said[("agid-pat/publiccode.yml", "intendedAudience.countries[0]")] == (
        "Lowercase country codes are DEPRECATED. Use uppercase instead ('IT')"
    )
    assert said[("agid-pat/publiccode.yml", "it")] == (
        "Lowercase country codes are DEPRECATED and will be removed in the future. Use 'IT' instead"
    )
    assert said[("agid-pat/publiccode.yml", "legal.repoOwner")] == (
        "This key is DEPRECATED and will be removed in the future. Use 'organisation.name' instead"
    )
    assert said[("agid-pat/publiccode.yml", "it.conforme")] == (
        "This key is DEPRECATED and will be removed in the future. It's safe to drop it"
    )
    assert said[("agid-pat/publiccode.yml", "it.riuso.codiceIPA")] == (
        "This key is DEPRECATED and will be removed in the future. Use 'organisation.uri' and "
        "set it to 'urn:x-italian-pa:agid' instead"
    )
    # Version "0" and 0.7 files are current: no version warning for them.
    assert ("publiccode-yml-standard/publiccode.yml", "publiccodeYmlVersion") not in said
    assert ("publiccode-parser-go/valid_with_supports.yml", "publiccodeYmlVersion") not in said


def test_one_bad_file_in_a_folder_of_real_files_writes_nothing(owner, tmp_path):
    for path in PUBLICCODE.rglob("*.yml"):
        target = tmp_path / path.relative_to(PUBLICCODE)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    # The standard's example with its required `url` removed (made here, not collected).
    broken = (PUBLICCODE / "publiccode-yml-standard" / "publiccode.yml").read_text()
    broken = broken.replace('url: "https://example.com/italia/medusa.git"\n', "")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "publiccode.yml").write_text(broken)

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import_catalogue", str(tmp_path), "--format", "publiccode", "--owner", "gds",
            stdout=StringIO(),
        )  # fmt: skip
    assert Platform.objects.count() == 0

    # The same for Backstage: the real folder plus a Component without its required spec.owner.
    for path in BACKSTAGE.rglob("*.yaml"):
        target = tmp_path / "bs" / path.relative_to(BACKSTAGE)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    component = (BACKSTAGE / "backstage" / "catalog-info.yaml").read_text()
    (tmp_path / "bs" / "zz-broken.yaml").write_text(
        component.replace("backstage-existing", "broken").replace("  owner: CNCF\n", "")
    )
    plan = run_import(
        [(p.name, p.read_bytes()) for p in sorted((tmp_path / "bs").rglob("*.yaml"))],
        "backstage",
        owner,
        None,
        dry_run=False,
    )
    assert plan.errors and not plan.applied
    assert any(p.file == "zz-broken.yaml" for p in plan.errors)
    assert Platform.objects.count() == 0


def test_the_other_deprecated_keys_warn_as_the_reference_parser_does(owner):
    # The parser's own real file with the keys the reference parser calls deprecated added to it.
    text = (PUBLICCODE / "publiccode-parser-go" / "publiccode.yml").read_text()
    text = text.replace("developmentStatus: stable\n", "developmentStatus: stable\n"
                        "inputTypes: [text/csv]\noutputTypes: [text/csv]\n")  # fmt: skip
    text = text.replace(
        "  en:\n    shortDescription:", "  en:\n    genericName: Validator\n    shortDescription:"
    )
    text = text.replace("  license: EUPL-1.2\n", "  license: EUPL-1.2\n  authorsFile: AUTHORS\n")
    text = text.replace("platforms:\n", "monochromeLogo: logo-mono.svg\nplatforms:\n")
    plan = run_import([("publiccode.yml", text.encode())], "publiccode", owner)
    assert plan.ok, plan.errors
    said = {p.field: p.message for p in plan.warnings}
    drop = "This key is DEPRECATED and will be removed in the future. It's safe to drop it"
    for field in ("inputTypes", "outputTypes", "description.en.genericName", "legal.authorsFile"):
        assert said[field] == drop
    assert said["monochromeLogo"] == (
        "This key is DEPRECATED and will be removed in the future. Use 'logo' instead"
    )
    assert said["publiccodeYmlVersion"] == (
        "v0.5 is not the latest version, use '0'. Parsing this file as v0.7."
    )
