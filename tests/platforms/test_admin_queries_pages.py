"""The admin pages beyond the lists (issue 14): the history of a record and each of its versions,
the admin home, the admin search and the change pages with inline rows cost a constant number of
SQL queries, whatever the number of versions, rows and memberships: at most 8 for every page but
the platform's change page (at most 12), for a catalogue administrator and for an editor of the
owner, measured at two data sizes. And they still show what they showed."""

import html
import re

import pytest
from django.contrib.auth import get_user_model

from platforms.models import Adoption, Membership, Platform
from tests.factories import (
    AdoptionFactory,
    CapabilityFactory,
    DependencyFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    StandardFactory,
    UserFactory,
)
from tests.scale.test_admin_queries import grow, sign_in

MAX_PAGE_QUERIES = 8
MAX_PLATFORM_CHANGE_QUERIES = 12
SIZES = [1, 5]
WHO = ["admin", "editor"]


def with_versions(platform: Platform, size: int) -> list:
    """``size`` * 3 more versions of ``platform``, its capabilities and standards changing."""
    capabilities = [CapabilityFactory(name=f"Capability {n}") for n in range(size + 1)]
    standards = [StandardFactory(name=f"Standard {n}") for n in range(size + 1)]
    for n in range(size):
        platform.summary = f"Summary {n}"
        platform.save()
        platform.capabilities.add(capabilities[n])
        platform.standards.add(standards[n])
    return capabilities


def history_url(model: str, pk: int) -> str:
    return f"/admin/platforms/{model}/{pk}/history/"


def text_of(response) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    return " ".join(text.replace("\xa0", " ").split())


@pytest.mark.django_db
@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("size", SIZES)
def test_a_platforms_history_costs_the_same_few_queries_however_many_versions(
    client, django_assert_max_num_queries, size, who
):
    catalogue = grow(size)
    had = [c.name for c in catalogue.notify.capabilities.order_by("pk")]
    capabilities = with_versions(catalogue.notify, size * 3)
    sign_in(client, catalogue, who)
    with django_assert_max_num_queries(MAX_PAGE_QUERIES):
        response = client.get(history_url("platform", catalogue.notify.pk))
    assert response.status_code == 200
    page = text_of(response)
    # The changes between versions, many-to-many fields included, as the library shows them.
    assert "Summary 0 → Summary 1" in page
    before = ", ".join([*had, capabilities[0].name])
    after = ", ".join([*had, capabilities[0].name, capabilities[1].name])
    assert f"Capabilities: [{before}] → [{after}]" in page


@pytest.mark.django_db
@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("size", SIZES)
def test_a_version_of_a_platform_costs_the_same_few_queries_and_shows_that_version(
    client, django_assert_max_num_queries, size, who
):
    catalogue = grow(size)
    notify = catalogue.notify
    capabilities = with_versions(notify, size * 3)
    sign_in(client, catalogue, who)
    # The version before the second capability was added: it had the first one only.
    version = notify.history.filter(summary="Summary 0").order_by("history_date").last()
    url = f"{history_url('platform', notify.pk)}{version.history_id}/"
    with django_assert_max_num_queries(MAX_PAGE_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    page = text_of(response)
    assert capabilities[0].name in page
    assert capabilities[1].name not in page  # added later: today's, not that version's
    assert notify.owner.name in page


@pytest.mark.django_db
@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("size", SIZES)
def test_the_history_of_an_adoption_and_of_a_dependency_costs_the_same_at_any_size(
    client, django_assert_max_num_queries, size, who
):
    catalogue = grow(size)
    adoption = Adoption.objects.filter(organisation=catalogue.department).first() or (
        AdoptionFactory(platform=catalogue.pay, organisation=catalogue.department)
    )
    for n in range(size * 3):
        adoption.use_case = f"Use {n}"
        adoption.save()
    dependency = DependencyFactory(platform=catalogue.pay, depends_on=catalogue.notify)
    for n in range(size * 3):
        dependency.description = f"Needs {n}"
        dependency.save()
    sign_in(client, catalogue, who)
    for model, record in (("adoption", adoption), ("dependency", dependency)):
        with django_assert_max_num_queries(MAX_PAGE_QUERIES):
            response = client.get(history_url(model, record.pk))
        assert response.status_code == 200
        assert str(record) in text_of(response)
        version = record.history.earliest("history_date")
        with django_assert_max_num_queries(MAX_PAGE_QUERIES):
            response = client.get(f"{history_url(model, record.pk)}{version.history_id}/")
        assert response.status_code == 200


@pytest.mark.django_db
def test_another_organisations_draft_has_no_history_and_no_version_to_show(client):
    catalogue = grow(1)
    draft = DraftPlatformFactory(owner=OrganisationFactory(name="Elsewhere"))
    draft.summary = "Changed"
    draft.save()
    sign_in(client, catalogue, "editor")
    version = draft.history.first().history_id
    for url in (
        history_url("platform", draft.pk),
        f"{history_url('platform', draft.pk)}{version}/",
        history_url("platform", "not-a-number"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.url == "/admin/"


@pytest.mark.django_db
@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("size", SIZES)
def test_the_admin_home_costs_the_same_few_queries_at_any_size(
    client, django_assert_max_num_queries, size, who
):
    catalogue = grow(size)
    sign_in(client, catalogue, who)
    with django_assert_max_num_queries(MAX_PAGE_QUERIES):
        response = client.get("/admin/")
    assert response.status_code == 200
    in_use = Adoption.objects.in_use().filter(
        platform__in=Platform.objects.visible_to(response.wsgi_request.user)
    )
    assert f"({in_use.count()} adoptions in use)" in text_of(response)


@pytest.mark.django_db
@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("size", SIZES)
def test_the_admin_search_costs_the_same_few_queries_and_links_to_every_row(
    client, django_assert_max_num_queries, size, who
):
    catalogue = grow(size)
    sign_in(client, catalogue, who)
    with django_assert_max_num_queries(MAX_PAGE_QUERIES):
        response = client.get("/admin/platforms/platform/?q=notify")
    assert response.status_code == 200
    results = list(response.context["cl"].result_list)
    assert results and results[0] == catalogue.notify
    page = text_of(response)
    found = response.context["cl"].result_count
    assert f"{found} result{'s' if found != 1 else ''} ( Show all )" in page


@pytest.mark.django_db
def test_a_members_search_finds_their_own_drafts_and_no_one_elses(client):
    catalogue = grow(1)
    own = DraftPlatformFactory(name="Notify letters draft", owner=catalogue.department)
    hidden = DraftPlatformFactory(
        name="Notify other draft", owner=OrganisationFactory(name="Elsewhere")
    )
    sign_in(client, catalogue, "editor")
    response = client.get("/admin/platforms/platform/?q=notify")
    results = set(response.context["cl"].result_list)
    assert own in results and hidden not in results
    assert response.context["cl"].result_count == len(results)


@pytest.mark.django_db
@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("size", SIZES)
def test_a_platforms_change_page_costs_the_same_however_many_dependencies(
    client, django_assert_max_num_queries, size, who
):
    catalogue = grow(size)
    pay = catalogue.pay
    for n in range(size * 4):
        DependencyFactory(platform=pay, depends_on=PublishedPlatformFactory(name=f"Needed {n}"))
    pay.capabilities.add(CapabilityFactory(name="Card payments"))
    pay.standards.add(StandardFactory(name="PCI DSS"))
    sign_in(client, catalogue, who)
    with django_assert_max_num_queries(MAX_PLATFORM_CHANGE_QUERIES):
        response = client.get(f"/admin/platforms/platform/{pay.pk}/change/")
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert set(form.initial["capabilities"]) == set(pay.capabilities.all())
    assert set(form.initial["standards"]) == set(pay.standards.all())
    page = response.content.decode()
    assert "Needed 0" in page and f"Needed {size * 4 - 1}" in page
    assert 'value="{}" selected'.format(pay.standards.get(name="PCI DSS").pk) in page


@pytest.mark.django_db
@pytest.mark.parametrize("size", SIZES)
def test_an_organisations_and_a_users_change_pages_cost_the_same_however_many_members(
    client, django_assert_max_num_queries, size
):
    catalogue = grow(size)
    organisation = catalogue.department
    member = UserFactory(username="member-of-many")
    for n in range(size * 4):
        Membership.objects.create(
            user=UserFactory(username=f"member-{n}"), organisation=organisation
        )
        Membership.objects.create(user=member, organisation=OrganisationFactory(name=f"Body {n}"))
    sign_in(client, catalogue, "admin")
    with django_assert_max_num_queries(MAX_PAGE_QUERIES):
        response = client.get(f"/admin/platforms/organisation/{organisation.pk}/change/")
    assert response.status_code == 200
    assert f"member-{size * 4 - 1}" in response.content.decode()
    # Django's user page reads the user's groups and permissions and all of both to choose from.
    with django_assert_max_num_queries(MAX_PAGE_QUERIES + 1):
        response = client.get(f"/admin/auth/user/{member.pk}/change/")
    assert response.status_code == 200
    assert f"Body {size * 4 - 1}" in response.content.decode()


@pytest.mark.django_db
def test_an_editors_memberships_and_permissions_are_read_in_one_query(django_assert_num_queries):
    from platforms import rules

    users = get_user_model()
    editor = users.objects.create_user("one-read", is_staff=True)
    first, second = OrganisationFactory(), OrganisationFactory()
    Membership.objects.create(user=editor, organisation=first, role=Membership.Role.EDITOR)
    Membership.objects.create(user=editor, organisation=second, role=Membership.Role.REVIEWER)
    fresh = users.objects.get(pk=editor.pk)
    with django_assert_num_queries(1):
        assert not fresh.has_module_perms("auth")
        assert rules.roles_of(fresh) == {
            first.pk: Membership.Role.EDITOR,
            second.pk: Membership.Role.REVIEWER,
        }
    # The same answer as the services' own read.
    assert rules.roles_of(users.objects.get(pk=editor.pk)) == dict(
        Membership.objects.filter(user=editor).values_list("organisation_id", "role")
    )
