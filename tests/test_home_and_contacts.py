"""The landing page headlines only platforms that are reused (never a retired one), and the
reference data's contacts are ones a cited public source gives."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from tests.factories import AdoptionFactory, OrganisationFactory, PublishedPlatformFactory

ROOT = Path(__file__).resolve().parents[1]
API_CATALOGUE = ROOT.parent / "shared" / "data" / "uk-api-catalogue" / "catalogue.csv"


@pytest.mark.django_db
def test_most_reused_lists_only_reused_platforms_that_are_not_retired(client):
    gds = OrganisationFactory(slug="gds")
    pay = PublishedPlatformFactory(owner=gds, name="GOV.UK Pay")
    notify = PublishedPlatformFactory(owner=gds, name="GOV.UK Notify")
    verify = PublishedPlatformFactory(owner=gds, name="GOV.UK Verify", phase="retired")
    PublishedPlatformFactory(owner=gds, name="Nobody uses this")
    for n in range(3):
        AdoptionFactory(platform=notify, organisation=OrganisationFactory(slug=f"c-{n}"))
    AdoptionFactory(platform=pay, organisation=OrganisationFactory(slug="dwp"))
    AdoptionFactory(platform=verify, organisation=OrganisationFactory(slug="hmrc"))
    AdoptionFactory(platform=pay, organisation=gds)  # the owner's own use is not reuse

    page = BeautifulSoup(client.get("/").content, "html.parser")
    table = page.find("h2", string="Most reused platforms").find_next("table")
    rows = [
        [cell.get_text(strip=True) for cell in row.find_all(["th", "td"])]
        for row in table.tbody.find_all("tr")
    ]
    assert [(row[0], row[-1]) for row in rows] == [("GOV.UK Notify", "3"), ("GOV.UK Pay", "1")]


def _platforms():
    return yaml.safe_load((ROOT / "platforms" / "reference_data" / "platforms.yaml").read_text())


def test_every_contact_comes_with_the_source_that_gives_it():
    with_contact = [p for p in _platforms() if p.get("contact_email")]
    assert with_contact, "no platform has a contact"
    for platform in with_contact:
        cited = [url for url in platform["sources"] if "alphagov/api-catalogue" in url]
        assert cited, platform["slug"]


@pytest.mark.skipif(not API_CATALOGUE.exists(), reason="shared test data not present")
def test_contacts_are_the_ones_the_government_api_catalogue_gives():
    maintainers = {
        row["name"]: re.findall(r"<([^>]+@[^>]+)>", row["maintainer"])
        for row in csv.DictReader(API_CATALOGUE.open(encoding="utf-8"))
    }
    for platform in _platforms():
        if platform.get("contact_email"):
            assert platform["contact_email"] in maintainers[platform["name"]], platform["slug"]
