"""Importing a whole catalogue (issue 14): the command takes files larger than the API's 1 MB,
the bulk write (PostgreSQL COPY) keeps what the ORM's bulk_create kept (ids, history with its
user and capabilities, the search index, a clean 409 when a slug was taken meanwhile)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from platforms import search, services
from platforms.importers import run_import
from platforms.importers.base import MAX_FILE_BYTES
from platforms.models import Platform
from tests.factories import (
    CapabilityFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    StandardFactory,
    editor_of,
)

pytestmark = pytest.mark.django_db

HEADER = "slug,name,summary,owner,capabilities,standards,tags,description,is_open_source,phase"


def _rows(count: int, description: str = "") -> bytes:
    lines = [HEADER]
    for n in range(count):
        caps = "payments;notifications" if n % 2 else "payments"
        lines.append(
            f'big-{n},Big platform {n},"Takes payments, number {n}.",my-office,{caps},wcag-22,'
            f'a;b,"{description} ""quoted"" {n}",{"true" if n % 3 else "false"},live'
        )
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def taxonomy():
    OrganisationFactory(slug="my-office", name="My Office")
    CapabilityFactory(slug="payments", name="Payments")
    CapabilityFactory(slug="notifications", name="Notifications")
    StandardFactory(slug="wcag-22", name="WCAG 2.2")


def test_the_command_imports_a_file_larger_than_the_api_takes(taxonomy, tmp_path):
    text = "A shared platform that many departments reuse, described at some length." * 2
    body = _rows(6_000, description=text)
    assert len(body) > MAX_FILE_BYTES
    # The API's limit still holds for an upload...
    refused = run_import([("big.csv", body)], "csv", None, None, dry_run=True)
    assert not refused.ok and "limit" in str(refused.errors[0])
    # ...and an operator imports the file on the server.
    path = tmp_path / "big.csv"
    path.write_bytes(body)
    call_command("import_catalogue", str(path), format="csv", verbosity=0)

    assert Platform.objects.filter(slug__startswith="big-").count() == 6_000
    platform = Platform.objects.get(slug="big-4001")
    assert platform.summary == "Takes payments, number 4001."
    assert platform.description == f'{text} "quoted" 4001'
    assert platform.tags == ["a", "b"] and platform.is_open_source is True
    assert sorted(platform.capabilities.values_list("slug", flat=True)) == [
        "notifications",
        "payments",
    ]
    assert list(platform.standards.values_list("slug", flat=True)) == ["wcag-22"]
    # Found by search at once (the index was rebuilt in the same write).
    found = search.search(Platform.objects.all(), "Big platform 4001")
    assert "big-4001" in [p.slug for p in found[:5]]


def test_the_command_refuses_a_file_over_its_own_limit(taxonomy, tmp_path, monkeypatch):
    monkeypatch.setattr(
        "platforms.management.commands.import_catalogue.MAX_COMMAND_FILE_BYTES", 1_000
    )
    path = tmp_path / "big.csv"
    path.write_bytes(_rows(50))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_catalogue", str(path), format="csv", verbosity=0)
    assert not Platform.objects.filter(slug__startswith="big-").exists()


def test_imported_platforms_have_their_history_with_who_and_what(taxonomy):
    user = editor_of(OrganisationFactory(slug="my-office"))
    plan = run_import([("p.csv", _rows(30))], "csv", None, user, dry_run=False)
    assert plan.applied, [str(p) for p in plan.errors]

    for slug in ("big-0", "big-7"):
        platform = Platform.objects.get(slug=slug)
        (record,) = Platform.history.filter(id=platform.pk)
        assert record.history_type == "+" and record.history_user == user
        assert record.name == platform.name and record.owner_id == platform.owner_id
        # The capabilities as they were written, in the history record too.
        assert sorted(c.capability_id for c in record.capabilities.all()) == sorted(
            platform.capabilities.values_list("pk", flat=True)
        )
    # Ids come from the table's own sequence: the next platform saved one by one gets a new one.
    later = PublishedPlatformFactory()
    assert later.pk > max(Platform.objects.exclude(pk=later.pk).values_list("pk", flat=True))


def test_a_slug_taken_between_plan_and_write_is_a_conflict_and_writes_nothing(taxonomy):
    owner = OrganisationFactory(slug="my-office")
    PublishedPlatformFactory(slug="taken-meanwhile", owner=owner)
    batch = services.ImportBatch()
    fresh = Platform(owner=owner, name="First", slug="fresh-one", summary="New.")
    clash = Platform(owner=owner, name="Clash", slug="taken-meanwhile", summary="New.")
    batch.new_platforms = [(fresh, [], []), (clash, [], [])]

    with pytest.raises(services.Conflict):
        services.catalogue_import(actor=None, batch=batch)
    assert not Platform.objects.filter(slug="fresh-one").exists()
    assert Platform.objects.filter(slug="taken-meanwhile").count() == 1
