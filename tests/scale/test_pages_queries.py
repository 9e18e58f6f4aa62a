"""The public pages and the admin change page run a fixed number of SQL queries whatever the data
size: measured on a small catalogue and on one with many times more platforms, adopters,
dependencies (both ways), history entries and capabilities, for an anonymous reader and a
signed-in one. (Their speed is in benchmarks/, never asserted here.)"""

import pytest
from django.contrib.auth import get_user_model

from platforms.models import Dependency, Membership
from tests.factories import DependencyFactory, PublishedPlatformFactory
from tests.web.catalogue import build_catalogue

# Every public page: at most 8 queries (issue 14) for an anonymous reader, whatever the size.
MAX_QUERIES = 8
BOUNDS = {
    "/": 4,
    "/search/?q=payments": MAX_QUERIES,
    # Nothing matches: the search, then the "did you mean" (the words near the query's, the
    # capability names and abbreviations together, the check that the suggestion finds something).
    "/search/?q=xqzzv+paymnets": MAX_QUERIES,
    # The platform with its adopters by status (1); capabilities, standards, dependencies each
    # way and the history's many-to-many values in one statement (1); the adopters page (1);
    # similar platforms (3, and the synonyms every few seconds); the history records (1).
    "/platforms/govuk-notify/": MAX_QUERIES,
    "/platforms/govuk-notify/?status=exploring": MAX_QUERIES,
    "/compare/?platforms=govuk-notify&platforms=govuk-pay": 3,
    # The organisation, a page of what it owns and one of what it reuses (each counted with its
    # rows), its children, and the insights profile's "could reuse" (4).
    "/organisations/land-registry-agency/": MAX_QUERIES,
    "/organisations/gds/": MAX_QUERIES,
    # The capability (and the filter's check of its slug), its platforms.
    "/capabilities/payments/": 3,
}
# Pages that check the reader's permissions (an edit link, a replacement they may not see) read
# the reader's memberships, once for every check on the page. A member's search does not: the
# search rows hold every platform with its state and owner, so the member's visibility (their
# organisations' drafts) is a subquery of the search itself, and its page and count are read by
# the ranked ids as for anyone (platforms.search.base.joins_nothing).
READS_MEMBERSHIPS = {
    "/platforms/govuk-notify/",
    "/platforms/govuk-notify/?status=exploring",
}


def grow(size: int):
    catalogue = build_catalogue(size=size)
    notify = catalogue.notify
    for n in range(size):
        # Dependencies both ways, and a history with capability, standard and text changes.
        provider = PublishedPlatformFactory(name=f"Provider {n}", owner=catalogue.agency)
        DependencyFactory(platform=notify, depends_on=provider, kind=Dependency.Kind.RUNTIME)
        notify.summary = f"Send emails, text messages and letters ({n})."
        notify.save()
        notify.capabilities.add(catalogue.payments if n % 2 else catalogue.notifications)
    return catalogue


def signed_in(client, catalogue):
    user = get_user_model().objects.create_user("reader", is_staff=True)
    Membership.objects.create(
        user=user, organisation=catalogue.department, role=Membership.Role.EDITOR
    )
    client.force_login(user)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "member"])
@pytest.mark.parametrize("size", [2, 14])
@pytest.mark.parametrize(("path", "bound"), BOUNDS.items())
def test_public_pages_cost_the_same_queries_at_any_size(
    client, django_assert_max_num_queries, size, who, path, bound
):
    catalogue = grow(size)
    if who == "member":
        signed_in(client, catalogue)
        bound += 2  # the session and the user
        bound += path in READS_MEMBERSHIPS
    client.get(path)  # the search backend's short memory (synonyms) is warm, as in production
    with django_assert_max_num_queries(bound):
        response = client.get(path)
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_platform_page_lists_the_first_dependencies_each_way_by_name_and_links_to_the_rest(
    client,
):
    grow(30)
    page = client.get("/platforms/govuk-notify/").content.decode()
    depends_on = page.split("All its dependencies (API)")[0]
    depended_on_by = page.split("All its dependencies (API)")[1].split("in the impact analysis")[0]
    # By name, 25 of 30 each way: 0, 1, 10-19, 2, 20-29, 3, 4 (not 5-9).
    for n in (0, 1, 10, 19, 2, 29, 3, 4):
        assert f"Provider {n}<" in depends_on and f"Case tracker {n}<" in depended_on_by
        assert f"Case tracker {n}<" not in depends_on and f"Provider {n}<" not in depended_on_by
    for n in (5, 9):
        assert f"Provider {n}<" not in depends_on
        assert f"Case tracker {n}<" not in depended_on_by
