"""Search speed at national scale on PostgreSQL (issue 14): the narrow search rows that a search
reads instead of the platform table are kept right by every kind of write, give the same
results, counts and facets as the platform table, and a page of results reads only its own
rows. Speed itself is measured in benchmarks/, never here."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from platforms import search, services
from platforms.models import Capability, Platform
from platforms.search import base
from tests.factories import (
    AdminUserFactory,
    CapabilityFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    StandardFactory,
)

SEARCH = "/api/v1/search/"

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.postgres(reason="the search rows are the PostgreSQL backend's")

ROW_COLUMNS = (
    "id, state, owner_id, phase, kind, is_open_source, reuse_count, slug, name, created_at, "
    "updated_at, contract_end_date, search_vector"
)


def stored_rows() -> list[tuple]:
    """The search rows, each with what the search names copy holds of it (all but the
    document): both tables must follow the platforms."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {ROW_COLUMNS}, capability_ids, standard_ids "  # noqa: S608 - fixed text
            "FROM platforms_search_row ORDER BY id"
        )
        rows = cursor.fetchall()
        cursor.execute(
            f"SELECT {ROW_COLUMNS.replace(', search_vector', '')}, capability_ids, standard_ids "  # noqa: S608
            "FROM platforms_search_name ORDER BY id"
        )
        names = cursor.fetchall()
    assert names == [row[:12] + row[13:] for row in rows]
    return rows


def fresh_rows() -> list[tuple]:
    """What the search rows must hold, read from the platforms and their links now."""
    columns = ", ".join(f"p.{c.strip()}" for c in ROW_COLUMNS.split(","))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}, "  # noqa: S608 - fixed text
            "COALESCE((SELECT array_agg(capability_id ORDER BY capability_id) FROM "
            "platforms_platform_capabilities l WHERE l.platform_id = p.id), '{}'), "
            "COALESCE((SELECT array_agg(standard_id ORDER BY standard_id) FROM "
            "platforms_platform_standards l WHERE l.platform_id = p.id), '{}') "
            "FROM platforms_platform p ORDER BY p.id"
        )
        return cursor.fetchall()


def payments(name: str, **fields) -> Platform:
    platform = PublishedPlatformFactory(name=name, summary="Take card payments online.", **fields)
    search.reindex(platform)
    return platform


@postgres_only
def test_the_search_rows_follow_every_kind_of_write():
    admin = AdminUserFactory()
    owner, user = OrganisationFactory(), OrganisationFactory()
    cards, letters = CapabilityFactory(), CapabilityFactory()
    standard = StandardFactory()
    registered = services.platform_register(
        actor=admin,
        owner=owner,
        name="Payments hub",
        summary="Take payments.",
        capabilities=[cards],
        standards=[standard],
    )
    assert stored_rows() == fresh_rows()

    services.platform_update(
        actor=admin,
        platform=registered,
        data={"name": "Card payments hub", "capabilities": [cards, letters]},
    )
    services.platform_submit(actor=admin, platform=Platform.objects.get(pk=registered.pk))
    services.platform_publish(actor=admin, platform=Platform.objects.get(pk=registered.pk))
    assert stored_rows() == fresh_rows()

    # The reuse count the walk orders by, recounted by the services after an adoption.
    services.adoption_record(actor=admin, platform=registered, organisation=user)
    assert Platform.objects.get(pk=registered.pk).reuse_count == 1
    assert stored_rows() == fresh_rows()

    # Bulk writes that bypass the models: one statement, many rows.
    PublishedPlatformFactory.create_batch(3)
    Platform.objects.bulk_create(
        [Platform(name=f"Bulk {i}", slug=f"bulk-{i}", summary="s", owner=owner) for i in range(3)]
    )
    Platform.objects.filter(name__startswith="Bulk").update(phase=Platform.Phase.LIVE)
    search.reindex_all()
    assert stored_rows() == fresh_rows()

    # A link removed with its capability; a platform deleted.
    Capability.objects.filter(pk=letters.pk).delete()
    Platform.objects.filter(name="Bulk 0").delete()
    assert stored_rows() == fresh_rows()
    assert len(stored_rows()) == Platform.objects.count()


@postgres_only
def test_search_through_the_rows_finds_what_the_platform_table_finds():
    cards = CapabilityFactory()
    for i in range(6):
        payments(f"Payments service {i}", hosting="Cloud").capabilities.set([cards])
    payments("Letters", hosting="Cloud")
    PublishedPlatformFactory(name="Unrelated", summary="Hosts websites.", hosting="Cloud")
    search.reindex_all()
    published = Platform.objects.published()
    with CaptureQueriesContext(connection) as narrow:
        on_rows = search.search(published, "payments")
        found = [(p.pk, p.score) for p in on_rows]
    assert any("platforms_search_row" in q["sql"] for q in narrow.captured_queries)
    # ``hosting`` is not in the search rows: the same search reads the platform table.
    with CaptureQueriesContext(connection) as wide:
        on_platforms = search.search(published.filter(hosting="Cloud"), "payments")
        found_wide = [(p.pk, p.score) for p in on_platforms]
    assert not any("platforms_search_row" in q["sql"] for q in wide.captured_queries)
    assert found == found_wide
    assert len(found) == 7
    assert search.facets(on_rows) == search.facets(on_platforms)
    assert {e["value"]: e["count"] for e in search.facets(on_rows)["capability"]} == {cards.slug: 6}


@postgres_only
def test_facets_from_the_id_arrays_count_as_the_links_do():
    cards, letters = CapabilityFactory(), CapabilityFactory()
    standard = StandardFactory()
    for i in range(5):
        platform = payments(f"Payments {i}", is_open_source=i % 2 == 0)
        platform.capabilities.set([cards] if i < 3 else [cards, letters])
        platform.standards.set([standard] if i == 0 else [])
    result = search.search(Platform.objects.published(), "payments")
    from_rows = search.facets(result)
    # The same matches counted through the link tables (the backends' shared facet query).
    from_links = base.BaseSearchBackend.facets(search.get_backend(), base.all_matches(result))
    assert from_rows == from_links
    assert {e["value"]: e["count"] for e in from_rows["capability"]} == {
        cards.slug: 5,
        letters.slug: 2,
    }
    assert from_rows["standard"] == [{"value": standard.slug, "label": standard.name, "count": 1}]


def test_a_name_alike_rescues_a_typo_but_does_not_join_a_word_the_catalogue_holds():
    for i in range(3):
        payments(f"Payments hub {i}")
    noise = PublishedPlatformFactory(
        name="API management implements platform", summary="Manages the APIs of a department."
    )
    search.reindex(noise)
    assert noise not in search.search(Platform.objects.published(), "payments")
    # A word nobody holds: the names alike are the answer.
    assert {p.name for p in search.search(Platform.objects.published(), "paymnets hub")} >= {
        "Payments hub 0"
    }


def test_pages_of_a_search_follow_the_ranking_without_gaps_or_repeats(client):
    for i in range(25):
        payments(f"Payments service {i:02d}")
    ranked = [p.slug for p in search.search(Platform.objects.published(), "payments")]
    pages = []
    for offset in (0, 10, 20):
        body = client.get(SEARCH, {"q": "payments", "page_size": 10, "offset": offset}).json()
        assert body["count"] == 25
        pages += [row["slug"] for row in body["results"]]
    assert pages == ranked
    # Another order asked for: the same matches in that order.
    body = client.get(SEARCH, {"q": "payments", "ordering": "name", "page_size": 30}).json()
    assert [row["name"] for row in body["results"]] == sorted(
        f"Payments service {i:02d}" for i in range(25)
    )


@postgres_only
def test_a_page_reads_its_own_rows_only(client):
    for i in range(30):
        payments(f"Payments service {i:02d}")
    with CaptureQueriesContext(connection) as queries:
        body = client.get(SEARCH, {"q": "payments", "page_size": 5}).json()
    assert len(body["results"]) == 5
    # The API reads its page in one statement (api/fast.py: RankedRows), by the ids shown, not
    # the 30 candidates.
    (page,) = [q["sql"] for q in queries.captured_queries if "ts_headline" in q["sql"]]
    (ids,) = re.findall(r"WHERE p\.id = ANY\(ARRAY\[([\d, ]+)\]", page)
    shown = {Platform.objects.get(slug=row["slug"]).pk for row in body["results"]}
    assert {int(pk) for pk in ids.split(",")} == shown
    # A page read as instances (the search page's) selects its own rows too.
    result = search.search(Platform.objects.published(), "payments").for_listing()
    with CaptureQueriesContext(connection) as queries:
        rows = list(result[5:10])
    (page,) = [q["sql"] for q in queries.captured_queries if "search_position" in q["sql"]]
    (ids,) = re.findall(r"WHERE .*?\bIN \(([\d, ]+)\)", page)
    assert {int(pk) for pk in ids.split(",")} == {row.pk for row in rows}
