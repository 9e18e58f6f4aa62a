"""The admin's adoption search at national scale (issue 14): it matches each word on the small
tables (platform and organisation names) and on the adoption's own columns instead of joining
every adoption, and still finds exactly the rows Django's own search finds: each word in the
platform's name, the organisation's name, the use case or the evidence's name, whatever the case;
a quoted phrase as one word; ``%`` and ``_`` as themselves. An editor still never sees the
adoptions of another organisation's draft, and the page costs a constant number of queries."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from platforms.models import Adoption, Organisation
from tests.factories import (
    AdoptionFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
)
from tests.scale.test_admin_queries import grow, sign_in

MAX_PAGE_QUERIES = 8
SIZES = [1, 5]
WHO = ["admin", "editor"]
URL = "/admin/platforms/adoption/"


def elsewhere() -> Organisation:
    """An organisation the editor does not act for."""
    return OrganisationFactory(name="Elsewhere", slug="elsewhere")


def found(client, term: str) -> set[Adoption]:
    response = client.get(URL, {"q": term})
    assert response.status_code == 200
    changelist = response.context["cl"]
    results = set(changelist.result_list)
    assert changelist.result_count == len(results)  # every row on one page here
    return results


@pytest.fixture
def adoptions(db):
    """Adoptions each with a word in one search field only, and one with two of them."""
    zephyr = PublishedPlatformFactory(name="Zephyr Gateway", slug="zephyr-gateway")
    other = PublishedPlatformFactory(name="Plain platform", slug="plain-platform")
    quokka = OrganisationFactory(name="Quokka Borough Council", slug="quokka")
    plain = OrganisationFactory(name="Plain Agency", slug="plain-agency")
    return {
        "platform": AdoptionFactory(platform=zephyr, organisation=plain),
        "organisation": AdoptionFactory(platform=other, organisation=quokka),
        "use_case": AdoptionFactory(
            platform=other, organisation=plain, use_case="Marmoset licence renewals"
        ),
        "evidence_name": AdoptionFactory(
            platform=other,
            organisation=OrganisationFactory(name="Third body", slug="third-body"),
            evidence_name="Ocelot Trust (as listed)",
        ),
        "both": AdoptionFactory(platform=zephyr, organisation=quokka, use_case="Both"),
        "wildcards": AdoptionFactory(
            platform=other, organisation=quokka, use_case="Fees up 50% for_now"
        ),
    }


@pytest.fixture
def admin_client(client, db):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("admin", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_each_search_field_finds_its_adoption_whatever_the_case(admin_client, adoptions):
    assert found(admin_client, "zephyr") == {adoptions["platform"], adoptions["both"]}
    assert found(admin_client, "QUOKKA") == {
        adoptions["organisation"],
        adoptions["both"],
        adoptions["wildcards"],
    }
    assert found(admin_client, "marmoset") == {adoptions["use_case"]}
    assert found(admin_client, "oCeLoT") == {adoptions["evidence_name"]}
    assert found(admin_client, "nothing-called-this") == set()


@pytest.mark.django_db
def test_every_word_must_match_some_field_and_a_quoted_phrase_is_one_word(admin_client, adoptions):
    # One word in the platform's name, the other in the organisation's.
    assert found(admin_client, "zephyr quokka") == {adoptions["both"]}
    assert found(admin_client, "quokka zephyr") == {adoptions["both"]}
    assert found(admin_client, "zephyr marmoset") == set()
    assert found(admin_client, '"licence renewals"') == {adoptions["use_case"]}
    assert found(admin_client, '"renewals licence"') == set()
    assert found(admin_client, "renewals licence") == {adoptions["use_case"]}


@pytest.mark.django_db
def test_like_wildcards_in_a_search_are_plain_characters(admin_client, adoptions):
    assert found(admin_client, "50%") == {adoptions["wildcards"]}
    assert found(admin_client, "for_now") == {adoptions["wildcards"]}
    assert found(admin_client, "%") == {adoptions["wildcards"]}
    assert found(admin_client, "o_e") == set()


TERMS = [
    "zephyr",
    "quokka council",
    "plain",
    "PLAIN agency",
    '"plain agency"',
    "marmoset",
    "trust listed",
    "50%",
    "_",
    "both zephyr quokka",
    "a",
    "nothing",
]


@pytest.mark.django_db
@pytest.mark.parametrize("who", WHO)
def test_the_search_finds_the_same_rows_as_djangos_own(client, adoptions, who):
    catalogue = grow(1)
    AdoptionFactory(
        platform=DraftPlatformFactory(name="Zephyr secret draft", owner=elsewhere()),
        organisation=catalogue.department,
        use_case="Plain use",
    )
    user = sign_in(client, catalogue, who)
    model_admin = admin.site._registry[Adoption]
    request = RequestFactory().get(URL)
    request.user = user
    for term in TERMS:
        django_rows, _ = admin.ModelAdmin.get_search_results(
            model_admin, request, model_admin.get_queryset(request), term
        )
        assert found(client, term) == set(django_rows), term


@pytest.mark.django_db
def test_an_editor_never_finds_the_adoptions_of_another_organisations_draft(client):
    catalogue = grow(1)
    hidden = AdoptionFactory(
        platform=DraftPlatformFactory(name="Zephyr secret draft", owner=elsewhere()),
        organisation=catalogue.department,  # even when the editor's body is the consumer
        use_case="Zephyr pilot",
        evidence_name="Zephyr evidence",
    )
    own = AdoptionFactory(
        platform=DraftPlatformFactory(name="Zephyr own draft", owner=catalogue.department),
        organisation=elsewhere(),
    )
    published = AdoptionFactory(
        platform=PublishedPlatformFactory(name="Zephyr live", slug="zephyr-live"),
        organisation=catalogue.department,
    )
    sign_in(client, catalogue, "editor")
    for term in ["zephyr", "secret", "zephyr pilot", "evidence", catalogue.department.name]:
        assert hidden not in found(client, term), term
    assert found(client, "zephyr") == {own, published}

    client.logout()
    sign_in(client, catalogue, "admin")
    assert found(client, "secret") == {hidden}


@pytest.mark.django_db
@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("term", ["notify", "notify extra", '"other department"'])
def test_the_adoption_search_costs_the_same_few_queries_at_any_size(
    client, django_assert_max_num_queries, size, who, term
):
    catalogue = grow(size)
    sign_in(client, catalogue, who)
    with django_assert_max_num_queries(MAX_PAGE_QUERIES):
        response = client.get(URL, {"q": term})
    assert response.status_code == 200
    if term == "notify":
        rows = list(response.context["cl"].result_list)
        assert len(rows) == Adoption.objects.filter(platform=catalogue.notify).count() > size


@pytest.mark.django_db
def test_search_results_keep_the_lists_order_platform_then_organisation(admin_client, adoptions):
    response = admin_client.get(URL, {"q": "plain"})
    rows = list(response.context["cl"].result_list)
    keys = [(a.platform.name, a.organisation.name, -a.pk) for a in rows]
    assert len(rows) == 5 and keys == sorted(keys)
    # A column chosen by the user still orders the results.
    response = admin_client.get(URL, {"q": "plain", "o": "-2"})
    names = [a.organisation.name for a in response.context["cl"].result_list]
    assert names == sorted(names, reverse=True)


def evidence_sources(response) -> list[str]:
    changelist = response.context["cl"]
    specs = changelist.filter_specs
    (spec,) = [s for s in specs if getattr(s, "lookup_kwarg", "") == "evidence_source"]
    return [choice["display"] for choice in spec.choices(changelist)][1:]  # after "All"


@pytest.mark.django_db
@pytest.mark.parametrize("who", WHO)
def test_the_evidence_source_filter_offers_the_sources_the_user_may_see(client, who):
    catalogue = grow(1)
    Adoption.objects.update(evidence_source="Notify domains list")
    AdoptionFactory(platform=catalogue.pay, evidence_source="Pay performance data")
    AdoptionFactory(platform=catalogue.pay, evidence_source="")
    AdoptionFactory(
        platform=DraftPlatformFactory(name="Secret draft", owner=elsewhere()),
        evidence_source="Secret source",
    )
    sign_in(client, catalogue, who)
    sources = ["", "Notify domains list", "Pay performance data"]
    if who == "admin":
        sources.append("Secret source")
    assert evidence_sources(client.get(URL)) == sources
    # With a search too, and with Django's facet counts.
    response = client.get(URL, {"q": "pay", "_facets": "1"})
    assert evidence_sources(response)[2] == "Pay performance data (1)"
    # Choosing one still filters the list.
    response = client.get(URL, {"evidence_source": "Pay performance data"})
    assert [a.evidence_source for a in response.context["cl"].result_list] == [
        "Pay performance data"
    ]
