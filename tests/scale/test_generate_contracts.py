"""``generate_catalogue`` gives the platforms run by a contracted supplier a contract end date
(so that the contract horizon has contracts to list at scale), the same for the same seed, drawn
from a random stream of its own: every other generated row is what the seed gives without them."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from platforms.management.commands import generate_catalogue
from platforms.models import Platform
from platforms.selectors.contracts import contracts_ending
from tests.scale.test_generate import SIZES, _generate, _snapshot

pytestmark = pytest.mark.django_db

# One moment for every run of a test, so that two runs either side of midnight still agree.
NOW = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _fixed_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def _contracts(seed: int = 5) -> list[tuple]:
    return list(
        Platform.objects.filter(slug__startswith=f"gen{seed}-")
        .order_by("slug")
        .values_list("slug", "supplier", "contract_end_date")
    )


class _Undo(Exception):
    pass


def _generated_and_undone() -> tuple[dict, list[tuple]]:
    """The generated catalogue (``test_generate._snapshot``) and its contracts, rolled back."""
    try:
        with transaction.atomic():
            _generate()
            kept = _snapshot(), _contracts()
            raise _Undo
    except _Undo:
        pass
    return kept


def test_the_same_seed_gives_the_same_contract_dates():
    first, second = _generated_and_undone(), _generated_and_undone()
    assert first == second
    assert any(end is not None for _, _, end in first[1])


def test_contracted_platforms_have_an_end_date_within_four_years():
    _generate()
    contracts = _contracts()
    dated = [(slug, end) for slug, supplier, end in contracts if end is not None]
    contracted = [slug for slug, supplier, _ in contracts if supplier == "Contracted supplier"]
    # Every contracted platform, and only those: about a quarter of them.
    assert sorted(slug for slug, _ in dated) == sorted(contracted)
    assert 0.15 * SIZES["platforms"] < len(dated) < 0.35 * SIZES["platforms"]
    today = timezone.localdate(NOW)
    ends = [end for _, end in dated]
    assert all(today <= end < today + datetime.timedelta(days=4 * 365) for end in ends)
    assert len(set(ends)) > len(ends) // 2  # spread over the years, not a few days
    # The contract horizon (18 months ahead by default) has contracts to list.
    ending = contracts_ending(user=AnonymousUser(), today=today)
    assert ending["count"] > 0
    assert ending["results"]


def test_drawing_the_dates_changes_nothing_else(monkeypatch):
    """The same catalogue, row for row, when no date is drawn at all: the dates take no number
    from the stream the rest of the data comes from."""
    with_dates, contracts = _generated_and_undone()
    monkeypatch.setattr(generate_catalogue.Command, "_contract_end", lambda self: None)
    without_dates, no_contracts = _generated_and_undone()
    assert with_dates == without_dates
    assert all(end is None for _, _, end in no_contracts)
    assert [row[:2] for row in contracts] == [row[:2] for row in no_contracts]
