"""``?format=csv`` on the API's lists (issue 9, item 7): every record the filters select (not one
page), streamed; URL columns name the resource (no ``?format=csv``); each field one column."""

import pytest
from django.test import override_settings

from platforms.models import Adoption, Platform
from tests.exports.conftest import adopters, body_of, csv_records
from tests.factories import (
    CapabilityFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    RetiredPlatformFactory,
)

pytestmark = pytest.mark.django_db


def test_the_csv_of_a_500_row_adoption_list_has_500_rows(api_client, pay):
    adopters(pay, 500)
    response = api_client.get("/api/v1/platforms/govuk-pay/adoptions/", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    records = csv_records(response)
    assert len(records) == 500
    assert len({r["organisation.slug"] for r in records}) == 500
    # The JSON list of the same request is still paged.
    page = api_client.get("/api/v1/platforms/govuk-pay/adoptions/").json()
    assert len(page["results"]) < 500 and page["next"]


def test_every_top_level_list_row_the_filters_select(api_client, pay):
    adopters(pay, 130, status=Adoption.Status.IN_USE)
    adopters(pay, 45, start=1000, status=Adoption.Status.STOPPED)
    everything = csv_records(api_client.get("/api/v1/adoptions/?format=csv"))
    assert len(everything) == 175
    stopped = csv_records(api_client.get("/api/v1/adoptions/?format=csv&status=stopped"))
    assert len(stopped) == 45
    assert {r["status"] for r in stopped} == {"stopped"}


def test_csv_through_the_accept_header_is_the_same(api_client, pay):
    adopters(pay, 30)
    response = api_client.get("/api/v1/adoptions/", HTTP_ACCEPT="text/csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert len(csv_records(response)) == 30


@override_settings(API_PAGE_SIZE=5, API_MAX_PAGE_SIZE=5)
def test_platform_and_organisation_lists_are_whole_and_ordered(api_client):
    owner = OrganisationFactory(slug="owner-body", name="Owner body")
    for n in range(12):
        PublishedPlatformFactory(name=f"Platform {n:02}", slug=f"platform-{n:02}", owner=owner)
    DraftPlatformFactory(name="Unannounced", owner=owner)
    records = csv_records(api_client.get("/api/v1/platforms/?format=csv&ordering=-name"))
    assert [r["slug"] for r in records] == [f"platform-{n:02}" for n in reversed(range(12))]
    owned = csv_records(api_client.get("/api/v1/organisations/owner-body/platforms/?format=csv"))
    assert len(owned) == 12
    organisations = csv_records(api_client.get("/api/v1/organisations/?format=csv"))
    assert "owner-body" in {r["slug"] for r in organisations}


def test_url_columns_are_clean_links(api_client, pay):
    adopters(pay, 3)
    for path in (
        "/api/v1/platforms/?format=csv",
        "/api/v1/adoptions/?format=csv",
        "/api/v1/platforms/govuk-pay/adoptions/?format=csv",
        "/api/v1/organisations/?format=csv",
    ):
        text = body_of(api_client.get(path))
        assert "format=" not in text, path
    (record,) = csv_records(api_client.get("/api/v1/platforms/?format=csv"))
    assert record["url"] == "http://testserver/api/v1/platforms/govuk-pay/"
    assert record["owner.url"] == (
        "http://testserver/api/v1/organisations/government-digital-service/"
    )
    # Other query parameters are not carried into links either way.
    adoption = csv_records(api_client.get("/api/v1/adoptions/?format=csv&status=in_use"))[0]
    assert adoption["url"].endswith(f"/api/v1/adoptions/{adoption['id']}/")


def test_each_field_is_one_column_whether_or_not_it_has_a_value(api_client):
    replacement = PublishedPlatformFactory(slug="new-one", name="New one")
    RetiredPlatformFactory(slug="old-one", replaced_by=replacement)
    PublishedPlatformFactory(slug="live-one")
    response = api_client.get("/api/v1/platforms/?format=csv")
    header = body_of(response).splitlines()[0].split(",")
    assert len(header) == len(set(header))
    assert "replaced_by" not in header
    assert [c for c in header if c.startswith("replaced_by")] == [
        "replaced_by.slug",
        "replaced_by.name",
        "replaced_by.url",
    ]
    records = {r["slug"]: r for r in csv_records(api_client.get("/api/v1/platforms/?format=csv"))}
    assert records["old-one"]["replaced_by.slug"] == "new-one"
    assert records["live-one"]["replaced_by.slug"] == ""


def test_an_empty_list_still_has_its_header(api_client, db):
    text = body_of(api_client.get("/api/v1/platforms/?format=csv"))
    assert text.startswith("url,slug,name,summary,kind,owner.slug,")
    assert text.count("\n") == 1


def test_lists_join_related_slugs(api_client):
    platform = PublishedPlatformFactory(slug="pay", tags=["cards", "refunds"])
    platform.capabilities.set(
        [CapabilityFactory(slug="payments"), CapabilityFactory(slug="identity")]
    )
    (record,) = csv_records(api_client.get("/api/v1/platforms/?format=csv"))
    assert sorted(record["capabilities"].split("; ")) == ["identity", "payments"]
    assert record["tags"] == "cards; refunds"


def test_bad_filters_are_still_a_json_400(api_client, db):
    response = api_client.get("/api/v1/adoptions/", {"format": "csv", "status": "sideways"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "status" in response.json()["errors"]


def test_drafts_of_others_stay_out(api_client):
    DraftPlatformFactory(slug="hidden-draft")
    PublishedPlatformFactory(slug="shown")
    records = csv_records(api_client.get("/api/v1/platforms/?format=csv"))
    assert [r["slug"] for r in records] == ["shown"]
    assert Platform.objects.count() == 2


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/platforms/?format=csv&page_size=true",
        "/api/v1/adoptions/?format=csv&cursor=not-a-cursor",
        "/api/v1/platforms/govuk-pay/adoptions/?format=csv&page_size=0",
        "/api/v1/capabilities/?format=csv&offset=-1",
    ],
)
def test_bad_paging_is_the_same_400_although_a_csv_ignores_paging(api_client, pay, path):
    response = api_client.get(path)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
