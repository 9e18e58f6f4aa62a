"""Issue 9's API items: nested lists filter like the top-level ones (400 for what they do not
take), names sort without regard to case on both databases, the documentation makes no
third-party request, and the browsable API shows no raw markup."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlparse

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from platforms.models import Adoption
from tests.factories import (
    AdoptionFactory,
    DependencyFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pay():
    gds = OrganisationFactory(slug="government-digital-service", name="Government Digital Service")
    platform = PublishedPlatformFactory(owner=gds, slug="govuk-pay", name="GOV.UK Pay")
    for n, status in enumerate(["in_use", "in_use", "stopped", "exploring"]):
        AdoptionFactory(
            platform=platform,
            organisation=OrganisationFactory(slug=f"council-{n}", name=f"Council {n}"),
            status=status,
        )
    return platform


def _slugs(response, key="organisation"):
    assert response.status_code == 200, response.content
    return [row[key]["slug"] for row in response.json()["results"]]


# --- nested lists take the same validated filters --------------------------------------------


def test_a_platforms_adoptions_filter_by_status_and_organisation(api_client, pay):
    url = "/api/v1/platforms/govuk-pay/adoptions/"
    assert _slugs(api_client.get(url, {"status": "stopped"})) == ["council-2"]
    assert sorted(_slugs(api_client.get(url, {"status": "in_use,exploring"}))) == [
        "council-0",
        "council-1",
        "council-3",
    ]
    assert _slugs(api_client.get(url, {"organisation": "council-1"})) == ["council-1"]
    assert len(_slugs(api_client.get(url))) == 4


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/platforms/govuk-pay/adoptions/", {"status": "finished"}, "status"),
        ("/api/v1/platforms/govuk-pay/adoptions/", {"organisation": "nobody"}, "organisation"),
        ("/api/v1/platforms/govuk-pay/adoptions/", {"status": ""}, "status"),
        ("/api/v1/platforms/govuk-pay/adoptions/", {"platform": "govuk-pay"}, "platform"),
        ("/api/v1/platforms/govuk-pay/adoptions/", {"ordering": "-updated_at"}, "ordering"),
        ("/api/v1/platforms/govuk-pay/dependencies/", {"kind": "magic"}, "kind"),
        ("/api/v1/platforms/govuk-pay/dependencies/", {"depends_on": "nothing"}, "depends_on"),
        ("/api/v1/organisations/council-0/adoptions/", {"status": "finished"}, "status"),
        ("/api/v1/organisations/council-0/adoptions/", {"platform": "nothing"}, "platform"),
        ("/api/v1/organisations/government-digital-service/platforms/", {"phase": "x"}, "phase"),
        ("/api/v1/organisations/government-digital-service/platforms/", {"owner": "x"}, "owner"),
    ],
)
def test_a_nested_list_refuses_what_it_does_not_take_with_400(api_client, pay, url, params, field):
    response = api_client.get(url, params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["status"] == 400 and field in body["errors"]


def test_a_platforms_dependencies_and_an_organisations_lists_filter(api_client, pay):
    notify = PublishedPlatformFactory(slug="govuk-notify", owner=pay.owner)
    DependencyFactory(platform=pay, depends_on=notify, kind="runtime")
    url = "/api/v1/platforms/govuk-pay/dependencies/"
    assert len(api_client.get(url, {"kind": "runtime"}).json()["results"]) == 1
    assert api_client.get(url, {"kind": "build"}).json()["results"] == []
    adoptions = "/api/v1/organisations/council-2/adoptions/"
    assert len(api_client.get(adoptions, {"status": "stopped"}).json()["results"]) == 1
    assert api_client.get(adoptions, {"status": "in_use"}).json()["results"] == []
    owned = "/api/v1/organisations/government-digital-service/platforms/"
    assert (
        _slugs(api_client.get(owned, {"phase": "live"}), key="owner")
        == ["government-digital-service"] * 2
    )
    assert api_client.get(owned, {"phase": "alpha"}).json()["results"] == []


def test_nested_filters_are_documented(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    parameters = schema["paths"]["/api/v1/platforms/{slug}/adoptions/"]["get"]["parameters"]
    names = {p["name"] for p in parameters}
    assert {"status", "organisation"} <= names
    status = next(p for p in parameters if p["name"] == "status")
    assert set(status["schema"]["items"]["enum"]) == set(Adoption.Status.values)


# --- names sort without regard to case -------------------------------------------------------

NAMES = ["GOV.UK Verify", "GOV.UK publishing platform", "GOV.UK Pay", "apply for a licence"]
EXPECTED = ["apply for a licence", "GOV.UK Pay", "GOV.UK publishing platform", "GOV.UK Verify"]


def test_platform_names_sort_without_regard_to_case(api_client):
    owner = OrganisationFactory(slug="gds")
    for n, name in enumerate(NAMES):
        PublishedPlatformFactory(owner=owner, name=name, slug=f"p-{n}")

    def names(response):
        assert response.status_code == 200, response.content
        return [row["name"] for row in response.json()["results"]]

    assert names(api_client.get("/api/v1/platforms/")) == EXPECTED
    assert names(api_client.get("/api/v1/platforms/", {"ordering": "name"})) == EXPECTED
    assert names(api_client.get("/api/v1/platforms/", {"ordering": "-name"})) == EXPECTED[::-1]
    assert names(api_client.get("/api/v1/organisations/gds/platforms/")) == EXPECTED
    # Cursor pages walk the same order, one at a time.
    walked, url = [], "/api/v1/platforms/?page_size=1&ordering=name"
    while url:
        page = api_client.get(url).json()
        walked += [row["name"] for row in page["results"]]
        url = page["next"]
    assert walked == EXPECTED


def test_organisation_names_sort_without_regard_to_case(api_client):
    for n, name in enumerate(["Zeta council", "alpha agency", "Beta board"]):
        OrganisationFactory(slug=f"o-{n}", name=name)
    response = api_client.get("/api/v1/organisations/", {"ordering": "name"})
    names = [row["name"] for row in response.json()["results"]]
    assert names == ["alpha agency", "Beta board", "Zeta council"]


# --- documentation: offline, no raw markup ---------------------------------------------------

DOCS = ["/api/docs/", "/api/redoc/"]


def _foreign(url: str) -> bool:
    host = urlparse(url).hostname
    return host is not None and host not in {"testserver", "localhost", "127.0.0.1"}


def _css_references(text: str) -> list[str]:
    """The URLs a stylesheet makes the browser fetch (inline data: images are not fetched)."""
    found = re.findall(r"""url\(\s*["']?([^"')]+)["']?\s*\)""", text)
    found += re.findall(r"""@import\s+(?:url\()?["']([^"']+)["']""", text)
    return [url for url in found if not url.startswith("data:")]


def _references(text: str) -> list[str]:
    """Every URL a page names: its links, scripts and styles, and any absolute URL in it."""
    found = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", text)
    found += re.findall(r"""https?://[^\s"'<>)]+""", text)
    return found + _css_references(text)


@pytest.mark.parametrize("page", DOCS)
def test_no_docs_page_references_a_third_party_url(page):
    client = Client()
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    foreign = [url for url in _references(html) if _foreign(url)]
    assert not foreign, foreign
    # The stylesheets it links (fonts included) stay on this server too.
    for href in re.findall(r"""<link[^>]+href=["']([^"']+\.css)["']""", html):
        path = urljoin(page, href)
        assert path.startswith("/static/"), href
        stylesheet = finders.find(path.removeprefix("/static/"))
        assert stylesheet, href
        css = open(stylesheet, encoding="utf-8").read()  # noqa: SIM115
        assert not [url for url in _css_references(css) if _foreign(url)], href
        for font in re.findall(r"""url\(\s*["']?([^"')]+\.woff2)""", css):
            assert finders.find(urljoin(path, font).removeprefix("/static/")), font


def test_redoc_has_its_fonts_and_swagger_ui_has_no_validator_badge():
    client = Client()
    redoc = client.get("/api/redoc/").content.decode()
    assert "api/fonts/fonts.css" in redoc
    swagger = client.get("/api/docs/").content.decode()
    script = swagger
    for src in re.findall(r"""<script[^>]+src=["']([^"']+)["']""", swagger):
        if not src.startswith("/static/"):  # the page's own settings script
            script += client.get(urljoin("/api/docs/", src)).content.decode()
    assert '"validatorUrl": null' in script


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/",
        "/api/v1/platforms/",
        "/api/v1/platforms/govuk-pay/",
        "/api/v1/platforms/govuk-pay/adoptions/",
        "/api/v1/adoptions/",
        "/api/v1/dependencies/",
        "/api/v1/organisations/",
        "/api/v1/capabilities/",
        "/api/v1/search/",
    ],
)
def test_the_browsable_api_shows_no_raw_markup(pay, url):
    response = Client().get(url, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert "``" not in response.content.decode()
