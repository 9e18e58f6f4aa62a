"""The search facets counted from scratch, and as a response shows them, for the tests that
compare the two."""

from __future__ import annotations

from collections import Counter


def expected(platforms) -> dict[str, Counter]:
    """The facets counted from scratch, in Python: {facet: Counter(value: count)}."""
    counts = {name: Counter() for name in ("capability", "standard", "owner", "phase")}
    counts["open_source"] = Counter()
    for platform in platforms:
        counts["phase"][platform.phase] += 1
        counts["owner"][platform.owner.slug] += 1
        counts["open_source"][platform.is_open_source] += 1
        for capability in platform.capabilities.all():
            counts["capability"][capability.slug] += 1
        for standard in platform.standards.all():
            counts["standard"][standard.slug] += 1
    return counts


def shown(facets: dict) -> dict[str, Counter]:
    return {
        name: Counter({entry["value"]: entry["count"] for entry in entries})
        for name, entries in facets.items()
    }
