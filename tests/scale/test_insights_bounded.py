"""The insights stay bounded in size at any data size: a capability met by many platforms lists
the most adopted few with the totals; the organisation profile is a summary with links to the
paginated lists; the matrix has a bounded set of columns and pages its rows. The figures are the
same as before (tests/insights pin them on small data); these pin the bounds and the order."""

import pytest
from django.contrib.auth.models import AnonymousUser

from platforms.models import Platform
from platforms.selectors.duplication import duplicated_capabilities
from platforms.selectors.matrix import adoption_matrix
from platforms.services import recount_reuse
from tests.factories import (
    AdoptionFactory,
    CapabilityFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
)
from tests.insights.conftest import client_for, get_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowded():
    """A capability met by 13 platforms in service, platform n used by n organisations, and a
    retired one."""
    need = CapabilityFactory(slug="notifications", name="Notifications")
    users = [OrganisationFactory(slug=f"council-{n:02}") for n in range(13)]
    for n in range(13):
        platform = PublishedPlatformFactory(slug=f"texts-{n:02}", name=f"Texts {n:02}")
        platform.capabilities.set([need])
        for user in users[:n]:
            AdoptionFactory(platform=platform, organisation=user)
    old = PublishedPlatformFactory(slug="old-texts", phase="retired")
    old.capabilities.set([need])
    recount_reuse(Platform.objects.values_list("pk", flat=True))
    return need


def test_a_capability_lists_its_most_adopted_platforms_with_the_totals(crowded):
    (entry,) = duplicated_capabilities(user=AnonymousUser(), platforms_limit=5)
    assert entry["platforms_in_service"] == 13
    assert entry["platforms_retired"] == 1
    assert [p["platform"]["slug"] for p in entry["platforms"]] == [
        "texts-12",
        "texts-11",
        "texts-10",
        "texts-09",
        "texts-08",
    ]
    assert [p["adopters"] for p in entry["platforms"]] == [12, 11, 10, 9, 8]
    assert [p["platform"]["slug"] for p in entry["replaced"]] == ["old-texts"]
    # The figures do not depend on how many are listed.
    (everything,) = duplicated_capabilities(user=AnonymousUser(), platforms_limit=100)
    assert len(everything["platforms"]) == 13
    assert everything["organisations"] == entry["organisations"]
    assert everything["platforms"][:5] == entry["platforms"]
    # Council n uses texts-(n+1) to texts-12: all but council-11 use several.
    assert entry["organisations_on_several"] == 11
    assert entry["platforms"][0]["adopters_also_elsewhere"] == 11


def test_the_api_lists_ten_platforms_of_a_crowded_capability(crowded):
    body = get_json(client_for(None), "/api/v1/insights/duplication/")
    (entry,) = body["results"]
    assert entry["platforms_in_service"] == 13
    assert len(entry["platforms"]) == 10


def test_the_duplication_page_says_only_the_most_used_are_listed(client, crowded):
    page = client.get("/insights/duplication/").content.decode()
    assert "The 10 most used are listed" in page
    assert "Texts 12" in page and "Texts 02" not in page


def test_the_matrix_shows_the_most_used_columns_and_pages_its_rows(crowded):
    first = adoption_matrix(user=AnonymousUser(), capabilities=[crowded], columns=3, rows=5)
    assert first["platforms_count"] == 14
    assert first["platforms_used"] == 12  # texts-00 and the retired one have no adopter
    assert sorted(p["platform"]["slug"] for p in first["platforms"]) == [
        "texts-10",
        "texts-11",
        "texts-12",
    ]
    assert first["organisations_count"] == 12
    assert [o["organisation"]["slug"] for o in first["organisations"]] == [
        f"council-{n:02}" for n in range(5)
    ]
    assert {c["organisation"] for c in first["cells"]} == {f"council-{n:02}" for n in range(5)}
    last = adoption_matrix(
        user=AnonymousUser(), capabilities=[crowded], columns=3, rows=5, offset=10
    )
    assert [o["organisation"]["slug"] for o in last["organisations"]] == [
        "council-10",
        "council-11",
    ]
    # council-11 uses texts-12 only among the three columns.
    assert [c["platform"] for c in last["cells"] if c["organisation"] == "council-11"] == [
        "texts-12"
    ]


def test_the_matrix_api_pages_its_rows(crowded):
    client = client_for(None)
    url = "/api/v1/insights/matrix/"
    body = get_json(client, url, capability="notifications", columns=2, page_size=5)
    assert len(body["platforms"]) == 2
    assert body["organisations_count"] == 12
    assert len(body["organisations"]) == 5
    assert body["previous"] is None
    assert "offset=5" in body["next"]
    last = get_json(client, url, capability="notifications", page_size=5, offset=10)
    assert len(last["organisations"]) == 2 and last["next"] is None


def test_the_matrix_page_pages_its_rows(client, crowded):
    from catalogue.web import insights_views

    first = client.get("/insights/matrix/", {"capability": "notifications"})
    assert first.status_code == 200
    rows = insights_views.MATRIX_ROWS
    assert rows >= 12 or "page=2" in first.content.decode()
    beyond = client.get("/insights/matrix/", {"capability": "notifications", "page": "9"})
    assert beyond.status_code == 400
    assert "There is no page 9" in beyond.content.decode()


@pytest.mark.parametrize("adoptions", [3, 60])
def test_the_profile_is_a_bounded_summary(django_assert_max_num_queries, adoptions):
    me = OrganisationFactory(slug="big-body")
    owned = [PublishedPlatformFactory(owner=me, slug=f"mine-{n:02}") for n in range(adoptions)]
    for n in range(adoptions):
        AdoptionFactory(organisation=me, platform=PublishedPlatformFactory(slug=f"other-{n:02}"))
    client = client_for(None)
    with django_assert_max_num_queries(8):
        body = get_json(client, "/api/v1/insights/organisations/big-body/profile/")
    assert body["summary"]["owns"] == len(owned)
    assert body["summary"]["adoptions"] == adoptions
    assert len(body["owns"]) == min(adoptions, 50)
    assert len(body["reuses"]) == min(adoptions, 50)
    assert body["links"]["adoptions"].endswith("/api/v1/organisations/big-body/adoptions/")
    assert body["links"]["owns"].endswith("/api/v1/platforms/?owner=big-body")
    listed = get_json(client, body["links"]["owns"])
    assert {p["slug"] for p in listed["results"]} <= {p.slug for p in owned}
    assert len(listed["results"]) == min(adoptions, 20) or listed["next"] is None
