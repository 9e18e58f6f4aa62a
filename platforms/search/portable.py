"""SQLite (the embedded default): the same interface on SQLite's own full-text engine, FTS5.

Two virtual tables, created by migration ``0003_scale`` (SQLite only) and kept current by
:meth:`SQLiteSearchBackend.reindex`, which the services call after every change of the text:

- ``platforms_search`` (FTS5, ``porter unicode61`` tokenizer: "payments" meets "payment"), one
  row per platform (rowid = platform id), five columns weighted like the PostgreSQL document:
  ``name``, ``variants`` ("GOV.UK" also as "govuk"), ``body`` (summary, capability and
  standard names, tags), ``description``, ``owner`` (name and abbreviation). Ranked by
  ``bm25()`` in SQL.
- ``platforms_search_words`` (FTS5, ``trigram`` tokenizer): every word of the names and bodies
  once, as ``^word$`` so that the ends count (as pg_trgm pads words). A query word the catalogue
  does not hold ("notfy", "paymnt") is looked up there by its trigrams and searched as the
  nearest real words ("notify", "payments"), like PostgreSQL's trigram matching. The plain table
  ``platforms_search_word`` says which words are already held.

Ranking is in SQL, over a bounded candidate set: one query ranks the matches (rowid and bm25
only, top-N under ``LIMIT``) and counts them; the returned queryset reads only the candidates.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from difflib import SequenceMatcher

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import FloatField, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from platforms.models import Platform
from platforms.search import text
from platforms.search.base import (
    CANDIDATES,
    BaseSearchBackend,
    Draft,
    PlatformsOrIds,
    bounded,
    platform_ids,
)

INDEX = "platforms_search"
WORDS = "platforms_search_words"
KNOWN = "platforms_search_word"
# bm25 weights of the columns name, body, description, owner (PostgreSQL's A, B, C, C).
WEIGHTS = "10.0, 5.0, 4.0, 2.0, 2.0"
TYPO_SIMILARITY = 0.55  # share of a query word's (padded) trigrams a real word must hold
TYPO_CANDIDATES = 20

# Run by the migration (SQLite only) and by ``reindex``: the documents of some platforms, in SQL.
CREATE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {INDEX} USING fts5("
    "name, variants, body, description, owner, tokenize='porter unicode61')",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {WORDS} USING fts5(word, tokenize='trigram')",
    f"CREATE TABLE IF NOT EXISTS {KNOWN} (word TEXT PRIMARY KEY) WITHOUT ROWID",
]
DROP = [f"DROP TABLE IF EXISTS {t}" for t in (INDEX, WORDS, KNOWN)]
DOCUMENTS = f"""
INSERT INTO {INDEX} (rowid, name, variants, body, description, owner)
SELECT p.id,
       p.name,
       CASE WHEN p.name LIKE '%%.%%' OR p.name LIKE '%%-%%'
           THEN replace(replace(p.name, '.', ''), '-', '') ELSE '' END,
       p.summary
           || ' ' || COALESCE((SELECT group_concat(c.name, ' ')
                FROM platforms_platform_capabilities l
                JOIN platforms_capability c ON c.id = l.capability_id
                WHERE l.platform_id = p.id), '')
           || ' ' || COALESCE((SELECT group_concat(s.name, ' ')
                FROM platforms_platform_standards l
                JOIN platforms_standard s ON s.id = l.standard_id
                WHERE l.platform_id = p.id), '')
           || ' ' || replace(COALESCE(p.tags, ''), '-', ' '),
       p.description,
       o.name || ' ' || o.abbreviation
FROM platforms_platform p JOIN platforms_organisation o ON o.id = p.owner_id
WHERE p.id IN ({{ids}})
"""  # noqa: S608 - the ids are a subquery with parameters


def _quoted(phrase: str) -> str:
    """An FTS5 string: the words of ``phrase`` in double quotes (a phrase query)."""
    return '"' + " ".join(text.words(phrase)).replace('"', "") + '"'


def _padded_trigrams(word: str) -> set[str]:
    padded = f"^{word}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _score(values: dict[int, float]):
    """The candidates' scores as an SQL expression: one JSON parameter read by ``json_extract``
    (a ``CASE`` of 1,100 branches took the ORM a second and a half to build)."""
    scores = json.dumps({str(pk): score for pk, score in values.items()})
    return Coalesce(
        RawSQL(
            "json_extract(%s, '$.\"' || platforms_platform.id || '\"')",
            [scores],
            output_field=FloatField(),
        ),
        Value(0.0),
        output_field=FloatField(),
    )


class SQLiteSearchBackend(BaseSearchBackend):
    vendor = "sqlite"
    fallback_below = 3

    # --- the index -----------------------------------------------------------------------------

    def reindex(self, platforms: PlatformsOrIds) -> None:
        ids = platform_ids(platforms)
        if isinstance(ids, QuerySet):
            try:
                ids_sql, params = ids.query.sql_with_params()
            except EmptyResultSet:
                return
        else:
            if not ids:
                return
            ids_sql, params = ", ".join(["%s"] * len(ids)), list(ids)
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {INDEX} WHERE rowid IN ({ids_sql})",  # noqa: S608
                params,
            )
            cursor.execute(DOCUMENTS.replace("{ids}", ids_sql), params)
            cursor.execute(
                f"SELECT name, variants, body FROM {INDEX} WHERE rowid IN ({ids_sql})",  # noqa: S608
                params,
            )
            words = {w for row in cursor.fetchall() for t in row for w in text.words(t)}
            self._remember(cursor, sorted(w for w in words if len(w) >= 3))
        self.forget()

    @staticmethod
    def _remember(cursor, words: list[str]) -> None:
        """Add the words not held yet to the typo lookup."""
        for start in range(0, len(words), 500):
            chunk = words[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT word FROM {KNOWN} WHERE word IN ({marks})",  # noqa: S608
                chunk,
            )
            held = {row[0] for row in cursor.fetchall()}
            new = [w for w in chunk if w not in held]
            if new:
                known = f"INSERT INTO {KNOWN} (word) VALUES (%s)"  # noqa: S608
                padded = f"INSERT INTO {WORDS} (word) VALUES (%s)"  # noqa: S608
                cursor.executemany(known, [(w,) for w in new])
                cursor.executemany(padded, [(f"^{w}$",) for w in new])

    def reindex_all(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {INDEX}")  # noqa: S608
        self.reindex(Platform.objects.all())

    # --- queries -------------------------------------------------------------------------------

    def _nearest_words(self, words: list[str]) -> dict[str, list[str]]:
        """{query word: the real words it is probably a misspelling of}, for the query words
        (4 letters or more) that no platform holds. Remembered for a few seconds: the search
        and its highlights ask the same."""
        return self.memo(("nearest", tuple(words)), lambda: self._lookup_nearest(words))

    def _lookup_nearest(self, words: list[str]) -> dict[str, list[str]]:
        long_words = [w for w in dict.fromkeys(words) if len(w) >= 4 and not w.isdigit()]
        if not long_words:
            return {}
        marks = ", ".join(["%s"] * len(long_words))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT word FROM {KNOWN} WHERE word IN ({marks})",  # noqa: S608
                long_words,
            )
            held = {row[0] for row in cursor.fetchall()}
            nearest: dict[str, list[str]] = {}
            for word in long_words:
                if word in held:
                    continue
                wanted = _padded_trigrams(word)
                cursor.execute(
                    f"SELECT word FROM {WORDS} WHERE {WORDS} MATCH %s "  # noqa: S608
                    f"ORDER BY bm25({WORDS}) LIMIT {TYPO_CANDIDATES}",
                    [" OR ".join(f'"{t}"' for t in sorted(wanted))],
                )
                close = []
                for (candidate,) in cursor.fetchall():
                    real = candidate.strip("^$")
                    shared = len(wanted & _padded_trigrams(real)) / len(wanted)
                    if shared >= TYPO_SIMILARITY and abs(len(real) - len(word)) <= 3:
                        close.append(real)
                if close:
                    nearest[word] = close[:3]
        return nearest

    def _match_expressions(self, query: str) -> tuple[str | None, str | None]:
        """(every word or a synonym, any word or a synonym) as FTS5 query strings."""
        words = [w for w in dict.fromkeys(text.words(query)) if w not in text.STOPWORDS]
        nearest = self._nearest_words(words)
        alternatives = [
            "(" + " OR ".join(_quoted(a) for a in [w, *nearest.get(w, [])]) + ")" for w in words
        ]
        synonyms = [_quoted(e) for e in self.expansions(query) if text.words(e)]
        strict_parts = [" AND ".join(alternatives)] if alternatives else []
        strict = " OR ".join(f"({p})" for p in [*strict_parts, *synonyms]) or None
        broad = " OR ".join([*alternatives, *synonyms]) or None
        return strict, broad

    def _ranked(self, queryset: QuerySet, expression: str) -> tuple[dict[int, float], int]:
        """({id: score} of the best candidates, number of matches) in one query.

        The score is bm25 plus a bonus for a match in the name (3) and in the body (1): bm25's
        inverse document frequency is clamped to almost nothing for a word most rows hold, which
        in a small catalogue would leave a name match level with a description match."""
        try:
            ids_sql, params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:
            return {}, 0
        with connection.cursor() as cursor:
            # The visible ids are a separate CTE joined afterwards: "rowid IN (...)" inside the
            # MATCH made SQLite run the full-text query once per visible row (2.4 s at 10k).
            cursor.execute(
                f"WITH v(id) AS MATERIALIZED ({ids_sql}), "  # noqa: S608
                f"f AS MATERIALIZED (SELECT rowid AS id, bm25({INDEX}, {WEIGHTS}) AS rank, "
                f"name FROM {INDEX} WHERE {INDEX} MATCH %s), "
                "r AS MATERIALIZED (SELECT f.id, f.rank, f.name FROM f JOIN v ON v.id = f.id), "
                f"n AS MATERIALIZED (SELECT rowid AS id FROM {INDEX} WHERE {INDEX} MATCH %s), "
                f"b AS MATERIALIZED (SELECT rowid AS id FROM {INDEX} WHERE {INDEX} MATCH %s) "
                "SELECT r.id, -r.rank + 3.0 * (n.id IS NOT NULL) + 1.0 * (b.id IS NOT NULL) "
                "AS score, (SELECT COUNT(*) FROM r) FROM r LEFT JOIN n ON n.id = r.id "
                f"LEFT JOIN b ON b.id = r.id ORDER BY score DESC, r.name, r.id LIMIT {CANDIDATES}",
                [
                    *params,
                    expression,
                    f"{{name variants}} : ({expression})",
                    f"{{body}} : ({expression})",
                ],
            )
            rows = cursor.fetchall()
        return {pk: round(score, 6) for pk, score, _ in rows}, (rows[0][2] if rows else 0)

    def search(self, queryset: QuerySet, query: str) -> QuerySet:
        query = " ".join((query or "").split())
        if not query:
            return queryset.annotate(score=Value(0.0, output_field=FloatField()))
        strict, broad = self._match_expressions(query)
        if strict is None:
            return queryset.none().annotate(score=Value(0.0, output_field=FloatField()))
        scores, total = self._ranked(queryset, strict)
        expression = strict
        several_words = len({w for w in text.words(query) if w not in text.STOPWORDS}) > 1
        if total < self.fallback_below and several_words:
            scores, total = self._ranked(queryset, broad)
            expression = broad
        if not scores:
            return queryset.none().annotate(score=Value(0.0, output_field=FloatField()))
        result = (
            queryset.filter(pk__in=list(scores))
            .annotate(score=_score(scores))
            .order_by("-score", "name", "pk")
        )
        in_index = f"platforms_platform.id IN (SELECT rowid FROM {INDEX} WHERE {INDEX} MATCH %s)"  # noqa: S608
        matches = queryset.extra(where=[in_index], params=[expression])  # noqa: S610 - fixed clause
        return bounded(result, matches, total)

    def _text_matches(self, draft: Draft, queryset: QuerySet, limit: int) -> dict[int, tuple]:
        """Candidates from the index (the draft's distinctive words, any of them, best bm25
        first; names sharing a distinctive word), then scored on those few rows only."""
        words = text.distinctive_words(draft.text)
        expansions = self.expansions(" ".join(words))
        name_words = text.name_for_comparison(draft.name).split()
        parts = [_quoted(w) for w in words] + [_quoted(e) for e in expansions if text.words(e)]
        found: dict[int, tuple[float, float]] = {}
        if not parts:
            return found
        try:
            ids_sql, params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:
            return found
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {INDEX}.rowid, p.name, {INDEX}.body, {INDEX}.description "  # noqa: S608
                f"FROM {INDEX} JOIN platforms_platform p ON p.id = {INDEX}.rowid "
                f"WHERE {INDEX} MATCH %s AND p.id IN ({ids_sql}) "
                f"ORDER BY bm25({INDEX}, {WEIGHTS}) LIMIT %s",
                [" OR ".join(parts), *params, limit],
            )
            rows = cursor.fetchall()
        wanted = {text.stem(w) for w in words}
        for expansion in expansions:
            wanted.update(text.terms(expansion))
        wanted -= {text.stem(w) for w in text.COMMON_WORDS}
        for pk, name, body, description in rows:
            held = set(text.terms(f"{name} {body}")) | {
                t for t in text.terms(description) if t in wanted
            }
            text_similarity = min(len(wanted & held) / max(len(wanted), 1) * 1.25, 1.0)
            name_similarity = 0.0
            if name_words:
                own = text.name_for_comparison(name)
                ratio = SequenceMatcher(None, " ".join(name_words), own).ratio() if own else 0.0
                name_similarity = ratio if ratio >= 0.5 else 0.0
            if name_similarity or text_similarity:
                found[pk] = (name_similarity, text_similarity)
        return found

    def highlights(
        self, platforms: Iterable[Platform], query: str, *, field: str = "summary"
    ) -> dict[int, SafeString]:
        platforms = list(platforms)
        query_words = [w for w in text.words(query) if w not in text.STOPWORDS]
        wanted = {text.stem(w) for w in query_words}
        for expansion in self.expansions(query):
            wanted.update(text.terms(expansion))
        for close in self._nearest_words(query_words).values() if platforms else ():
            wanted.update(text.stem(w) for w in close)
        result = {}
        for platform in platforms:
            parts = []
            for piece in re.split(r"([A-Za-z0-9]+)", getattr(platform, field) or ""):
                word = piece.lower()
                if (
                    piece
                    and word.isalnum()
                    and word not in text.STOPWORDS
                    and (text.stem(word) in wanted)
                ):
                    parts.append(f"<mark>{escape(piece)}</mark>")
                else:
                    parts.append(escape(piece))
            result[platform.pk] = mark_safe("".join(parts))  # noqa: S308 - every piece escaped
        return result


# The name the rest of the project (and its tests) knows this backend by.
PortableSearchBackend = SQLiteSearchBackend
