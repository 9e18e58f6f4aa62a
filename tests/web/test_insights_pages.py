"""The insight pages and the impact page through Django's test client: known answers from
hand-built data, bad input on the page's error summary (never a 500), drafts that never show, and
a constant number of queries at two sizes of catalogue."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from platforms.models import Adoption, Organisation
from tests.factories import (
    AdoptionFactory,
    DependencyFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
)
from tests.web.catalogue import build_catalogue
from tests.web.test_pages import text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db):
    return build_catalogue(size=3)


def add_contracts(catalogue):
    """Two supplier contracts, one ending inside 18 months and one after, and an other
    organisation's draft ending inside (never shown)."""
    today = timezone.localdate()
    soon = PublishedPlatformFactory(
        name="Legacy texting service",
        slug="legacy-texting",
        owner=catalogue.agency,
        supplier="Texts Ltd",
        contract_end_date=today + datetime.timedelta(days=180),
    )
    soon.capabilities.add(catalogue.notifications)
    later = PublishedPlatformFactory(
        name="Legacy payments service",
        slug="legacy-payments",
        owner=catalogue.agency,
        supplier="Cards Ltd",
        contract_end_date=today + datetime.timedelta(days=30 * 30),
    )
    later.capabilities.add(catalogue.payments)
    DraftPlatformFactory(
        name="Hidden contract draft",
        slug="hidden-contract",
        supplier="Secret Ltd",
        contract_end_date=today + datetime.timedelta(days=90),
    )
    return soon, later


def build_graph(catalogue):
    """A diamond under GOV.UK Pay (Pay <- left, right <- bottom) and a cycle below it (bottom <->
    loop), each owned by the agency, the bottom used by a borough council."""
    platforms = {}
    for slug in ("left", "right", "bottom", "loop"):
        platforms[slug] = PublishedPlatformFactory(
            name=f"{slug.title()} service", slug=slug, owner=catalogue.agency
        )
    edges = [
        ("left", catalogue.pay),
        ("right", catalogue.pay),
        ("bottom", platforms["left"]),
        ("bottom", platforms["right"]),
        ("loop", platforms["bottom"]),
        ("bottom", platforms["loop"]),
    ]
    for dependent, dependency in edges:
        DependencyFactory(platform=platforms[dependent], depends_on=dependency)
    council = Organisation.objects.get(slug="borough-council-0")
    AdoptionFactory(platform=platforms["bottom"], organisation=council)
    return platforms


# --- every page: the design, no inline script or style ----------------------------------------

PAGES = [
    "/insights/",
    "/insights/duplication/",
    "/insights/contracts/",
    "/insights/contracts/?within=36",
    "/insights/matrix/",
    "/insights/matrix/?capability=payments&kind=local_authority&parent=gds",
    "/insights/platforms/govuk-pay/trend/",
    "/platforms/govuk-notify/impact/",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_insight_page_is_a_govuk_page_with_its_charts_table(client, catalogue, path):
    add_contracts(catalogue)
    response = client.get(path)

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"<title>[^<]+ – Cross-government platform catalogue – GOV.UK</title>", html)
    assert re.search(r'<meta name="description" content="[^"]{20,}">', html)
    assert html.count("<h1") == 1
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html and "<style" not in html
    assert "Secret payments draft" not in html and "Hidden contract draft" not in html
    # Each chart is an image with a title, and has a table next to it.
    for svg in re.findall(r"<svg class=\"app-chart\".*?</svg>", html, flags=re.S):
        assert 'role="img"' in svg and "<title" in svg
    charts = html.count('class="app-chart"')
    assert html.count("<table") >= min(charts, 1)


def test_insights_are_linked_from_the_navigation_home_and_platform_pages(client, catalogue):
    home = client.get("/").content.decode()
    assert home.count('href="/insights/"') >= 2  # the header's navigation and the page
    platform = client.get("/platforms/govuk-pay/").content.decode()
    assert 'href="/platforms/govuk-pay/impact/"' in platform
    assert 'href="/insights/platforms/govuk-pay/trend/"' in platform
    index = client.get("/insights/").content.decode()
    for path in ("/insights/duplication/", "/insights/contracts/", "/insights/matrix/"):
        assert f'href="{path}"' in index


# --- duplication --------------------------------------------------------------------------------


def test_duplication_ranks_payments_first_with_its_platforms_and_adopters(client, catalogue):
    page = text_of(client.get("/insights/duplication/"))

    # Payments: Pay and three case trackers; GDS, three councils, the agency and the other
    # department are split across them, and the agency (owner of three) and the other department
    # (user of three) are on more than one. Notifications: Notify and the trackers, 3 and 2.
    assert "1 Payments 4 6 2 2 Notifications 4 3 2" in page
    assert "GOV.UK Pay Government Digital Service Live 3 0" in page
    assert "Case tracker 0 Land Registry Agency Live 1 1" in page
    assert "Secret payments draft" not in page
    assert page.index("1. Payments") < page.index("2. Notifications")


def test_duplication_shows_a_retired_platform_with_its_replacement(client, catalogue):
    PublishedPlatformFactory(name="Other sign-in", owner=catalogue.agency).capabilities.add(
        catalogue.one_login.capabilities.get()
    )
    page = text_of(client.get("/insights/duplication/"))
    assert "Retired: GOV.UK Verify , replaced by GOV.UK One Login" in page


def test_a_bad_page_number_shows_the_error_summary(client, catalogue):
    response = client.get("/insights/duplication/?page=nine")
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page and "“nine” is not" in page
    assert "1. Payments" in page  # the first page, under the summary


# --- contracts ------------------------------------------------------------------------------------


def test_contracts_within_the_window_with_what_could_replace_them(client, catalogue):
    add_contracts(catalogue)

    page = text_of(client.get("/insights/contracts/"))
    assert "1 contract ending" in page
    assert "Legacy texting service" in page and "Texts Ltd" in page
    assert "Legacy payments service" not in page and "Hidden contract draft" not in page
    # Its alternatives: the live platforms meeting notifications, most reused first.
    row = page[page.index("Legacy texting service") :]
    assert re.search(r"Case tracker \d \(Land Registry Agency, used by 1 other organisation\)", row)
    assert "GOV.UK Notify (Government Digital Service, used by 0 other organisations)" not in row
    assert "and 1 more" in row  # three trackers and Notify: three shown

    longer = text_of(client.get("/insights/contracts/?within=36"))
    assert "2 contracts ending" in longer and "Legacy payments service" in longer


@pytest.mark.parametrize("within", ["abc", "-1", "0", "121", "1.5"])
def test_a_bad_window_is_an_error_summary_not_a_500(client, catalogue, within):
    add_contracts(catalogue)
    response = client.get("/insights/contracts/", {"within": within})

    assert response.status_code == 400
    html = response.content.decode()
    page = text_of(response)
    assert "There is a problem" in page
    assert "whole number from 1 to 120" in page
    assert 'href="#within"' in html and 'id="within"' in html
    assert "govuk-input--error" in html
    assert "Legacy texting service" in page  # the default 18 months shown below


# --- the adoption matrix --------------------------------------------------------------------------


def test_matrix_shows_each_organisations_status_per_platform(client, catalogue):
    page = text_of(client.get("/insights/matrix/"))
    assert "Borough Council 0 Exploring In use In use – – – –" in page
    assert "Other Department – – – In use In use In use –" in page
    assert "Secret payments draft" not in page


def test_matrix_filters_by_capability_kind_and_parent(client, catalogue):
    identity = text_of(client.get("/insights/matrix/?capability=identity"))
    # One Login (the agency) and the retired Verify (three councils).
    assert "4 organisations against 2 platforms" in identity
    assert "Land Registry Agency – In use" in identity
    assert "Borough Council 0 In use –" in identity

    # The department's tree: its councils and agency, not the other department.
    tree = text_of(client.get("/insights/matrix/?parent=gds"))
    assert "Borough Council 2" in tree and "Land Registry Agency" in tree
    assert "Other Department –" not in tree

    OrganisationFactory(name="Quiet Council", kind=Organisation.Kind.LOCAL_AUTHORITY)
    council = Organisation.objects.get(slug="borough-council-1")
    council.kind = Organisation.Kind.LOCAL_AUTHORITY
    council.save()
    kind = text_of(client.get("/insights/matrix/?kind=local_authority"))
    assert "1 organisation against" in kind and "Borough Council 1 " in kind
    assert "Quiet Council" not in kind.split("Apply filters")[1]  # no adoption, no row


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("capability=teleportation", "There is no capability “teleportation”"),
        ("parent=ministry-of-magic", "There is no organisation “ministry-of-magic”"),
        ("kind=wizards", "Choose kinds of organisation from the list."),
    ],
)
def test_matrix_bad_filters_are_an_error_summary(client, catalogue, query, message):
    response = client.get(f"/insights/matrix/?{query}")
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page and message in page
    assert "Borough Council 0" in page  # the whole matrix below


# --- trend ----------------------------------------------------------------------------------------


def test_trend_counts_organisations_per_quarter(client, catalogue):
    pay = catalogue.pay
    Adoption.objects.filter(platform=pay).update(start_date=datetime.date(2024, 2, 1))
    council = Organisation.objects.get(slug="borough-council-0")
    Adoption.objects.filter(platform=pay, organisation=council).update(
        start_date=datetime.date(2024, 5, 1),
        status=Adoption.Status.STOPPED,
        end_date=datetime.date(2024, 11, 1),
    )

    page = text_of(client.get("/insights/platforms/govuk-pay/trend/"))
    # Three started (two in Q1, one in Q2); one stopped in Q4.
    assert "2024-Q1 2 0 2 2024-Q2 1 0 3 2024-Q3 0 0 3 2024-Q4 0 1 2" in page
    assert "2 in 2024-Q4" in page


def test_trend_and_impact_of_an_unknown_or_hidden_platform_are_404(client, catalogue):
    for path in (
        "/insights/platforms/nothing/trend/",
        "/insights/platforms/secret-draft/trend/",
        "/platforms/nothing/impact/",
        "/platforms/secret-draft/impact/",
    ):
        response = client.get(path)
        assert response.status_code == 404
        assert "Page not found" in text_of(response)


# --- impact ---------------------------------------------------------------------------------------


def test_impact_lists_the_diamond_with_paths_organisations_and_the_cycle(client, catalogue):
    build_graph(catalogue)
    response = client.get("/platforms/govuk-pay/impact/")
    html = response.content.decode()
    page = text_of(response)

    assert "4 platforms depending on it" in page and "2 organisations" in page
    assert "Left service Land Registry Agency 1 GOV.UK Pay → Left service GOV.UK Pay" in page
    assert "Right service Land Registry Agency 1 GOV.UK Pay → Right service GOV.UK Pay" in page
    # One shortest path through either side of the diamond.
    assert re.search(
        r"Bottom service Land Registry Agency 2 GOV.UK Pay → (Left|Right) service → Bottom service"
        r" Left service, Loop service, Right service",
        page,
    )
    assert "Loop service Land Registry Agency 3" in page
    assert "Borough Council 0 – Bottom service" in page
    assert "Land Registry Agency Left service, Right service, Bottom service, Loop service" in page
    # The cycle, reported once, and drawn.
    assert "1 cycle: Bottom service → Loop service → Bottom service" in page
    graph = re.search(r'<svg class="app-chart".*?</svg>', html, flags=re.S).group(0)
    assert graph.count("<rect") == 5  # Pay and its four dependents
    assert graph.count('stroke-dasharray="6 4"') == 2  # both edges of the cycle
    assert graph.count('fill="none"') == 6  # its six dependency edges


def test_impact_of_a_platform_nothing_depends_on(client, catalogue):
    page = text_of(client.get("/platforms/govuk-one-login/impact/"))
    assert "0 platforms depending on it" in page
    assert "No platform in the catalogue depends on GOV.UK One Login." in page


# --- could reuse ----------------------------------------------------------------------------------


def test_organisation_page_shows_what_it_could_reuse(client, catalogue):
    gds = text_of(client.get("/organisations/gds/"))
    section = gds[gds.index("Platforms it could reuse") : gds.index("Bodies under it")]
    assert "Payments GOV.UK Pay Case tracker 0 (Land Registry Agency), used by 1" in section
    assert "Notifications GOV.UK Notify Case tracker" in section
    assert "Secret payments draft" not in section

    other = text_of(client.get("/organisations/other-department/"))
    assert "No live platform run by another organisation meets a need" in other


# --- bounded queries ------------------------------------------------------------------------------

QUERY_BOUNDS = {
    "/insights/": 6,  # duplication 2, the contracts' count 1, the most reused and their owners
    "/insights/duplication/": 2,
    # The count per quarter, the page's contracts, their capabilities, the capabilities' first
    # alternatives, the shown ones' shared capabilities, each contract's number of alternatives.
    "/insights/contracts/?within=36": 6,
    "/insights/matrix/?capability=payments&parent=gds": 7,  # 3, the filters' checks and lists
    "/insights/platforms/govuk-pay/trend/": 3,
    "/platforms/govuk-pay/impact/": 5,
    "/organisations/gds/": 12,
}


@pytest.mark.parametrize("size", [1, 12])
@pytest.mark.parametrize(("path", "bound"), QUERY_BOUNDS.items())
def test_queries_do_not_grow_with_the_data(
    client, django_assert_max_num_queries, db, size, path, bound
):
    catalogue = build_catalogue(size=size)
    add_contracts(catalogue)
    build_graph(catalogue)
    for n in range(size):
        DependencyFactory(platform=catalogue.extra[n], depends_on=catalogue.pay)
    with django_assert_max_num_queries(bound):
        assert client.get(path).status_code == 200
