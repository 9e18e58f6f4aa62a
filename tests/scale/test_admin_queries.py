"""The admin's lists cost at most 8 SQL queries and its change pages at most 20 (issue 14),
whatever the data size, for a catalogue administrator and for an editor of an organisation:
measured on a small catalogue and on one several times larger. A list counts its rows once
when nothing narrows it (Django counted them twice), and still says "N total" when something
does. (Their speed is in benchmarks/, never asserted here.)"""

import re

import pytest
from django.contrib.auth import backends, get_user_model
from django.contrib.auth.models import Group, Permission

from platforms.models import Membership, Platform
from tests.factories import (
    AdoptionFactory,
    DependencyFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
)
from tests.web.catalogue import build_catalogue

MAX_LIST_QUERIES = 8
MAX_CHANGE_QUERIES = 20
LISTS = [
    "/admin/platforms/platform/",
    "/admin/platforms/platform/?phase__exact=live",
    "/admin/platforms/adoption/",
    "/admin/platforms/adoption/?platform=not-a-number",  # an empty list
    "/admin/platforms/dependency/",
    "/admin/platforms/organisation/",
    "/admin/platforms/capability/",
]


def grow(size: int):
    catalogue = build_catalogue(size=size)
    for n in range(size * 3):
        owner = OrganisationFactory(name=f"Extra body {n}")
        platform = PublishedPlatformFactory(name=f"Extra {n}", owner=owner)
        AdoptionFactory(platform=catalogue.notify, organisation=owner)
        DependencyFactory(platform=platform, depends_on=catalogue.notify)
    return catalogue


def sign_in(client, catalogue, who: str):
    users = get_user_model()
    if who == "admin":
        user = users.objects.create_user("admin", is_staff=True, is_superuser=True)
    else:
        user = users.objects.create_user("editor", is_staff=True)
        Membership.objects.create(
            user=user, organisation=catalogue.department, role=Membership.Role.EDITOR
        )
    client.force_login(user)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["admin", "editor"])
@pytest.mark.parametrize("size", [1, 6])
@pytest.mark.parametrize("path", LISTS)
def test_admin_lists_cost_the_same_few_queries_at_any_size(
    client, django_assert_max_num_queries, size, who, path
):
    sign_in(client, grow(size), who)
    with django_assert_max_num_queries(MAX_LIST_QUERIES):
        response = client.get(path)
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["admin", "editor"])
@pytest.mark.parametrize("size", [1, 6])
def test_the_change_page_of_the_most_adopted_platform_costs_the_same_at_any_size(
    client, django_assert_max_num_queries, size, who
):
    catalogue = grow(size)
    sign_in(client, catalogue, who)
    with django_assert_max_num_queries(MAX_CHANGE_QUERIES):
        response = client.get(f"/admin/platforms/platform/{catalogue.notify.pk}/change/")
    assert response.status_code == 200


def result_count(page: str) -> str:
    return " ".join(re.search(r'<p class="paginator">(.*?)</p>', page, re.S).group(1).split())


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["admin", "editor"])
def test_counted_once_the_list_still_counts_right_and_a_filter_still_shows_the_total(client, who):
    catalogue = grow(2)
    user = sign_in(client, catalogue, who)
    visible = Platform.objects.visible_to(user)

    page = client.get("/admin/platforms/platform/").content.decode()
    assert result_count(page).endswith(f"{visible.count()} platforms")

    live = visible.filter(phase="live").count()
    page = client.get("/admin/platforms/platform/?phase__exact=live").content.decode()
    text = " ".join(re.sub(r"<[^>]+>", "", page).split())
    assert f"{live} result{'s' if live != 1 else ''} ({visible.count()} total)" in text


@pytest.mark.django_db
def test_an_action_on_the_unfiltered_list_acts_on_the_rows_chosen(client):
    catalogue = grow(1)
    sign_in(client, catalogue, "admin")
    draft = catalogue.draft
    response = client.post(
        "/admin/platforms/platform/",
        {"action": "submit_for_review", "_selected_action": [draft.pk], "index": 0},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == Platform.State.IN_REVIEW


@pytest.mark.django_db
def test_permissions_read_in_one_query_are_django_s_own_and_the_groups(
    django_assert_num_queries,
):
    users = get_user_model()
    user = users.objects.create_user("someone", is_staff=True)
    group = Group.objects.create(name="Token keepers")
    group.permissions.add(Permission.objects.get(codename="view_authtoken"))
    user.groups.add(group)
    user.user_permissions.add(Permission.objects.get(codename="view_group"))

    fresh = users.objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        assert fresh.has_perm("knox.view_authtoken") and fresh.has_perm("auth.view_group")
        assert not fresh.has_perm("auth.change_group")
        assert fresh.has_module_perms("knox") and not fresh.has_module_perms("platforms")
    assert fresh.get_all_permissions() == backends.ModelBackend().get_all_permissions(
        users.objects.get(pk=user.pk)
    )
