"""A platform's adoption trend: organisations using it, quarter by quarter."""

import datetime

import pytest

from tests.factories import (
    AdoptionFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
)
from tests.insights.conftest import client_for, get_json

pytestmark = pytest.mark.django_db

URL = "/api/v1/insights/platforms/{}/trend/"
D = datetime.date


def adopt(platform, start=None, end=None, status="in_use", **fields):
    return AdoptionFactory(
        platform=platform,
        organisation=fields.pop("organisation", None) or OrganisationFactory(),
        start_date=start,
        end_date=end,
        status=status,
        **fields,
    )


def test_organisations_in_use_per_quarter_without_gaps(org_a):
    pay = PublishedPlatformFactory(slug="pay", owner=org_a)
    adopt(pay, D(2024, 1, 15))
    adopt(pay, D(2024, 3, 31))
    adopt(pay, D(2024, 2, 1), D(2024, 11, 3), status="stopped")
    adopt(pay, evidence_date=D(2024, 12, 1))  # no start date: the evidence says when
    both = OrganisationFactory()
    adopt(pay, D(2025, 1, 2), organisation=both)
    adopt(pay, D(2024, 5, 2), D(2025, 1, 1), status="stopped", organisation=both, use_case="Old")
    adopt(pay)  # in use, undated
    adopt(pay, D(2024, 1, 1), status="stopped")  # stopped, but when? undated
    adopt(pay, D(2023, 1, 1), status="exploring")  # not using
    adopt(pay, D(2020, 1, 1), organisation=org_a)  # the owner itself

    body = get_json(client_for(None), URL.format("pay"))

    assert body["platform"]["slug"] == "pay"
    assert body["series"] == [
        {"quarter": "2024-Q1", "started": 3, "ended": 0, "in_use": 3},
        {"quarter": "2024-Q2", "started": 1, "ended": 0, "in_use": 4},  # "both", from May
        {"quarter": "2024-Q3", "started": 0, "ended": 0, "in_use": 4},
        {"quarter": "2024-Q4", "started": 1, "ended": 1, "in_use": 4},
    ]
    assert body["undated"] == 2


def test_no_adoptions_no_series(org_a):
    PublishedPlatformFactory(slug="new", owner=org_a)
    body = get_json(client_for(None), URL.format("new"))
    assert (body["series"], body["undated"]) == ([], 0)


def test_a_hidden_or_unknown_platform_is_404(org_a):
    DraftPlatformFactory(slug="draft", owner=org_a)
    for slug in ("draft", "nope"):
        response = client_for(None).get(URL.format(slug))
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("extra", [0, 40])
def test_trend_queries_are_bounded(django_assert_max_num_queries, org_a, extra):
    pay = PublishedPlatformFactory(slug="pay", owner=org_a)
    adopt(pay, D(2020, 1, 1))
    for n in range(extra):
        adopt(pay, D(2020 + n // 4, n % 4 * 3 + 1, 1))
    client = client_for(None)
    with django_assert_max_num_queries(4):
        body = get_json(client, URL.format("pay"))
    assert body["series"][-1]["in_use"] == 1 + extra
