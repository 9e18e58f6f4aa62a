"""Impact analysis: what stops working, and for whom, if a platform goes away.

A selector (it only reads); it belongs in ``platforms`` next to the querysets and lives here until
it is moved there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from platforms.models import Adoption, Dependency, Organisation, Platform

if TYPE_CHECKING:
    from platforms.querysets import User

# Deep enough for any real chain; a limit keeps the number of queries bounded whatever the data.
MAX_DEPTH = 25


@dataclass
class Dependent:
    platform: Platform
    depth: int
    depends_on: list[str]


@dataclass
class AffectedOrganisation:
    organisation: Organisation
    owns: list[str] = field(default_factory=list)
    uses: list[str] = field(default_factory=list)


@dataclass
class Impact:
    platform: Platform
    dependents: list[Dependent]
    organisations_affected: list[AffectedOrganisation]
    truncated: bool
    max_depth: int = MAX_DEPTH


def platform_impact(*, platform: Platform, user: User, max_depth: int = MAX_DEPTH) -> Impact:
    """Every platform that depends on ``platform`` directly or through others, with the
    organisations that own them or have them in use. Only what ``user`` may see is followed: a
    draft of another organisation is neither shown nor traversed. One query per level of the
    chain (at most ``max_depth``) plus two; cycles are harmless because each platform is visited
    once."""
    edges = Dependency.objects.visible_to(user)
    depth_of: dict[int, int] = {platform.pk: 0}
    parents: dict[int, set[int]] = {}
    frontier = {platform.pk}
    depth, truncated = 0, False
    while frontier:
        if depth == max_depth:
            truncated = True
            break
        depth += 1
        next_frontier: set[int] = set()
        rows = edges.filter(depends_on_id__in=frontier).values_list("platform_id", "depends_on_id")
        for dependent_id, dependency_id in rows:
            if dependent_id not in depth_of:
                depth_of[dependent_id] = depth
                next_frontier.add(dependent_id)
            if depth_of[dependent_id] != 0:
                parents.setdefault(dependent_id, set()).add(dependency_id)
        frontier = next_frontier

    dependent_ids = [pk for pk, d in depth_of.items() if d > 0]
    platforms = Platform.objects.filter(pk__in=[*dependent_ids, platform.pk]).select_related(
        "owner"
    )
    by_id = {p.pk: p for p in platforms}
    dependents = sorted(
        (
            Dependent(
                platform=by_id[pk],
                depth=depth_of[pk],
                depends_on=sorted(by_id[parent].slug for parent in parents.get(pk, ())),
            )
            for pk in dependent_ids
        ),
        key=lambda d: (d.depth, d.platform.name, d.platform.slug),
    )

    affected: dict[int, AffectedOrganisation] = {}
    for dependent in dependents:
        owner = dependent.platform.owner
        affected.setdefault(owner.pk, AffectedOrganisation(owner)).owns.append(
            dependent.platform.slug
        )
    adoptions = (
        Adoption.objects.in_use()
        .filter(platform_id__in=dependent_ids)
        .select_related("organisation")
        .order_by("organisation__name", "platform_id")
    )
    for adoption in adoptions:
        entry = affected.setdefault(
            adoption.organisation_id, AffectedOrganisation(adoption.organisation)
        )
        slug = by_id[adoption.platform_id].slug
        if slug not in entry.uses:
            entry.uses.append(slug)

    return Impact(
        platform=platform,
        dependents=dependents,
        organisations_affected=sorted(
            affected.values(), key=lambda a: (a.organisation.name, a.organisation.slug)
        ),
        truncated=truncated,
        max_depth=max_depth,
    )
