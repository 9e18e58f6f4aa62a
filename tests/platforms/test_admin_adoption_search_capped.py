"""The admin's adoption search counts at most ``search_count_limit`` + 1 adoptions (issue 14):
beyond that it says "more than N results", and a page is first looked for among the adoptions
of the first platforms by name (``search_window_platforms``). Whether the page comes from that
window or from the whole sorted list, it holds the same rows in the same order as the list
sorted in full; a search below the limit keeps its exact count. Small limits stand in for the
national-scale ones."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from platforms.admin import AdoptionAdmin
from platforms.models import Adoption
from tests.factories import AdoptionFactory, OrganisationFactory, PublishedPlatformFactory
from tests.scale.test_admin_queries import grow, sign_in

URL = "/admin/platforms/adoption/"
LIMIT = 5
PER_PAGE = 3


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(AdoptionAdmin, "search_count_limit", LIMIT)
    monkeypatch.setattr(AdoptionAdmin, "search_window_platforms", 2)
    monkeypatch.setattr(AdoptionAdmin, "list_per_page", PER_PAGE)


@pytest.fixture
def catalogue(db):
    """Eight "harbour" adoptions of the platforms first by name (two of them share a name,
    so the window ends inside a group of equal names), and seven "quay" ones of platforms
    last by name only."""
    first = [
        PublishedPlatformFactory(name="Aardvark", slug="aardvark"),
        PublishedPlatformFactory(name="Aardvark", slug="aardvark-2"),
        PublishedPlatformFactory(name="Abacus", slug="abacus"),
    ]
    last = [PublishedPlatformFactory(name=f"Zz last {n}", slug=f"zz-{n}") for n in range(2)]
    bodies = [OrganisationFactory(name=f"Body {n}", slug=f"body-{n}") for n in range(8)]
    for n, body in enumerate(bodies):
        AdoptionFactory(platform=first[n % 3], organisation=body, use_case=f"Harbour {n}")
    for n, body in enumerate(bodies[:7]):
        AdoptionFactory(platform=last[n % 2], organisation=body, use_case=f"Quay {n}")
    AdoptionFactory(platform=last[0], organisation=bodies[7], use_case="Harbour late")
    return first


def in_full(word: str) -> list[int]:
    """The adoptions matching ``word``, sorted as the changelist sorts them."""
    rows = Adoption.objects.filter(use_case__icontains=word).order_by(
        "platform__name", "organisation__name", "-pk"
    )
    return list(rows.values_list("pk", flat=True))


def page(client, word: str, number: int):
    response = client.get(URL, {"q": word, "p": number})
    assert response.status_code == 200
    return response


@pytest.mark.django_db
@pytest.mark.parametrize("word", ["harbour", "quay"])
def test_a_broad_search_says_more_than_n_and_pages_as_the_full_sort(
    client, small_limits, catalogue, word
):
    sign_in(client, grow(1), "admin")
    expected = in_full(word)
    assert len(expected) > LIMIT
    shown = []
    for number in (1, 2):
        response = page(client, word, number)
        changelist = response.context["cl"]
        assert changelist.results_capped
        shown += [a.pk for a in changelist.result_list]
        html = response.content.decode()
        assert f"more than {LIMIT} results" in html
        assert f"more than {LIMIT} adoptions" in html
        assert f"{LIMIT + 1} results" not in html
    assert shown == expected[: 2 * PER_PAGE]


@pytest.mark.django_db
def test_a_narrow_search_keeps_its_exact_count(client, small_limits, catalogue):
    sign_in(client, grow(1), "admin")
    response = page(client, "harbour 1", 1)
    changelist = response.context["cl"]
    assert not changelist.results_capped
    assert changelist.result_count == len(in_full("harbour 1")) == 1
    assert "1 result" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["admin", "editor"])
@pytest.mark.parametrize("size", [1, 5])
@pytest.mark.parametrize("word", ["harbour", "quay"])
def test_a_broad_search_costs_the_same_few_queries_at_any_size(
    client, django_assert_max_num_queries, small_limits, catalogue, who, size, word
):
    sign_in(client, grow(size), who)
    with django_assert_max_num_queries(8):
        response = page(client, word, 1)
    assert response.context["cl"].results_capped


@pytest.mark.django_db
def test_the_window_spares_the_full_sort_when_it_holds_the_page(client, small_limits, catalogue):
    sign_in(client, grow(1), "admin")
    queries = {}
    for word in ("harbour", "quay"):  # in the first platforms / only in the last ones
        with CaptureQueriesContext(connection) as captured:
            page(client, word, 1)
        queries[word] = len(captured)
    assert queries["harbour"] == queries["quay"] - 1
