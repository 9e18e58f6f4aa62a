"""The admin as a signed-in administrator sees it in a real browser: the index's headline figures
a table of sentences whose row names stay readable, inside its box, with the contracts ending
linked to the page listing them; the adoption list within the page, every column in view."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model

from platforms.models import Platform

pytestmark = pytest.mark.browser

PASSWORD = "Correct-horse-battery-9"
# How many lines an element's text takes on the screen.
LINES = """e => {
    const range = document.createRange();
    range.selectNodeContents(e);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
}"""


def sign_in(page, username: str) -> None:
    get_user_model().objects.create_superuser(username, f"{username}@example.org", PASSWORD)
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")


def test_the_headline_figures_read_as_a_table_and_link_the_contracts(page, screenshot):
    # A contract ending soon on one published platform of the reference data (a fixture row,
    # written directly: the test is about the page, not the write).
    contracted = Platform.objects.filter(state="published").exclude(phase="retired").first()
    Platform.objects.filter(pk=contracted.pk).update(
        supplier="Example Supplier Ltd",
        contract_end_date=datetime.date.today() + datetime.timedelta(days=90),
    )
    sign_in(page, "head")
    figures = page.locator("#catalogue-insights")
    screenshot(page, "admin-home")

    # Each row's name on one line (Django's dashboard styles squeezed it to a letter a line).
    for name in ("Platforms", "Organisations reusing", "Duplicated capabilities"):
        header = figures.get_by_role("rowheader", name=name)
        assert header.evaluate(LINES) == 1, name
    # The sentences wrap inside the box rather than running past it.
    box = figures.bounding_box()
    table = figures.locator("table").bounding_box()
    assert table["x"] + table["width"] <= box["x"] + box["width"] + 1

    assert "1 supplier contract ends in the next 18 months" in figures.inner_text()
    moving = "see them with the common platforms they could move to"
    figures.get_by_role("link", name=moving).click()
    page.wait_for_url("**/insights/contracts/")
    assert contracted.name in page.locator("table").last.inner_text()


def test_the_adoption_list_fits_the_page(page, screenshot):
    sign_in(page, "lister")
    page.goto("/admin/platforms/adoption/")
    screenshot(page, "admin-adoptions")
    results = page.locator("#changelist .results")
    # No column pushed out of view (one long organisation name used to widen the whole table).
    widths = results.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] <= widths[1], widths
    header = page.locator("#result_list thead").inner_text().lower()
    assert "organisation" in header and "evidence source" in header
