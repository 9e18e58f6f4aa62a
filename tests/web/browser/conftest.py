"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's
``live_server``, on the real reference data (loaded once for this package).

Without /usr/bin/chromium they are skipped with a message; ``REQUIRE_BROWSER=1`` (CI's SQLite run)
turns that skip into a failure. They run on SQLite only: the pages read the same querysets on both
databases, and the PostgreSQL run stays short.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

# Playwright's sync API runs an event loop in this thread, and Django then refuses database calls
# from it (the fixtures below load and flush data) unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTEFACTS = Path(__file__).resolve().parents[3] / "test-artefacts" / "screenshots"


@pytest.fixture(scope="package")
def _browser_available() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("browser tests run on SQLite only (CI runs them in its SQLite pass)")
    if not os.access(CHROMIUM, os.X_OK):
        message = (
            f"browser tests need Chromium at {CHROMIUM} (Debian: apt-get install chromium); "
            "set REQUIRE_BROWSER=1 to make its absence a failure"
        )
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {message.split(';')[0]}", pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="package")
def reference_catalogue(_browser_available, django_db_setup, django_db_blocker):
    """The real reference data, loaded once for every browser test and removed afterwards, so
    that the other tests start from the database as the migrations left it."""
    from platforms.models import Synonym

    with django_db_blocker.unblock():
        seeded = list(Synonym.objects.values("term", "expansions"))  # from a data migration
        call_command("load_reference_data", stdout=io.StringIO())
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
        Synonym.objects.bulk_create(Synonym(**row) for row in seeded)


@pytest.fixture
def transactional_db(reference_catalogue, django_db_blocker):
    """Instead of pytest-django's (which ``live_server`` asks for, and which empties the database
    after each test): the browser tests only read, so the reference data stays for all of them."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture(scope="package")
def browser(_browser_available):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def _new_page(browser, live_server, **options):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1200, "height": 900}, **options
    )
    # No request may leave the machine: the pages load nothing from third parties.
    outside = []
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(live_server.url)
            or route.request.url.startswith("data:")
            else (outside.append(route.request.url), route.abort())
        ),
    )
    page = context.new_page()
    page.outside_requests = outside
    return context, page


@pytest.fixture
def page(browser, live_server, transactional_db):
    context, page = _new_page(browser, live_server)
    yield page
    context.close()
    assert page.outside_requests == [], "pages must make no third-party request"


@pytest.fixture
def page_without_javascript(browser, live_server, transactional_db):
    context, page = _new_page(browser, live_server, java_script_enabled=False)
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """Saves a full-page screenshot as a test artefact (test-artefacts/screenshots/)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTEFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


SERIOUS = {"serious", "critical"}


def serious_accessibility_violations(page) -> list[str]:
    """axe-core's serious and critical violations on ``page`` as it stands, one line each (rule,
    impact, help, the first three elements)."""
    from axe_playwright_python.sync_playwright import Axe

    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in SERIOUS
    ]
