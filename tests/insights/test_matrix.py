"""The organisation x platform adoption matrix, its filters (capability, organisation kind, parent
department with every body beneath it) and its CSV."""

import csv
import io

import pytest

from platforms.models import Organisation
from tests.factories import (
    AdoptionFactory,
    CapabilityFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
)
from tests.insights.conftest import client_for, get_json

pytestmark = pytest.mark.django_db

URL = "/api/v1/insights/matrix/"
Kind = Organisation.Kind


def organisation(slug, kind, parent=None):
    return OrganisationFactory(slug=slug, name=slug.title(), kind=kind, parent=parent)


@pytest.fixture
def tree(org_a):
    """A department with an agency, a body under the agency, and another department."""
    payments = CapabilityFactory(slug="payments", name="Payments")
    notifications = CapabilityFactory(slug="notifications", name="Notifications")
    pay = PublishedPlatformFactory(slug="pay", name="Pay", owner=org_a)
    pay.capabilities.set([payments])
    notify = PublishedPlatformFactory(slug="notify", name="Notify", owner=org_a)
    notify.capabilities.set([notifications])
    department = organisation("department", Kind.MINISTERIAL_DEPARTMENT)
    agency = organisation("agency", Kind.EXECUTIVE_AGENCY, department)
    body = organisation("body", Kind.NDPB, agency)
    other = organisation("other-department", Kind.MINISTERIAL_DEPARTMENT)
    AdoptionFactory(platform=pay, organisation=department)
    AdoptionFactory(platform=notify, organisation=department, status="exploring")
    AdoptionFactory(platform=notify, organisation=department, use_case="Letters")
    AdoptionFactory(platform=notify, organisation=agency, status="planned")
    AdoptionFactory(platform=pay, organisation=body)
    AdoptionFactory(platform=notify, organisation=other, status="stopped")
    secret = DraftPlatformFactory(slug="secret", owner=OrganisationFactory())
    AdoptionFactory(platform=secret, organisation=department)
    return department


def cells(body):
    return {(c["organisation"], c["platform"]): c["status"] for c in body["cells"]}


def test_the_whole_matrix(tree):
    body = get_json(client_for(None), URL)
    assert [p["platform"]["slug"] for p in body["platforms"]] == ["notify", "pay"]
    notify = body["platforms"][0]
    assert (notify["organisations"], notify["in_use"]) == (3, 1)
    assert [o["organisation"]["slug"] for o in body["organisations"]] == [
        "agency",
        "body",
        "department",
        "other-department",
    ]
    assert cells(body) == {
        ("agency", "notify"): "planned",
        ("body", "pay"): "in_use",
        ("department", "notify"): "in_use",  # the most advanced of its two adoptions
        ("department", "pay"): "in_use",
        ("other-department", "notify"): "stopped",
    }
    department = body["cells"][[c["organisation"] for c in body["cells"]].index("department")]
    assert department["adoptions"] == 2
    agency = body["organisations"][0]
    assert agency["parent"]["slug"] == "department"
    assert agency["kind"] == "executive_agency"
    assert "secret" not in str(body)


def test_parent_takes_the_department_and_every_body_beneath_it(tree):
    body = get_json(client_for(None), URL, parent="department")
    assert [o["organisation"]["slug"] for o in body["organisations"]] == [
        "agency",
        "body",
        "department",
    ]
    body = get_json(client_for(None), URL, parent="agency")
    assert {o["organisation"]["slug"] for o in body["organisations"]} == {"agency", "body"}


def test_a_cycle_in_the_register_does_not_hang_the_parent_filter(tree):
    Organisation.objects.filter(slug="department").update(
        parent=Organisation.objects.get(slug="body")
    )
    body = get_json(client_for(None), URL, parent="agency")
    assert {o["organisation"]["slug"] for o in body["organisations"]} == {
        "agency",
        "body",
        "department",
    }


def test_kind_and_capability_filters(tree):
    body = get_json(client_for(None), URL, kind="ministerial_department", capability="payments")
    assert [p["platform"]["slug"] for p in body["platforms"]] == ["pay"]
    assert cells(body) == {("department", "pay"): "in_use"}
    body = get_json(client_for(None), URL + "?kind=executive_agency,ndpb&capability=notifications")
    assert cells(body) == {("agency", "notify"): "planned"}


def test_csv_has_a_row_per_organisation_and_a_column_per_platform(tree):
    response = client_for(None).get(URL, {"format": "csv", "parent": "department"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == ["organisation", "name", "kind", "parent", "notify", "pay"]
    assert [(r["organisation"], r["parent"], r["notify"], r["pay"]) for r in rows] == [
        ("agency", "department", "planned", ""),
        ("body", "agency", "", "in_use"),
        ("department", "", "in_use", "in_use"),
    ]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"kind": "banana"}, "kind", "“banana” is not one of the allowed values: ministerial_"),
        ({"capability": "nope"}, "capability", "“nope” is not one of the allowed values: "),
        ({"parent": "nobody"}, "parent", "There is no organisation with the slug “nobody”."),
        ({"kind": ""}, "kind", "Give a value, or leave the parameter out."),
        ({"parent": "a,b"}, "parent", "Give one organisation's slug."),
    ],
)
def test_unknown_filter_values_are_a_400_listing_what_is_allowed(tree, query, field, message):
    response = client_for(None).get(URL, query)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"][field][0].startswith(message)
    if field == "capability":
        assert body["errors"][field][0].endswith("notifications, payments.")


def test_an_error_in_csv_is_still_json(tree):
    response = client_for(None).get(URL, {"format": "csv", "kind": "banana"})
    assert response.status_code == 400
    assert response.json()["errors"]["kind"]


@pytest.mark.parametrize("extra", [0, 30])
def test_matrix_queries_are_bounded(django_assert_max_num_queries, tree, extra):
    payments = CapabilityFactory(slug="payments")
    for n in range(extra):
        platform = PublishedPlatformFactory()
        platform.capabilities.set([payments])
        child = organisation(f"child-{n}", Kind.EXECUTIVE_AGENCY, tree)
        AdoptionFactory(platform=platform, organisation=child)
    client = client_for(None)
    with django_assert_max_num_queries(5):
        body = get_json(client, URL, parent="department", capability="payments,notifications")
    assert len(body["platforms"]) == 2 + extra
    assert len(body["organisations"]) == 3 + extra
    with django_assert_max_num_queries(5):
        assert client.get(URL, {"format": "csv"}).status_code == 200
