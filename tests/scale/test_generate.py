"""``generate_catalogue`` (issue 14): realistic synthetic data, the same for the same seed, with
stored reuse counts and a search index that are right afterwards, on SQLite and PostgreSQL."""

from __future__ import annotations

import statistics
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, F, Q

from platforms import search
from platforms.models import Adoption, Dependency, Organisation, Platform

pytestmark = pytest.mark.django_db

SIZES = {"platforms": 400, "organisations": 60, "adoptions": 4000, "dependencies": 300}


def _generate(seed: int = 5) -> None:
    call_command("generate_catalogue", seed=seed, no_progress=True, stdout=None, **SIZES)


def _snapshot(seed: int = 5) -> dict:
    prefix = f"gen{seed}-"
    return {
        "organisations": list(
            Organisation.objects.filter(slug__startswith=prefix)
            .order_by("slug")
            .values_list("slug", "name", "kind", "parent__slug")
        ),
        "platforms": list(
            Platform.objects.filter(slug__startswith=prefix)
            .order_by("slug")
            .values_list("slug", "name", "summary", "owner__slug", "phase", "state", "reuse_count")
        ),
        "adoptions": sorted(
            Adoption.objects.filter(platform__slug__startswith=prefix).values_list(
                "platform__slug", "organisation__slug", "status", "use_case", "start_date"
            )
        ),
        "dependencies": sorted(
            Dependency.objects.filter(platform__slug__startswith=prefix).values_list(
                "platform__slug", "depends_on__slug", "kind"
            )
        ),
    }


class _Undo(Exception):
    pass


def test_the_same_seed_gives_the_same_catalogue():
    snapshots = []
    for _ in range(2):
        try:
            with transaction.atomic():
                _generate()
                snapshots.append(_snapshot())
                raise _Undo
        except _Undo:
            pass
    first, second = snapshots
    assert len(first["platforms"]) == SIZES["platforms"]
    assert first == second


def test_a_second_run_with_the_same_seed_is_refused():
    _generate()
    with pytest.raises(CommandError, match="already holds"):
        _generate()


def test_the_catalogue_is_realistic_and_its_counts_are_right():
    _generate()
    platforms = Platform.objects.filter(slug__startswith="gen5-")
    assert platforms.count() == SIZES["platforms"]
    assert (
        Adoption.objects.filter(evidence_source__contains="--seed 5").count() == SIZES["adoptions"]
    )
    assert Dependency.objects.filter(platform__slug__startswith="gen5-").exists()
    assert not Dependency.objects.filter(platform=F("depends_on")).exists()

    # Department trees: a few ministerial departments at the top, every other body beneath one.
    organisations = Organisation.objects.filter(slug__startswith="gen5-")
    top = organisations.filter(parent__isnull=True)
    assert top.exists() and set(top.values_list("kind", flat=True)) == {"ministerial_department"}
    assert (
        organisations.filter(parent__isnull=False).count() == SIZES["organisations"] - top.count()
    )
    assert organisations.filter(parent__parent__isnull=False).exists()  # deeper than one level

    # Power-law reuse: the most adopted platform has many times the adopters of the median one.
    per_platform = sorted(
        Counter(
            Adoption.objects.filter(evidence_source__contains="--seed 5").values_list(
                "platform_id", flat=True
            )
        ).values(),
        reverse=True,
    )
    assert per_platform[0] > 8 * statistics.median(per_platform)

    # The stored reuse count equals a fresh count (organisations other than the owner in use).
    fresh = platforms.annotate(
        counted=Count(
            "adoptions__organisation",
            filter=Q(adoptions__status="in_use") & ~Q(adoptions__organisation=F("owner")),
            distinct=True,
        )
    )
    wrong = [(p.slug, p.reuse_count, p.counted) for p in fresh if p.reuse_count != p.counted]
    assert wrong == []
    assert platforms.filter(reuse_count__gt=0).exists()

    # Text from the reference data's vocabulary, found by the search index at once.
    sample = platforms.filter(state="published").order_by("pk")[7]
    found = search.search(Platform.objects.published(), sample.name)
    assert sample.slug in [p.slug for p in found[:10]]
    assert search.search(Platform.objects.published(), "payments").count() > 0
