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
from django.db.models.sql.where import WhereNode
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from platforms.models import Capability, Organisation, Platform, Standard
from platforms.search import base, text
from platforms.search.base import (
    CANDIDATES,
    BaseSearchBackend,
    Draft,
    PlatformsOrIds,
    bounded,
    facet_counts,
    platform_ids,
)

INDEX = "platforms_search"
WORDS = "platforms_search_words"
KNOWN = "platforms_search_word"
# bm25 weights of the columns name, body, description, owner (PostgreSQL's A, B, C, C).
WEIGHTS = "10.0, 5.0, 4.0, 2.0, 2.0"
TYPO_SIMILARITY = 0.55  # share of a query word's (padded) trigrams a real word must hold
TYPO_CANDIDATES = 20
TABLE = Platform._meta.db_table
# The platform table in the FROM of a query with no join (what a visible/filtered platform
# queryset compiles to): the ranking query drives it from the matches instead.
DRIVEN = re.compile(rf'FROM "{TABLE}"(?=\s+WHERE\s|\s*$)')
RANK_OF_ROW = f'(SELECT f.rank FROM f WHERE f.id = "{TABLE}"."id")'  # noqa: S608
IN_MATCHES = f'"{TABLE}"."id" IN (SELECT id FROM f)'  # noqa: S608
IN_CANDIDATES = f'"{TABLE}"."id" IN (SELECT value FROM json_each(%s))'  # noqa: S608


def _facets_over_m() -> str:
    """The five facet counts over ``m(id, owner_id, phase, is_open_source)``, as rows (facet,
    value, label, count), as ``base.FACETS_OVER_M`` gives them, but counted by id first and
    named afterwards: the names are looked up once per value, not once per match (half the
    time at 10,000 platforms)."""
    links = {
        "capability": (Platform.capabilities.through._meta.db_table, "capability_id"),
        "standard": (Platform.standards.through._meta.db_table, "standard_id"),
    }
    named = {
        "capability": Capability._meta.db_table,
        "standard": Standard._meta.db_table,
        "owner": Organisation._meta.db_table,
    }
    counted = {
        facet: f"SELECT l.{column} AS id, COUNT(*) AS n FROM m "  # noqa: S608 - model tables
        f"CROSS JOIN {table} l ON l.platform_id = m.id GROUP BY l.{column}"
        for facet, (table, column) in links.items()
    }
    counted["owner"] = "SELECT owner_id AS id, COUNT(*) AS n FROM m GROUP BY owner_id"
    branches = [
        f"SELECT '{facet}', t.slug, t.name, g.n FROM ({counted[facet]}) g "  # noqa: S608
        f"JOIN {named[facet]} t ON t.id = g.id"
        for facet in ("capability", "standard", "owner")
    ]
    branches += [
        "SELECT 'phase', phase, phase, COUNT(*) FROM m GROUP BY phase",
        "SELECT 'open_source', CASE WHEN is_open_source THEN 'y' ELSE 'n' END, '', COUNT(*) "
        "FROM m GROUP BY is_open_source",
    ]
    return " UNION ALL ".join(branches)


FACETS_OVER_M = _facets_over_m()

# Run by the migration (SQLite only) and by ``reindex``: the documents of some platforms, in SQL.
CREATE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {INDEX} USING fts5("
    "name, variants, body, description, owner, tokenize='porter unicode61')",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {WORDS} USING fts5(word, tokenize='trigram')",
    f"CREATE TABLE IF NOT EXISTS {KNOWN} (word TEXT PRIMARY KEY) WITHOUT ROWID",
]
# A deleted platform leaves the index at once, whichever way it was deleted (the service, the
# admin's bulk action, a cascade, ``QuerySet.delete``): rows of deleted platforms would still
# weigh in bm25's statistics and cost a join in every search that matches them.
FORGET_DELETED = "platforms_search_forget_deleted"
TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS {FORGET_DELETED} AFTER DELETE ON {TABLE} "  # noqa: S608
    f"BEGIN DELETE FROM {INDEX} WHERE rowid = old.id; END",
]
DROP_TRIGGERS = [f"DROP TRIGGER IF EXISTS {FORGET_DELETED}"]
DROP = [*DROP_TRIGGERS, *(f"DROP TABLE IF EXISTS {t}" for t in (INDEX, WORDS, KNOWN))]
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


RANKED_ORDER = ("-score", "name", "pk")


class RankedQuery(base.RankedIdsQuery):
    """A search result selected by its ranked ids (``base.RankedIdsQuery``): the page of a
    paginator fetches 20 rows, not the 1,100 candidates (which SQLite would read in full, wide
    columns and joins, before sorting them)."""

    ranked_order = RANKED_ORDER

    @staticmethod
    def _while_unfiltered(name: str) -> property:
        """What the ranking query found about every match (``base.bounded``), for as long as no
        filter was added to the result since: a filter after the search makes them untrue, and
        the callers then count the rows themselves."""

        def get(query):
            return query.__dict__.get(name) if len(query.where.children) == 1 else None

        def put(query, value):
            query.__dict__[name] = value

        return property(get, put)

    search_total = _while_unfiltered("_search_total")
    search_facets = _while_unfiltered("_search_facets")
    search_all_matches = _while_unfiltered("_search_all_matches")


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
        """ONE query for every word of the query: each branch looks a word up among the
        trigrams of the vocabulary (best bm25 first, a few candidates), and only when the word
        itself is not held (a constant condition, which SQLite checks once, before the
        full-text lookup)."""
        long_words = [w for w in dict.fromkeys(words) if len(w) >= 4 and not w.isdigit()]
        if not long_words:
            return {}
        branches, params = [], []
        for word in long_words:
            branches.append(
                f"SELECT %s, word FROM (SELECT word FROM {WORDS} WHERE {WORDS} MATCH %s "  # noqa: S608
                f"ORDER BY bm25({WORDS}) LIMIT {TYPO_CANDIDATES}) "
                f"WHERE NOT EXISTS (SELECT 1 FROM {KNOWN} WHERE word = %s)"
            )
            trigrams = " OR ".join(f'"{t}"' for t in sorted(_padded_trigrams(word)))
            params += [word, trigrams, word]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(branches), params)  # noqa: S608 - fixed names
            rows = cursor.fetchall()
        nearest: dict[str, list[str]] = {}
        for word, candidate in rows:
            wanted = _padded_trigrams(word)
            real = candidate.strip("^$")
            shared = len(wanted & _padded_trigrams(real)) / len(wanted)
            if shared >= TYPO_SIMILARITY and abs(len(real) - len(word)) <= 3:
                close = nearest.setdefault(word, [])
                if len(close) < 3:
                    close.append(real)
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

    def _best(
        self, queryset: QuerySet, expression: str, query: str
    ) -> tuple[dict[int, float], int, dict]:
        """({id: score} of the best candidates, number of matches, facets) in ONE query.

        The full-text match runs once, with bm25 (``f``: rowid and rank only); the platforms of
        ``queryset`` among them are read once, narrowly (``m``: the facet columns, the name and
        the rank), driven by the matches (``CROSS JOIN`` fixes that order: SQLite without
        statistics would otherwise scan every published platform through the ``state``
        index); then the top-N sort, the count and the five facet counts read ``m``.

        The score is bm25 plus a bonus for a match in the name (3) and in the body (1): bm25's
        inverse document frequency is clamped to almost nothing for a word most rows hold, which
        in a small catalogue would leave a name match level with a description match. All of
        it is multiplied by the match's standing (``base.standing_sql``: phase and reuse)."""
        narrow = ("pk", "owner_id", "phase", "is_open_source", "reuse_count", "name", "rank")
        try:
            inner_sql, params = (
                queryset.order_by().extra(select={"rank": "f.rank"}).values(*narrow)  # noqa: S610
            ).query.sql_with_params()
        except EmptyResultSet:
            return {}, 0, facet_counts([])
        driven = DRIVEN.search(inner_sql)
        if driven and driven.start() == inner_sql.index(f'FROM "{TABLE}"'):
            inner_sql = DRIVEN.sub(
                f'FROM f CROSS JOIN "{TABLE}" ON "{TABLE}"."id" = f.id', inner_sql, 1
            )
        else:  # a join the rewrite does not expect: let SQLite choose the order, still right
            inner_sql, params = (
                queryset.order_by()
                .extra(select={"rank": RANK_OF_ROW}, where=[IN_MATCHES])  # noqa: S610
                .values(*narrow)
            ).query.sql_with_params()
        standing, standing_params = base.standing_sql("m", query)
        sql = (
            f"WITH f(id, rank) AS MATERIALIZED (SELECT rowid, bm25({INDEX}, {WEIGHTS}) "  # noqa: S608
            f"FROM {INDEX} WHERE {INDEX} MATCH %s), "
            "m(id, owner_id, phase, is_open_source, reuse_count, name, rank) "
            f"AS MATERIALIZED ({inner_sql}), "
            "s(id, name, score) AS MATERIALIZED (SELECT id, name, (-rank "
            f"+ 3.0 * (id IN (SELECT rowid FROM {INDEX} WHERE {INDEX} MATCH %s)) "
            f"+ 1.0 * (id IN (SELECT rowid FROM {INDEX} WHERE {INDEX} MATCH %s))) "
            f"* {standing} FROM m) "
            "SELECT 'best', id, name, score FROM "
            f"(SELECT id, name, score FROM s ORDER BY score DESC, name, id LIMIT {CANDIDATES}) "
            "UNION ALL SELECT 'total', '', '', COUNT(*) FROM m "
            f"UNION ALL {FACETS_OVER_M}"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                [
                    expression,
                    *params,
                    f"{{name variants}} : ({expression})",
                    f"{{body}} : ({expression})",
                    *standing_params,
                ],
            )
            rows = cursor.fetchall()
        # Sorted again here: a compound SELECT does not promise its branches' order (Python
        # orders strings by code point, as SQLite's BINARY collation orders UTF-8).
        best = sorted((-score, name, pk) for kind, pk, name, score in rows if kind == "best")
        total = next(count for kind, _v, _l, count in rows if kind == "total")
        facets = facet_counts(r for r in rows if r[0] not in ("best", "total"))
        return {pk: round(-score, 6) for score, _name, pk in best}, total, facets

    def search(self, queryset: QuerySet, query: str) -> QuerySet:
        """Two queries whatever the number of matches (and one more for a word the catalogue
        does not hold): the matches ranked, counted and faceted in one (:meth:`_best`), then
        the best candidates as a queryset that reads only their rows."""
        query = " ".join((query or "").split())
        if not query:
            return queryset.annotate(score=Value(0.0, output_field=FloatField()))
        strict, broad = self._match_expressions(query)
        if strict is None:
            return queryset.none().annotate(score=Value(0.0, output_field=FloatField()))
        scores, total, facets = self._best(queryset, strict, query)
        expression = strict
        several_words = len({w for w in text.words(query) if w not in text.STOPWORDS}) > 1
        if total < self.fallback_below and several_words:
            scores, total, facets = self._best(queryset, broad, query)
            expression = broad
        if not scores:
            return queryset.none().annotate(score=Value(0.0, output_field=FloatField()))
        candidates = queryset.all()
        ranked = base.joins_nothing(candidates.query)
        if ranked:
            # The candidates passed the queryset's filters already (while ranked); without a
            # join to keep, their ids alone select the rows, read by primary key (SQLite would
            # otherwise scan the index of a filter's column, ``state``, for every row it holds).
            candidates.query.__class__ = RankedQuery
            candidates.query.where = WhereNode()
            candidates.query.ranked_ids = list(scores)
        # The ids as one JSON parameter: 1,100 parameters took Django longer to build than
        # SQLite to read (a page reads its own ids only: RankedQuery).
        result = (
            candidates.extra(where=[IN_CANDIDATES], params=[json.dumps(list(scores))])  # noqa: S610
            .annotate(score=_score(scores))
            .order_by(*RANKED_ORDER)
        )
        in_index = f"platforms_platform.id IN (SELECT rowid FROM {INDEX} WHERE {INDEX} MATCH %s)"  # noqa: S608
        matches = queryset.extra(where=[in_index], params=[expression])  # noqa: S610 - fixed clause
        result.query.search_facets = facets
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
