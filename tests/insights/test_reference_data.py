"""On the real reference data: the duplication view lists identity (GOV.UK One Login in beta,
Government Gateway retiring, GOV.UK Verify retired and shown as replaced) and notifications
(GOV.UK Notify and NHS Notify). What the view should say is read from the reference file first,
so the test follows the data rather than a copy of it."""

import pytest
import yaml

from platforms.reference import loader
from tests.insights.conftest import client_for, get_json

IN_SERVICE = {"beta", "live", "retiring"}


@pytest.fixture(scope="module")
def platform_rows():
    path = loader.DEFAULT_DATA_DIR / loader.PLATFORMS_FILE
    return {row["slug"]: row for row in yaml.safe_load(path.read_text(encoding="utf-8"))}


def expected(rows, capability):
    meets = [row for row in rows.values() if capability in row.get("capabilities", [])]
    in_service = {row["slug"]: row["phase"] for row in meets if row["phase"] in IN_SERVICE}
    retired = {row["slug"]: row.get("replaced_by") for row in meets if row["phase"] == "retired"}
    return in_service, retired


@pytest.mark.parametrize(
    ("capability", "named_in_service", "named_retired"),
    [
        (
            "identity-and-access",
            {"govuk-one-login": "beta", "government-gateway": "retiring"},
            {"govuk-verify": "govuk-one-login"},
        ),
        ("notifications", {"govuk-notify": "live", "nhs-notify": "live"}, {}),
    ],
)
def test_duplication_on_the_reference_data(
    reference_data, db, platform_rows, capability, named_in_service, named_retired
):
    in_service, retired = expected(platform_rows, capability)
    # The data holds what the issue says, before the view is asked.
    assert named_in_service.items() <= in_service.items()
    assert named_retired.items() <= retired.items()

    body = get_json(client_for(None), "/api/v1/insights/duplication/")
    entries = {r["capability"]["slug"]: r for r in body["results"]}
    entry = entries[capability]
    listed = {p["platform"]["slug"]: p["phase"] for p in entry["platforms"]}
    assert listed == in_service
    replaced = {
        p["platform"]["slug"]: (p["replaced_by"] or {}).get("slug") for p in entry["replaced"]
    }
    assert replaced == retired
    assert entry["organisations"] >= len(in_service)
    ranks = [r["rank"] for r in body["results"]]
    assert ranks == sorted(ranks)
