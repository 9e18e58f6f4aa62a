"""The insights index: every insight with its URL, and every URL answers."""

import pytest

from tests.factories import OrganisationFactory, PublishedPlatformFactory
from tests.insights.conftest import client_for, get_json

pytestmark = pytest.mark.django_db


def test_the_index_lists_every_insight_and_each_url_answers(org_a):
    PublishedPlatformFactory(slug="notify", owner=org_a)
    client = client_for(None)
    body = get_json(client, "/api/v1/insights/")
    names = [entry["name"] for entry in body["results"]]
    assert names == [
        "duplication",
        "organisation_profile",
        "platform_impact",
        "contracts",
        "matrix",
        "platform_trend",
    ]
    assert all(entry["description"] for entry in body["results"])
    slugs = {"organisation_profile": "alpha-office", "platform_impact": "notify"}
    slugs["platform_trend"] = "notify"
    for entry in body["results"]:
        url = entry["url"].replace("{slug}", slugs.get(entry["name"], ""))
        assert url.startswith("http://testserver/api/v1/insights/")
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("extra", [0, 20])
def test_the_index_runs_no_query(django_assert_max_num_queries, extra):
    for _ in range(extra):
        PublishedPlatformFactory(owner=OrganisationFactory())
    client = client_for(None)
    with django_assert_max_num_queries(0):
        get_json(client, "/api/v1/insights/")
