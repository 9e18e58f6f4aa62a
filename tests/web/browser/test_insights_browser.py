"""The insight pages and the impact page in a real browser, on the real reference data: reached
from the navigation, the tables behind the charts opened, a bad window answered on the page, and
an axe-core scan of each new page type."""

from __future__ import annotations

import re

import pytest

from tests.web.browser.conftest import serious_accessibility_violations

pytestmark = pytest.mark.browser


def test_insights_from_the_navigation_to_duplication_and_a_chart_as_a_table(page, screenshot):
    page.goto("/")
    page.get_by_role("link", name="Insights", exact=True).first.click()
    page.wait_for_url("**/insights/")
    assert page.get_by_role("heading", level=1).inner_text() == "Reuse insights"
    screenshot(page, "insights")

    page.get_by_role("link", name=re.compile("Every duplicated capability")).click()
    page.wait_for_url("**/insights/duplication/")
    identity = page.locator("h2", has_text="Identity and access")
    assert identity.count() == 1
    table = identity.locator("xpath=following::table[1]")
    assert "GOV.UK One Login" in table.inner_text()
    assert "Government Gateway" in table.inner_text()
    notify = page.locator("h2", has_text="Notifications").locator("xpath=following::table[1]")
    assert "GOV.UK Notify" in notify.inner_text() and "NHS Notify" in notify.inner_text()

    # The chart's table is one click away.
    summary_table = page.locator("details table").first
    assert not summary_table.is_visible()
    page.get_by_text("View the chart as a table").first.click()
    assert summary_table.is_visible()
    assert "Identity and access" in summary_table.inner_text()
    screenshot(page, "insights-duplication")


def test_a_bad_window_is_answered_on_the_page(page, screenshot):
    page.goto("/insights/contracts/")
    page.get_by_label("Contracts ending within how many months?").fill("eighteen")
    page.get_by_role("button", name="Show contracts").click()
    page.wait_for_url(re.compile(r"within=eighteen"))
    summary = page.locator(".govuk-error-summary")
    assert "whole number from 1 to 120" in summary.inner_text()
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "within"
    screenshot(page, "insights-contracts-error")

    page.get_by_label("Contracts ending within how many months?").fill("60")
    page.get_by_role("button", name="Show contracts").click()
    page.wait_for_url(re.compile(r"within=60"))
    assert page.locator(".govuk-error-summary").count() == 0
    assert re.search(r"\d+ contracts? ending", page.locator("#contracts h2").first.inner_text())


def test_matrix_filtered_without_javascript(page_without_javascript, screenshot):
    page = page_without_javascript
    page.goto("/insights/matrix/")
    page.get_by_label("Capability").select_option("notifications")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"capability=notifications"))
    headers = page.locator("details thead th").all_text_contents()
    assert "GOV.UK Notify" in headers and "GOV.UK Pay" not in headers
    assert page.locator("svg.app-chart rect").count() > 10
    screenshot(page, "insights-matrix")


def test_impact_from_the_platform_page(page, screenshot):
    page.goto("/platforms/govuk-notify/")
    page.get_by_role("link", name="What depends on it (impact analysis)").click()
    page.wait_for_url("**/platforms/govuk-notify/impact/")
    assert page.get_by_role("heading", level=1).inner_text() == "What depends on GOV.UK Notify"
    screenshot(page, "impact")


def test_an_organisation_sees_what_it_could_reuse(page):
    page.goto("/organisations/ministry-of-justice/")
    table = page.locator("#could-reuse table")
    # Its own cloud platform meets hosting, as live platforms run by others do.
    row = table.locator("tr", has_text="Hosting").inner_text()
    assert "Ministry of Justice Cloud Platform" in row
    assert "Crown Hosting Data Centres" in row


INSIGHT_PAGE_TYPES = {  # name: (path, status)
    "insights": ("/insights/", 200),
    "insights-duplication": ("/insights/duplication/", 200),
    "insights-contracts": ("/insights/contracts/?within=60", 200),
    "insights-contracts-error": ("/insights/contracts/?within=-3", 400),
    "insights-matrix": ("/insights/matrix/?kind=ministerial_department", 200),
    "insights-matrix-error": ("/insights/matrix/?capability=teleportation", 400),
    "insights-trend": ("/insights/platforms/govuk-notify/trend/", 200),
    "impact": ("/platforms/govuk-notify/impact/", 200),
    "organisation-could-reuse": ("/organisations/ministry-of-justice/", 200),
}


@pytest.mark.parametrize(
    ("name", "path", "status"), [(k, *v) for k, v in INSIGHT_PAGE_TYPES.items()]
)
def test_no_serious_accessibility_violations_on_insight_pages(page, screenshot, name, path, status):
    assert page.goto(path).status == status
    screenshot(page, f"page-{name}")
    assert serious_accessibility_violations(page) == []
