"""The public pages in a real browser, on the real reference data: finding, filtering, opening and
comparing platforms, by mouse, by keyboard alone and without JavaScript, and an axe-core scan of
every page type."""

from __future__ import annotations

import re

import pytest

from tests.web.browser.conftest import serious_accessibility_violations

pytestmark = pytest.mark.browser

FOCUS_YELLOW = "rgb(255, 221, 0)"


def results_count(page) -> int:
    heading = page.locator("#results h2").first.inner_text()
    return int(re.match(r"(\d+)", heading).group(1))


def test_search_then_filter_by_facets(page, screenshot):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto("/")
    screenshot(page, "home")
    assert page.title().startswith("Find a reusable government platform")

    page.get_by_label("Search the catalogue").fill("hosting")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/search/\?q=hosting"))
    everything = results_count(page)
    assert everything >= 3
    screenshot(page, "search")

    page.locator("input[name=phase][value=live]").check()
    page.locator("input[name=capability][value=hosting]").check()
    page.get_by_role("button", name="Apply filters").first.click()
    page.wait_for_url(re.compile(r"phase=live"))
    assert "capability=hosting" in page.url
    filtered = results_count(page)
    assert 0 < filtered < everything
    assert page.locator("input[name=phase][value=live]").is_checked()
    for tag in page.locator("#results .govuk-tag").all_inner_texts():
        assert tag.strip() == "Live"
    screenshot(page, "search-filtered")
    # GOV.UK Frontend started: no error, and its JavaScript took over the checkboxes.
    assert errors == []
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")


def test_a_typo_still_finds_the_platform(page):
    page.goto("/search/?q=notfy")
    assert page.get_by_role("link", name="GOV.UK Notify").first.is_visible()
    assert page.locator("#results mark").count() > 0


def test_opening_a_platform_from_the_results(page, screenshot):
    page.goto("/search/?q=GOV.UK+Pay")
    page.get_by_role("link", name="GOV.UK Pay", exact=True).first.click()
    page.wait_for_url("**/platforms/govuk-pay/")

    assert page.get_by_role("heading", level=1).inner_text() == "GOV.UK Pay"
    summary = page.locator(".govuk-summary-list").first.inner_text()
    assert "Government Digital Service" in summary and "Payments" in summary
    caption = page.locator("#adopters-table caption").inner_text()
    total = int(re.search(r"of (\d+)", caption).group(1))
    assert total > 25  # hundreds of organisations take payments with Pay
    screenshot(page, "platform")

    page.get_by_role("link", name="Next page").first.click()
    assert "Adopters 26 to" in page.locator("caption").filter(has_text="Adopters").inner_text()


def test_retired_platform_points_to_its_replacement(page):
    page.goto("/platforms/govuk-verify/")
    banner = page.locator(".govuk-notification-banner")
    assert "retired" in banner.inner_text()
    banner.get_by_role("link", name="GOV.UK One Login").click()
    page.wait_for_url("**/platforms/govuk-one-login/")


def test_compare_platforms_ticked_in_the_results(page, screenshot):
    page.goto("/search/?q=notify")
    page.get_by_label("Compare GOV.UK Notify").check()
    page.get_by_label("Compare NHS Notify").check()
    page.get_by_role("button", name="Compare selected platforms").click()
    page.wait_for_url(re.compile(r"/compare/\?platforms="))

    headers = page.locator("thead th").all_inner_texts()
    assert sorted(headers) == ["GOV.UK Notify", "NHS Notify"]
    assert page.locator("tbody th").first.inner_text() == "Summary"
    screenshot(page, "compare")


def test_keyboard_only_search(page):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.evaluate("document.activeElement.textContent.trim()")
    assert skip == "Skip to main content"
    assert page.evaluate("getComputedStyle(document.activeElement).backgroundColor") == FOCUS_YELLOW

    page.keyboard.press("Enter")
    for _ in range(40):  # on to the search box, one Tab at a time
        if page.evaluate("document.activeElement.id") == "q":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("card payments")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=card\+payments"))

    for _ in range(80):  # to the first result's link
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.app-result') !== null"):
            break
    assert page.evaluate("document.activeElement.tagName") == "A"
    focused = page.evaluate("getComputedStyle(document.activeElement).backgroundColor")
    assert focused == FOCUS_YELLOW  # visible focus
    page.keyboard.press("Enter")
    page.wait_for_url("**/platforms/**")


def test_everything_works_without_javascript(page_without_javascript, screenshot):
    page = page_without_javascript
    page.goto("/")
    page.get_by_label("Search the catalogue").fill("notifications")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/search/\?q=notifications"))
    assert results_count(page) > 0

    page.locator("input[name=capability][value=notifications]").check()
    page.get_by_role("button", name="Apply filters").first.click()
    page.wait_for_url(re.compile(r"capability=notifications"))
    assert page.get_by_role("link", name="GOV.UK Notify").first.is_visible()

    page.get_by_label("Compare GOV.UK Notify").check()
    page.get_by_label("Compare NHS Notify").check()
    page.get_by_role("button", name="Compare selected platforms").click()
    page.wait_for_url(re.compile(r"/compare/"))
    assert sorted(page.locator("thead th").all_inner_texts()) == ["GOV.UK Notify", "NHS Notify"]

    page.goto("/platforms/govuk-notify/")
    page.locator("input[name=status][value=exploring]").check()
    page.get_by_role("button", name="Filter adopters").click()
    page.wait_for_url(re.compile(r"status=exploring"))
    statuses = set(page.locator("#adopters-table tbody .govuk-tag").all_inner_texts())
    assert statuses == {"Exploring"}
    screenshot(page, "platform-without-javascript")


PAGE_TYPES = {  # name: (path, status)
    "home": ("/", 200),
    "search": ("/search/?q=payments", 200),
    "search-filtered": ("/search/?q=notify&phase=live&capability=notifications", 200),
    "search-no-results": ("/search/?q=xqzzv+paymnets", 200),
    "search-error": ("/search/?capability=teleportation&page=two", 400),
    "platform": ("/platforms/govuk-notify/", 200),
    "platform-retired": ("/platforms/govuk-verify/", 200),
    "platform-adopters-error": ("/platforms/govuk-pay/?status=bored", 400),
    "organisation": ("/organisations/government-digital-service/", 200),
    "capability": ("/capabilities/identity-and-access/", 200),
    "compare": ("/compare/?platforms=govuk-notify,nhs-notify,govuk-pay", 200),
    "compare-error": ("/compare/?platforms=govuk-pay", 400),
    "data-sources": ("/data-sources/", 200),
    "not-found": ("/platforms/no-such-platform/", 404),
}


@pytest.mark.parametrize(("name", "path", "status"), [(k, *v) for k, v in PAGE_TYPES.items()])
def test_no_serious_accessibility_violations(page, screenshot, name, path, status):
    assert page.goto(path).status == status
    screenshot(page, f"page-{name}")
    assert serious_accessibility_violations(page) == []
