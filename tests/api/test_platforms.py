import datetime

import pytest
from django.utils import timezone

from platforms import search
from platforms.models import Platform
from tests.api.conftest import client_for
from tests.factories import (
    AdoptionFactory,
    CapabilityFactory,
    DraftPlatformFactory,
    InReviewPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    StandardFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/platforms/"


def detail(slug: str) -> str:
    return f"{LIST}{slug}/"


def slugs(response) -> list[str]:
    return [row["slug"] for row in response.json()["results"]]


# --- reads -----------------------------------------------------------------------------------


def test_list_is_compact_and_detail_is_rich(api_client, org_a):
    capability = CapabilityFactory(slug="payments", name="Payments")
    standard = StandardFactory(slug="openapi-3", name="OpenAPI 3")
    platform = PublishedPlatformFactory(
        slug="govuk-pay", name="GOV.UK Pay", owner=org_a, description="Long text", tags=["pay"]
    )
    platform.capabilities.add(capability)
    platform.standards.add(standard)
    AdoptionFactory(platform=platform)
    AdoptionFactory(platform=platform, organisation=org_a)  # the owner's own use is not reuse

    row = api_client.get(LIST).json()["results"][0]
    assert "description" not in row and "sources" not in row
    assert row["owner"] == {
        "slug": "alpha-office",
        "name": "Alpha Office",
        "url": "http://testserver/api/v1/organisations/alpha-office/",
    }
    assert row["capabilities"] == [
        {
            "slug": "payments",
            "name": "Payments",
            "url": "http://testserver/api/v1/capabilities/payments/",
        }
    ]
    assert row["standards"][0]["slug"] == "openapi-3"
    assert row["reuse_count"] == 1
    assert row["url"] == "http://testserver/api/v1/platforms/govuk-pay/"
    assert row["tags"] == ["pay"]
    assert row["version"] == 1

    response = api_client.get(detail("govuk-pay"))
    assert response.status_code == 200
    body = response.json()
    assert body["description"] == "Long text"
    assert body["reuse_count"] == 1
    assert body["adoptions_url"].endswith("/platforms/govuk-pay/adoptions/")
    assert body["dependents_url"].endswith("/platforms/govuk-pay/dependents/")
    assert response["ETag"] == '"1"'


def test_replaced_by_is_a_link(api_client):
    new = PublishedPlatformFactory(slug="new-one")
    PublishedPlatformFactory(slug="old-one", phase=Platform.Phase.RETIRED, replaced_by=new)
    body = api_client.get(detail("old-one")).json()
    assert body["replaced_by"]["slug"] == "new-one"
    assert body["replaced_by"]["url"].endswith("/platforms/new-one/")


def test_if_none_match_gives_304(api_client):
    PublishedPlatformFactory(slug="p")
    response = api_client.get(detail("p"), HTTP_IF_NONE_MATCH='"1"')
    assert response.status_code == 304
    assert response["ETag"] == '"1"'
    assert api_client.get(detail("p"), HTTP_IF_NONE_MATCH='"0"').status_code == 200


def test_unknown_platform_is_404_in_the_error_shape(api_client):
    response = api_client.get(detail("no-such-platform"))
    assert response.status_code == 404
    assert response.json() == {
        "status": 404,
        "code": "not_found",
        "message": "Not found.",
        "errors": {},
    }


# --- drafts never leak ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "sees_draft"),
    [
        ("anonymous", False),
        ("editor_of_other", False),
        ("no_membership", False),
        ("editor_of_owner", True),
        ("reviewer_of_owner", True),
        ("superuser", True),
    ],
)
def test_drafts_are_seen_only_by_the_owner_and_admins(actors, org_a, actor, sees_draft):
    PublishedPlatformFactory(slug="public", owner=org_a)
    draft = DraftPlatformFactory(slug="secret-draft", owner=org_a)
    InReviewPlatformFactory(slug="secret-review", owner=org_a)
    AdoptionFactory(platform=draft, organisation=OrganisationFactory(slug="consumer"))
    client = client_for(actors[actor])

    listed = slugs(client.get(LIST))
    assert ("secret-draft" in listed) is sees_draft
    assert ("secret-review" in listed) is sees_draft
    assert "public" in listed
    assert client.get(detail("secret-draft")).status_code == (200 if sees_draft else 404)
    for nested in ("adoptions", "dependencies", "dependents"):
        expected = 200 if sees_draft else 404
        assert client.get(f"{detail('secret-draft')}{nested}/").status_code == expected
    owned = [
        r["slug"]
        for r in client.get("/api/v1/organisations/alpha-office/platforms/").json()["results"]
    ]
    assert ("secret-draft" in owned) is sees_draft
    adoptions = client.get("/api/v1/organisations/consumer/adoptions/").json()["results"]
    assert bool(adoptions) is sees_draft
    assert bool(client.get("/api/v1/adoptions/").json()["results"]) is sees_draft
    # Filtering by the draft's owner or state never reveals it either.
    assert ("secret-draft" in slugs(client.get(LIST, {"state": "draft"}))) is sees_draft


def test_organisation_counts_ignore_drafts(api_client, org_a):
    PublishedPlatformFactory(owner=org_a)
    DraftPlatformFactory(owner=org_a)
    body = api_client.get("/api/v1/organisations/alpha-office/").json()
    assert body["owned_platform_count"] == 1


# --- filters ---------------------------------------------------------------------------------


def test_filter_by_owner_and_owner_tree(api_client, org_a, org_b):
    child = OrganisationFactory(slug="child", parent=org_a)
    grandchild = OrganisationFactory(slug="grandchild", parent=child)
    PublishedPlatformFactory(slug="a", owner=org_a)
    PublishedPlatformFactory(slug="c", owner=child)
    PublishedPlatformFactory(slug="g", owner=grandchild)
    PublishedPlatformFactory(slug="b", owner=org_b)
    assert slugs(api_client.get(LIST, {"owner": "alpha-office"})) == ["a"]
    assert sorted(slugs(api_client.get(LIST, {"owner_tree": "alpha-office"}))) == ["a", "c", "g"]
    assert sorted(slugs(api_client.get(LIST, {"owner_tree": "child"}))) == ["c", "g"]


def test_filter_by_capability_and_standard(api_client):
    payments = CapabilityFactory(slug="payments")
    oauth = StandardFactory(slug="oauth-2")
    pay = PublishedPlatformFactory(slug="pay")
    pay.capabilities.add(payments, CapabilityFactory())
    pay.standards.add(oauth)
    PublishedPlatformFactory(slug="other")
    assert slugs(api_client.get(LIST, {"capability": "payments"})) == ["pay"]
    assert slugs(api_client.get(LIST, {"standard": "oauth-2"})) == ["pay"]


def test_filter_by_several_phases(api_client):
    PublishedPlatformFactory(slug="live", phase="live")
    PublishedPlatformFactory(slug="beta", phase="beta")
    PublishedPlatformFactory(slug="alpha", phase="alpha")
    assert sorted(slugs(api_client.get(f"{LIST}?phase=live&phase=beta"))) == ["beta", "live"]
    assert sorted(slugs(api_client.get(LIST, {"phase": "live,alpha"}))) == ["alpha", "live"]


def test_filter_by_state_for_members(actors, org_a):
    DraftPlatformFactory(slug="d", owner=org_a)
    PublishedPlatformFactory(slug="p", owner=org_a)
    client = client_for(actors["editor_of_owner"])
    assert slugs(client.get(LIST, {"state": "draft"})) == ["d"]
    assert slugs(client.get(LIST, {"state": "published"})) == ["p"]


def test_filter_by_open_source_and_contract_and_updated(api_client):
    PublishedPlatformFactory(slug="open", is_open_source=True)
    PublishedPlatformFactory(
        slug="closed", is_open_source=False, contract_end_date=datetime.date(2026, 1, 1)
    )
    assert slugs(api_client.get(LIST, {"is_open_source": "true"})) == ["open"]
    assert slugs(api_client.get(LIST, {"is_open_source": "false"})) == ["closed"]
    assert slugs(api_client.get(LIST, {"contract_ends_before": "2026-06-01"})) == ["closed"]
    assert slugs(api_client.get(LIST, {"contract_ends_before": "2025-06-01"})) == []
    Platform.objects.filter(slug="open").update(
        updated_at=timezone.now() - datetime.timedelta(days=10)
    )
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    assert slugs(api_client.get(LIST, {"updated_after": since})) == ["closed"]


def test_filter_by_adopted_by_and_has_adopters(api_client, org_a, org_b):
    used = PublishedPlatformFactory(slug="used", owner=org_a)
    own_use_only = PublishedPlatformFactory(slug="own-use", owner=org_a)
    PublishedPlatformFactory(slug="unused", owner=org_a)
    AdoptionFactory(platform=used, organisation=org_b)
    AdoptionFactory(platform=used, organisation=OrganisationFactory(), use_case="second")
    AdoptionFactory(platform=own_use_only, organisation=org_a)
    AdoptionFactory(platform=own_use_only, organisation=org_b, status="stopped")

    response = api_client.get(LIST, {"adopted_by": "beta-board"})
    assert slugs(response) == ["used"]  # one row, not one per adoption
    assert slugs(api_client.get(LIST, {"has_adopters": "true"})) == ["used"]
    assert sorted(slugs(api_client.get(LIST, {"has_adopters": "false"}))) == [
        "own-use",
        "unused",
    ]


def test_q_matches_name_or_summary(api_client):
    PublishedPlatformFactory(slug="notify", name="GOV.UK Notify", summary="Send messages")
    PublishedPlatformFactory(slug="pay", name="GOV.UK Pay", summary="Take card payments")
    search.reindex_all()  # the factories bypass the services, which keep the search index
    assert slugs(api_client.get(LIST, {"q": "notify"})) == ["notify"]
    assert slugs(api_client.get(LIST, {"q": "CARD"})) == ["pay"]


def test_ordering(api_client):
    a = PublishedPlatformFactory(slug="a", name="Aardvark")
    PublishedPlatformFactory(slug="b", name="Badger")
    c = PublishedPlatformFactory(slug="c", name="Cat")
    AdoptionFactory(platform=c)
    AdoptionFactory(platform=c, use_case="again", organisation=OrganisationFactory())
    AdoptionFactory(platform=a)
    assert slugs(api_client.get(LIST)) == ["a", "b", "c"]
    assert slugs(api_client.get(LIST, {"ordering": "-name"})) == ["c", "b", "a"]
    assert slugs(api_client.get(LIST, {"ordering": "-reuse_count"})) == ["c", "a", "b"]
    assert slugs(api_client.get(LIST, {"ordering": "reuse_count"})) == ["b", "a", "c"]
    Platform.objects.filter(slug="b").update(updated_at=timezone.now())
    assert slugs(api_client.get(LIST, {"ordering": "-updated_at"}))[0] == "b"


@pytest.mark.parametrize(
    ("params", "field", "hint"),
    [
        ({"phase": "banana"}, "phase", "discovery, alpha, beta, live, retiring, retired"),
        ({"phase": "live,banana"}, "phase", "allowed values"),
        ({"state": "lost"}, "state", "draft, in_review, published"),
        ({"owner": "no-such-org"}, "owner", "no organisation"),
        ({"owner_tree": "no-such-org"}, "owner_tree", "no organisation"),
        ({"adopted_by": "no-such-org"}, "adopted_by", "no organisation"),
        ({"capability": "no-such"}, "capability", "no capability"),
        ({"standard": "no-such"}, "standard", "no standard"),
        ({"is_open_source": "maybe"}, "is_open_source", "true or false"),
        ({"has_adopters": "maybe"}, "has_adopters", "true or false"),
        ({"contract_ends_before": "next year"}, "contract_ends_before", "date"),
        ({"updated_after": "yesterday"}, "updated_after", "date"),
        ({"ordering": "price"}, "ordering", "name, -name"),
    ],
)
def test_unknown_filter_values_are_400_with_the_allowed_values(api_client, params, field, hint):
    PublishedPlatformFactory()
    response = api_client.get(LIST, params)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400 and body["code"] == "invalid"
    assert field in body["errors"]
    assert hint.lower() in " ".join(body["errors"][field]).lower()
    assert field in body["message"]
