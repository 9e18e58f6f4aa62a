"""What every search backend offers, and the parts that are the same on every database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.safestring import SafeString

from platforms.models import Capability, Platform, Synonym
from platforms.search import text

PlatformsOrIds = Platform | int | Iterable[Platform | int] | QuerySet


@dataclass(frozen=True)
class SimilarPlatform:
    """An existing platform that looks like the one being registered, and why."""

    platform: Platform
    score: float
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Draft:
    """The fields of a platform (saved or not) that similarity compares."""

    name: str = ""
    summary: str = ""
    description: str = ""
    capability_ids: frozenset[int] = frozenset()

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any] | Platform) -> Draft:
        if isinstance(fields, Platform):
            capability_ids = (
                frozenset(fields.capabilities.values_list("pk", flat=True))
                if fields.pk
                else frozenset()
            )
            return cls(fields.name, fields.summary, fields.description, capability_ids)
        capabilities = fields.get("capabilities") or ()
        ids = set()
        slugs = set()
        for capability in capabilities:
            if isinstance(capability, Capability):
                ids.add(capability.pk)
            elif isinstance(capability, int) or str(capability).isdigit():
                ids.add(int(capability))
            else:
                slugs.add(str(capability))
        if slugs:
            ids |= set(Capability.objects.filter(slug__in=slugs).values_list("pk", flat=True))
        return cls(
            name=str(fields.get("name") or ""),
            summary=str(fields.get("summary") or ""),
            description=str(fields.get("description") or ""),
            capability_ids=frozenset(ids),
        )

    @property
    def text(self) -> str:
        return " ".join(filter(None, [self.name, self.summary, self.description]))


def platform_ids(platforms: PlatformsOrIds) -> list[int] | QuerySet:
    if isinstance(platforms, QuerySet):
        return platforms.order_by().values("pk")
    if isinstance(platforms, Platform | int):
        platforms = [platforms]
    return [p.pk if isinstance(p, Platform) else int(p) for p in platforms]


class BaseSearchBackend:
    """One interface whatever the database. Subclasses supply ``search``, ``reindex``,
    ``highlights`` and ``_text_matches``; facets and similarity are built on those."""

    vendor = ""
    # Similarity: a candidate is listed when its score reaches this; a reason is given for a name
    # or a text that is at least this alike (each backend measures on its own 0..1 scale).
    similar_min_score = 0.15
    similar_name_reason = 0.45
    similar_text_reason = 0.2

    # --- what the subclasses provide ---------------------------------------------------------

    def search(self, queryset: QuerySet, query: str) -> QuerySet:
        """The platforms of ``queryset`` that match ``query``, annotated with ``score`` and
        ordered best first. An empty query returns ``queryset`` with ``score`` 0, as it was."""
        raise NotImplementedError

    def reindex(self, platforms: PlatformsOrIds) -> None:
        """Bring the stored search document of these platforms up to date."""
        raise NotImplementedError

    def highlights(
        self, platforms: Iterable[Platform], query: str, *, field: str = "summary"
    ) -> dict[int, SafeString]:
        """{platform id: HTML of ``field`` with the matched words in ``<mark>``} in one go."""
        raise NotImplementedError

    def _text_matches(self, draft: Draft, queryset: QuerySet, limit: int) -> dict[int, tuple]:
        """{platform id: (name similarity, text similarity)}, both 0..1, for the platforms of
        ``queryset`` whose text looks like the draft's."""
        raise NotImplementedError

    # --- shared ------------------------------------------------------------------------------

    def synonyms(self) -> list[tuple[str, list[str]]]:
        return [(s.term, s.expansion_list) for s in Synonym.objects.all()]

    def expansions(self, query: str) -> list[str]:
        """The synonyms' expansions that apply to ``query``."""
        return text.expansions_for(query, self.synonyms())

    def reindex_all(self) -> None:
        self.reindex(Platform.objects.all())

    def highlight(self, platform: Platform, query: str, *, field: str = "summary") -> SafeString:
        """``field`` of ``platform`` as HTML, with the words that match ``query`` marked."""
        return self.highlights([platform], query, field=field)[platform.pk]

    def facets(self, queryset: QuerySet) -> dict[str, list[dict[str, Any]]]:
        """Counts of the platforms in ``queryset`` (usually a search result) by capability,
        owner, phase, standard and open source: one aggregate query each, over the matched ids,
        however many platforms there are."""
        ids = queryset.order_by().values("pk")
        platforms = Platform.objects.filter(pk__in=ids).order_by()
        capability_links = Platform.capabilities.through.objects.filter(platform_id__in=ids)
        standard_links = Platform.standards.through.objects.filter(platform_id__in=ids)

        def rows(qs: QuerySet, value: str, label: str | None) -> list[dict[str, Any]]:
            fields = [value] if label is None else [value, label]
            counted = qs.values(*fields).annotate(count=Count("*")).order_by("-count", value)
            return [
                {
                    "value": row[value],
                    "label": row[label] if label else row[value],
                    "count": row["count"],
                }
                for row in counted
            ]

        phase_labels = dict(Platform.Phase.choices)
        phases = rows(platforms, "phase", None)
        for row in phases:
            row["label"] = phase_labels.get(row["value"], row["value"])
        open_source = rows(platforms, "is_open_source", None)
        for row in open_source:
            row["label"] = "Open source" if row["value"] else "Not open source"
        return {
            "capability": rows(capability_links, "capability__slug", "capability__name"),
            "owner": rows(platforms, "owner__slug", "owner__name"),
            "phase": phases,
            "standard": rows(standard_links, "standard__slug", "standard__name"),
            "open_source": open_source,
        }

    def similar(
        self,
        draft: Mapping[str, Any] | Platform,
        *,
        queryset: QuerySet | None = None,
        exclude: Platform | int | None = None,
        limit: int = 10,
    ) -> list[SimilarPlatform]:
        """The platforms of ``queryset`` (default: published ones) that look like ``draft`` — a
        saved platform or the fields of an unsaved one (name, summary, description,
        capabilities as objects, ids or slugs) — best first, each with its reasons."""
        if isinstance(draft, Platform) and draft.pk and exclude is None:
            exclude = draft
        draft = Draft.from_fields(draft)
        if queryset is None:
            queryset = Platform.objects.published()
        if exclude is not None:
            queryset = queryset.exclude(pk=exclude.pk if isinstance(exclude, Platform) else exclude)
        if not (draft.text.strip() or draft.capability_ids):
            return []

        shared: dict[int, set[int]] = {}
        if draft.capability_ids:
            links = Platform.capabilities.through.objects.filter(
                capability_id__in=draft.capability_ids,
                platform_id__in=queryset.order_by().values("pk"),
            ).values_list("platform_id", "capability_id")
            for platform_id, capability_id in links:
                shared.setdefault(platform_id, set()).add(capability_id)
        matches = self._text_matches(draft, queryset, limit * 5) if draft.text.strip() else {}

        scores: dict[int, tuple[float, float, float]] = {}
        for pk in set(shared) | set(matches):
            overlap = len(shared.get(pk, ())) / max(len(draft.capability_ids), 1)
            name_similarity, text_similarity = matches.get(pk, (0.0, 0.0))
            score = 0.4 * overlap + 0.35 * name_similarity + 0.6 * text_similarity
            if score >= self.similar_min_score:
                scores[pk] = (score, name_similarity, text_similarity)
        best = sorted(scores, key=lambda pk: -scores[pk][0])[:limit]
        platforms = Platform.objects.filter(pk__in=best).select_related("owner", "replaced_by")
        capability_names = dict(
            Capability.objects.filter(pk__in=draft.capability_ids).values_list("pk", "name")
        )
        by_pk = {p.pk: p for p in platforms}
        found = []
        for pk in best:
            platform = by_pk[pk]
            score, name_similarity, text_similarity = scores[pk]
            reasons = [
                f"shares capability {capability_names[c]}"
                for c in sorted(shared.get(pk, ()), key=lambda c: capability_names[c])
            ]
            if name_similarity >= self.similar_name_reason:
                reasons.append(f"similar name to {platform.name}")
            if text_similarity >= self.similar_text_reason:
                reasons.append("similar description")
            if platform.phase in Platform.RETIREMENT_PHASES:
                phase = platform.get_phase_display().lower()
                reasons.append(
                    f"{phase} — replaced by {platform.replaced_by.name}"
                    if platform.replaced_by
                    else f"{phase}, no replacement named"
                )
            found.append(SimilarPlatform(platform, round(score, 4), reasons))
        return found
