"""A platform's kind (service platform, API, software component, data or register) is shown on
its page and can be set and filtered on in the admin."""

import pytest
from bs4 import BeautifulSoup

from tests.factories import OrganisationFactory, PublishedPlatformFactory, editor_of

pytestmark = pytest.mark.django_db


def _summary(response) -> dict[str, str]:
    page = BeautifulSoup(response.content, "html.parser")
    return {
        row.dt.get_text(strip=True): row.dd.get_text(" ", strip=True)
        for row in page.select(".govuk-summary-list__row")
    }


def test_the_platform_page_says_what_kind_of_thing_it_is(client):
    PublishedPlatformFactory(slug="companies-house-api", kind="api")
    PublishedPlatformFactory(slug="notify")
    assert _summary(client.get("/platforms/companies-house-api/"))["Kind"] == "API"
    assert _summary(client.get("/platforms/notify/"))["Kind"] == "Service platform"


def test_an_editor_filters_the_admin_list_by_kind(client):
    gds = OrganisationFactory()
    PublishedPlatformFactory(owner=gds, name="Companies House API", kind="api")
    PublishedPlatformFactory(owner=gds, name="GOV.UK Notify")
    client.force_login(editor_of(gds))
    response = client.get("/admin/platforms/platform/", {"kind__exact": "api"})
    names = [p.name for p in response.context["cl"].result_list]
    assert names == ["Companies House API"]
    page = client.get("/admin/platforms/platform/add/")
    assert "kind" in page.context["adminform"].form.fields
