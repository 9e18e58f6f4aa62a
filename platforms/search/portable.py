"""Any other database (SQLite for development and demos): the same interface, ranked in Python.

Each search reads the candidate platforms' text (three queries, whatever the query) and scores
it: stemmed words weighted by field like the PostgreSQL document (name 1.0; summary, capabilities,
standards, tags 0.6; description, owner 0.3), rarer words counting more, and difflib's ratio
against the words of the name for typos. Good for a catalogue of hundreds of platforms, not for
100,000: use PostgreSQL for that.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.db.models import Case, FloatField, QuerySet, Value, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from platforms.models import Platform
from platforms.search import text
from platforms.search.base import BaseSearchBackend, Draft, PlatformsOrIds

NAME, MIDDLE, LOW = 1.0, 0.6, 0.3
TYPO_RATIO = 0.8  # difflib ratio from which a word of the name counts as a misspelling of it


@dataclass
class Document:
    pk: int
    name: str
    weights: dict[str, float] = field(default_factory=dict)  # stem -> best field weight
    stems: list[str] = field(default_factory=list)  # all stems in order, for phrases
    name_words: list[str] = field(default_factory=list)

    def add(self, content: str, weight: float) -> None:
        for stem in text.terms(content):
            self.stems.append(stem)
            if weight > self.weights.get(stem, 0.0):
                self.weights[stem] = weight


def _typo_similarity(word: str, candidates: Iterable[str]) -> float:
    if len(word) < 4:
        return 0.0
    best = max((SequenceMatcher(None, word, c).ratio() for c in candidates), default=0.0)
    return best if best >= TYPO_RATIO else 0.0


def _score(values: dict[int, float]):
    return Case(
        *[When(pk=pk, then=Value(score)) for pk, score in values.items()],
        default=Value(0.0),
        output_field=FloatField(),
    )


class PortableSearchBackend(BaseSearchBackend):
    vendor = "portable"
    fallback_below = 3

    def reindex(self, platforms: PlatformsOrIds) -> None:
        """Nothing is stored: the text is read at query time."""

    def documents(self, queryset: QuerySet) -> list[Document]:
        ids = queryset.order_by().values("pk")
        rows = Platform.objects.filter(pk__in=ids).values_list(
            "pk", "name", "summary", "description", "tags", "owner__name", "owner__abbreviation"
        )
        docs: dict[int, Document] = {}
        for pk, name, summary, description, tags, owner, abbreviation in rows:
            doc = Document(pk, name, name_words=text.words(name))
            doc.add(name, NAME)
            doc.add(summary, MIDDLE)
            doc.add(" ".join(str(t) for t in tags or []), MIDDLE)
            doc.add(description, LOW)
            doc.add(f"{owner} {abbreviation}", LOW)
            docs[pk] = doc
        for through, related in (
            (Platform.capabilities.through, "capability__name"),
            (Platform.standards.through, "standard__name"),
        ):
            for pk, name in through.objects.filter(platform_id__in=ids).values_list(
                "platform_id", related
            ):
                docs[pk].add(name, MIDDLE)
        return list(docs.values())

    @staticmethod
    def _idf(docs: list[Document], stems: Iterable[str]) -> dict[str, float]:
        n = len(docs)
        return {
            s: math.log(1 + n / (1 + sum(1 for d in docs if s in d.weights))) for s in set(stems)
        }

    def _rank(self, docs: list[Document], query: str) -> dict[int, float]:
        """{platform id: score} for the documents that match ``query``."""
        query_terms = list(dict.fromkeys(text.terms(query)))
        query_words = [w for w in text.words(query) if w not in text.STOPWORDS]
        phrases = [text.terms(e) for e in self.expansions(query)]
        idf = self._idf(docs, query_terms + [s for p in phrases for s in p])
        strict: dict[int, float] = {}
        broad: dict[int, float] = {}
        for doc in docs:
            typo = max((_typo_similarity(w, doc.name_words) for w in query_words), default=0.0)
            matched = {t: doc.weights[t] for t in query_terms if t in doc.weights}
            synonyms = [p for p in phrases if p and text.contains_phrase(doc.stems, p)]
            if not (matched or synonyms or typo):
                continue
            score = sum(w * idf[t] for t, w in matched.items())
            score += sum(0.5 * max(doc.weights[s] for s in p) * idf[p[0]] for p in synonyms)
            score += NAME * 2 * typo
            all_words = bool(query_terms) and len(matched) == len(query_terms)
            if all_words:
                score *= 1.5
            broad[doc.pk] = score
            if all_words or synonyms or typo:
                strict[doc.pk] = score
        return strict if len(strict) >= self.fallback_below else broad

    def search(self, queryset: QuerySet, query: str) -> QuerySet:
        query = " ".join((query or "").split())
        if not query:
            return queryset.annotate(score=Value(0.0, output_field=FloatField()))
        scores = self._rank(self.documents(queryset), query)
        if not scores:
            return queryset.none().annotate(score=Value(0.0, output_field=FloatField()))
        return (
            queryset.filter(pk__in=list(scores))
            .annotate(score=_score({pk: round(s, 6) for pk, s in scores.items()}))
            .order_by("-score", "name", "pk")
        )

    def _text_matches(self, draft: Draft, queryset: QuerySet, limit: int) -> dict[int, tuple]:
        docs = self.documents(queryset)
        words = text.distinctive_words(draft.text)
        draft_terms = list(dict.fromkeys(text.stem(w) for w in words))
        for expansion in self.expansions(" ".join(words)):
            draft_terms.extend(t for t in text.terms(expansion) if t not in draft_terms)
        idf = self._idf(docs, draft_terms)
        total = sum(idf.values()) or 1.0
        draft_name = text.without_brand(draft.name)
        found = {}
        for doc in docs:
            name_similarity = 0.0
            if draft_name:
                name_similarity = SequenceMatcher(
                    None, draft_name, text.without_brand(doc.name)
                ).ratio()
            if name_similarity < 0.5:
                name_similarity = 0.0
            overlap = sum(doc.weights.get(t, 0.0) * idf[t] for t in draft_terms) / total
            # Scaled so that a draft sharing most of its distinctive words scores near 1.
            text_similarity = min(overlap * 2.5, 1.0)
            if name_similarity or text_similarity:
                found[doc.pk] = (name_similarity, text_similarity)
        best = sorted(found, key=lambda pk: -sum(found[pk]))[:limit]
        return {pk: found[pk] for pk in best}

    def highlights(
        self, platforms: Iterable[Platform], query: str, *, field: str = "summary"
    ) -> dict[int, SafeString]:
        wanted = set(text.terms(query))
        for expansion in self.expansions(query):
            wanted.update(text.terms(expansion))
        query_words = [w for w in text.words(query) if w not in text.STOPWORDS]
        result = {}
        for platform in platforms:
            parts = []
            for piece in re.split(r"([A-Za-z0-9]+)", getattr(platform, field) or ""):
                word = piece.lower()
                if (
                    piece
                    and word.isalnum()
                    and word not in text.STOPWORDS
                    and (text.stem(word) in wanted or _typo_similarity(word, query_words))
                ):
                    parts.append(f"<mark>{escape(piece)}</mark>")
                else:
                    parts.append(escape(piece))
            result[platform.pk] = mark_safe("".join(parts))  # noqa: S308 - every piece escaped
        return result
