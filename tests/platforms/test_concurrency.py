"""Two people saving the same platform at once: one wins, the other is told, nothing is lost.

Runs on PostgreSQL, where the two writers are real concurrent transactions (SQLite serialises
whole-database writes, so it cannot show the race)."""

import threading

import pytest
from django.db import connection, connections

from platforms import services
from platforms.models import Platform
from tests.factories import DraftPlatformFactory, OrganisationFactory, editor_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def test_two_concurrent_writers_with_the_same_version_one_wins_one_is_refused():
    owner = OrganisationFactory()
    platform = DraftPlatformFactory(owner=owner, summary="Original")
    writers = {"alice": editor_of(owner), "bob": editor_of(owner)}
    barrier = threading.Barrier(len(writers))
    outcomes: dict[str, str] = {}

    def write(name: str) -> None:
        try:
            loaded = Platform.objects.get(pk=platform.pk)  # both read version 1
            barrier.wait()
            services.platform_update(
                actor=writers[name],
                platform=loaded,
                data={"summary": f"Written by {name}"},
                expected_version=loaded.version,
            )
            outcomes[name] = "saved"
        except services.StaleVersion:
            outcomes[name] = "refused"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(name,)) for name in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()) == ["refused", "saved"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    platform.refresh_from_db()
    assert platform.summary == f"Written by {winner}"
    assert platform.version == 2
    # The history holds exactly the two real states: no phantom write.
    assert [h.summary for h in platform.history.order_by("history_date")] == [
        "Original",
        f"Written by {winner}",
    ]


def test_many_concurrent_writers_without_versions_all_land_in_order():
    """Writers that do not send a version are serialised by the row lock: every change is
    applied and counted, none overwrites another half-way."""
    owner = OrganisationFactory()
    platform = DraftPlatformFactory(owner=owner, tags=[])
    editor = editor_of(owner)
    barrier = threading.Barrier(5)

    def write(n: int) -> None:
        try:
            barrier.wait()
            services.platform_update(actor=editor, platform=platform, data={"licence": f"L{n}"})
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    platform.refresh_from_db()
    assert platform.version == 6
    assert platform.history.count() == 6
