"""The admin pages beyond the lists (issue 14): the history of a record and each of its versions,
the admin home, the admin search and the change pages with inline rows cost a constant number of
SQL queries, whatever the number of versions, rows and memberships: at most 8 for every page but
the platform's change page (at most 12), for a catalogue administrator and for an editor of the
owner, measured at two data sizes. And they still show what they showed."""

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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


# --- every page, one shape: read each URL at two data sizes, bound its queries, check what it shows


@dataclass(frozen=True)
class Read:
    """One page to read: its URL, the most queries it may cost, and what it must still show."""

    url: str
    check: Callable[[Any], None]
    bound: int = MAX_PAGE_QUERIES


def platform_history(catalogue, size: int) -> list[Read]:
    had = [c.name for c in catalogue.notify.capabilities.order_by("pk")]
    capabilities = with_versions(catalogue.notify, size * 3)

    def check(response) -> None:
        page = text_of(response)
        # The changes between versions, many-to-many fields included, as the library shows them.
        assert "Summary 0 → Summary 1" in page
        before = ", ".join([*had, capabilities[0].name])
        after = ", ".join([*had, capabilities[0].name, capabilities[1].name])
        assert f"Capabilities: [{before}] → [{after}]" in page

    return [Read(history_url("platform", catalogue.notify.pk), check)]


def platform_version(catalogue, size: int) -> list[Read]:
    notify = catalogue.notify
    capabilities = with_versions(notify, size * 3)
    # The version before the second capability was added: it had the first one only.
    version = notify.history.filter(summary="Summary 0").order_by("history_date").last()

    def check(response) -> None:
        page = text_of(response)
        assert capabilities[0].name in page
        assert capabilities[1].name not in page  # added later: today's, not that version's
        assert notify.owner.name in page

    return [Read(f"{history_url('platform', notify.pk)}{version.history_id}/", check)]


def adoption_and_dependency_history(catalogue, size: int) -> list[Read]:
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
    reads = []
    for model, record in (("adoption", adoption), ("dependency", dependency)):
        version = record.history.earliest("history_date")
        shown = str(record)
        reads += [
            Read(history_url(model, record.pk), lambda r, shown=shown: _shows(r, shown)),
            Read(f"{history_url(model, record.pk)}{version.history_id}/", lambda r: None),
        ]
    return reads


def _shows(response, text: str) -> None:
    assert text in text_of(response)


def admin_home(catalogue, size: int) -> list[Read]:
    def check(response) -> None:
        in_use = Adoption.objects.in_use().filter(
            platform__in=Platform.objects.visible_to(response.wsgi_request.user)
        )
        assert f"({in_use.count()} adoptions in use)" in text_of(response)

    return [Read("/admin/", check)]


def admin_search(catalogue, size: int) -> list[Read]:
    def check(response) -> None:
        results = list(response.context["cl"].result_list)
        assert results and results[0] == catalogue.notify
        found = response.context["cl"].result_count
        assert f"{found} result{'s' if found != 1 else ''} ( Show all )" in text_of(response)

    return [Read("/admin/platforms/platform/?q=notify", check)]


def platform_change_page(catalogue, size: int) -> list[Read]:
    pay = catalogue.pay
    for n in range(size * 4):
        DependencyFactory(platform=pay, depends_on=PublishedPlatformFactory(name=f"Needed {n}"))
    pay.capabilities.add(CapabilityFactory(name="Card payments"))
    pay.standards.add(StandardFactory(name="PCI DSS"))

    def check(response) -> None:
        form = response.context["adminform"].form
        assert set(form.initial["capabilities"]) == set(pay.capabilities.all())
        assert set(form.initial["standards"]) == set(pay.standards.all())
        page = response.content.decode()
        assert "Needed 0" in page and f"Needed {size * 4 - 1}" in page
        assert 'value="{}" selected'.format(pay.standards.get(name="PCI DSS").pk) in page

    url = f"/admin/platforms/platform/{pay.pk}/change/"
    return [Read(url, check, MAX_PLATFORM_CHANGE_QUERIES)]


def organisation_and_user_change_pages(catalogue, size: int) -> list[Read]:
    organisation = catalogue.department
    member = UserFactory(username="member-of-many")
    for n in range(size * 4):
        Membership.objects.create(
            user=UserFactory(username=f"member-{n}"), organisation=organisation
        )
        Membership.objects.create(user=member, organisation=OrganisationFactory(name=f"Body {n}"))
    last = size * 4 - 1
    return [
        Read(
            f"/admin/platforms/organisation/{organisation.pk}/change/",
            lambda r: _shows_html(r, f"member-{last}"),
        ),
        # Django's user page reads the user's groups and permissions and all of both to
        # choose from.
        Read(
            f"/admin/auth/user/{member.pk}/change/",
            lambda r: _shows_html(r, f"Body {last}"),
            MAX_PAGE_QUERIES + 1,
        ),
    ]


def _shows_html(response, text: str) -> None:
    assert text in response.content.decode()


# (the pages, who reads them)
PAGES = [
    (platform_history, WHO),
    (platform_version, WHO),
    (adoption_and_dependency_history, WHO),
    (admin_home, WHO),
    (admin_search, WHO),
    (platform_change_page, WHO),
    (organisation_and_user_change_pages, ["admin"]),
]


@pytest.mark.django_db
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    ("pages", "who"),
    [(pages, who) for pages, readers in PAGES for who in readers],
    ids=[f"{pages.__name__}-{who}" for pages, readers in PAGES for who in readers],
)
def test_each_admin_page_costs_the_same_few_queries_at_any_size_and_shows_what_it_did(
    client, django_assert_max_num_queries, pages, who, size
):
    catalogue = grow(size)
    reads = pages(catalogue, size)
    sign_in(client, catalogue, who)
    for read in reads:
        with django_assert_max_num_queries(read.bound):
            response = client.get(read.url)
        assert response.status_code == 200, read.url
        read.check(response)
