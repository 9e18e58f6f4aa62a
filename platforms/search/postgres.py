"""PostgreSQL: weighted full-text search on a stored, GIN-indexed ``tsvector`` plus ``pg_trgm``
similarity on names, so that stemming ("payment" finds "payments") and typos ("notfy" finds
"GOV.UK Notify") both work.

The document (``Platform.search_vector``) is written by :meth:`PostgresSearchBackend.reindex`,
which the services call after every change of the text it holds:

- A: the name (and the name without dots, so "govuk" meets "GOV.UK")
- B: the summary, capability names, standard names and tags
- C: the description, the owner's name and abbreviation
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import (
    SearchQuery,
    SearchQueryCombinable,
    SearchRank,
    SearchVector,
    TrigramSimilarity,
)
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Concat, Lower
from django.db.models.sql.query import Query
from django.db.models.sql.where import WhereNode
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from platforms.models import Capability, Organisation, Platform, Standard
from platforms.search import base, text
from platforms.search.base import (
    CANDIDATES,
    FACETS_OVER_M,
    BaseSearchBackend,
    Draft,
    PlatformsOrIds,
    bounded,
    facet_counts,
    platform_ids,
)

CONFIG = "english"
# ts_rank's normalisation 32 scales a rank to rank / (rank + 1), i.e. into 0..1.
RANK_NORMALISATION = Value(32)
# Marks that cannot occur in the text (they are stripped from it first); replaced by <mark>
# after the text has been HTML-escaped.
START, STOP = "\x02", "\x03"
WORD_SIMILARITY_THRESHOLD = 0.45
# Ranking reads at most this many matches (the first registered) plus at most NAMED
# platforms the query names exactly (index platform_name_upper, migration 0005): a broad word is
# ranked within a bounded sample, and a platform named by the query is always in it.
RANKED = CANDIDATES
NAMED = 500
# Similarity scores at most this many candidates: SIMILAR_TIER from each narrow tier (all the
# draft's words, its name's words, a similar name), the rest from any of its words.
SIMILAR_CANDIDATES = 1000
SIMILAR_TIER = 200
# The narrow copy of the platform columns a search reads (migration 0007_search_speed, kept by
# triggers): a search reads it under the platform table's alias, so that the SQL Django writes
# for a platform queryset (its filters, visibility, ordering) applies unchanged.
SEARCH_ROWS = "platforms_search_row"
# The same without the document, a quarter of the size: what the typo rescue reads (its trigram
# index finds thousands of candidates for a short word, each row read to compare the name).
SEARCH_NAMES = "platforms_search_name"
PLATFORM_TABLE = f'"{Platform._meta.db_table}"'
# A platform's name as similarity compares it (``_compared_name``), kept on its search row
# (migration 0017_search_compared_name, a stored generated column): ten to twelve ms of each
# comparison's 770-odd candidates went to working it out.
COMPARED_NAME = "compared_name"
ROW_COLUMNS = frozenset(
    {
        "id",
        "state",
        "owner_id",
        "phase",
        "kind",
        "is_open_source",
        "reuse_count",
        "slug",
        "name",
        "created_at",
        "updated_at",
        "contract_end_date",
        "search_vector",
        "capability_ids",
        "standard_ids",
        COMPARED_NAME,
    }
)
NAME_COLUMNS = ROW_COLUMNS - {"search_vector", COMPARED_NAME}
# The typo rescue of a one-word query (migration 0009_search_words): the words of the names
# alike the query's (a few hundred distinct words, trigram-indexed), then the names holding one
# of them, found exactly by the GIN index on the words of each name (``search_name_words``, the
# same expression). Comparing the query with every name its trigrams pointed to read and
# compared 5,675 names for "notfy" at 100,000 platforms (25-50 ms); the words find the same.
NAME_WORDS = r"regexp_split_to_array(lower({name}), '[^[:alnum:]]+')"
PLATFORM_NAME_WORDS = NAME_WORDS.format(name=f'{PLATFORM_TABLE}."name"')
NAME_WORDS_ALIKE = PLATFORM_NAME_WORDS + (  # noqa: S608
    " && ARRAY(SELECT word FROM platforms_search_name_word WHERE word %%> %s)"
)
# Whether some platform's name holds a word (the words of the names, as NAME_WORDS splits
# them), and whether a platform's name holds it (index search_name_words).
KNOWN_NAME_WORD = "EXISTS (SELECT 1 FROM platforms_search_name_word WHERE word = %s)"
NAME_HOLDS_WORD = PLATFORM_NAME_WORDS + " @> ARRAY[%s]::text[]"
# Whether a platform holds every word of a long text (the first tier of the similar platforms,
# a draft's or a saved platform's name and summary). The index is asked for the text's
# RAREST_WORDS rarest lexemes only, by the most common elements PostgreSQL's statistics keep
# for the documents (a lexeme not among them is rarer than any of them), and every lexeme is
# then checked on the few rows found (``ts_match_vq`` is ``@@`` without an index): the same
# rows, as a platform holding all the lexemes holds any three. Intersecting the index's lists
# of all 40 words of GOV.UK Notify's summary ("send", "text" and "api" among them) took 13-15 ms
# at 100,000 platforms; its three rarest, 1 ms. Without statistics (a database never analysed)
# the three are the first in alphabetical order: the same rows, perhaps more slowly. Each
# lexeme is quoted as ``_lexeme`` quotes it.
RAREST_WORDS = 3
HOLDS_EVERY_WORD = (
    f'{PLATFORM_TABLE}."search_vector" @@ (SELECT COALESCE(string_agg('  # noqa: S608
    r"'''' || replace(replace(r.lexeme, '\', '\\'), '''', '''''') || '''', ' & ')::tsquery, "
    "plainto_tsquery(%s::regconfig, %s)) FROM (SELECT q.lexeme "
    "FROM unnest(tsvector_to_array(to_tsvector(%s::regconfig, %s))) AS q(lexeme) "
    "LEFT JOIN (SELECT unnest(most_common_elems::text::text[]) AS lexeme, "
    "unnest(most_common_elem_freqs) AS frequency FROM pg_stats "
    f"WHERE schemaname = current_schema() AND tablename = '{SEARCH_ROWS}' "
    "AND attname = 'search_vector') common USING (lexeme) "
    f"ORDER BY COALESCE(common.frequency, 0), q.lexeme LIMIT {RAREST_WORDS}) r) "
    f'AND ts_match_vq({PLATFORM_TABLE}."search_vector", plainto_tsquery(%s::regconfig, %s))'
)
# The typo correction (migration 0014_search_vocabulary): a query word whose lexeme no document
# holds is searched as itself or the nearest lexeme of the catalogue's documents (those as near,
# if several, at most TYPO_CANDIDATES), if at least TYPO_SIMILARITY alike (pg_trgm's similarity
# of the stems: "paymnt" and "payment" 0.5, "notfi" and "notifi" 0.44). Only the nearest: a
# stem stands for a family of words already, and the next ones were rarely meant ("identty" is
# "ident", identity, 0.56, not also "identif", identifier, 0.45; "lettr" is "letter", 0.44,
# not also "let", 0.43). A held word costs one primary-key lookup, no trigram comparison.
VOCABULARY = "platforms_search_vocabulary"
TYPO_SIMILARITY = 0.4
TYPO_CANDIDATES = 3
NEAREST_LEXEMES = (
    "SELECT 'word', q.lexeme, n.word, n.s FROM (SELECT DISTINCT (SELECT l.lexeme "  # noqa: S608
    "FROM unnest(to_tsvector(%s::regconfig, w)) l LIMIT 1) AS lexeme "
    "FROM unnest(%s::text[]) w) q "
    f"CROSS JOIN LATERAL (SELECT v.word, similarity(v.word, q.lexeme) AS s FROM {VOCABULARY} v "
    f"WHERE v.word %% q.lexeme ORDER BY s DESC, v.word LIMIT {TYPO_CANDIDATES}) n "
    f"WHERE NOT EXISTS (SELECT 1 FROM {VOCABULARY} h WHERE h.word = q.lexeme)"
)
# The vocabulary filled from every document (as the migration fills it).
VOCABULARY_FILL = (
    f"INSERT INTO {VOCABULARY} SELECT l FROM ts_stat("  # noqa: S608 - a constant
    "'SELECT search_vector FROM platforms_platform') s(l, ndoc, nentry) "
    "WHERE l ~ '^[[:alnum:]]+$' AND l !~ '^[0-9]+$' ON CONFLICT (word) DO NOTHING"
)
MATCH_COLUMNS = ("id", "owner_id", "phase", "is_open_source", "reuse_count", "slug")
LINK_COLUMNS = ("capability_ids", "standard_ids")
_COLUMN = re.compile(rf"{re.escape(PLATFORM_TABLE)}\.\"(\w+)\"")
_FROM = re.compile(rf"FROM {re.escape(PLATFORM_TABLE)}(?=\s|\)|$)")


def _on_search_rows(
    sql: str, table: str = SEARCH_ROWS, *, also: tuple[str, ...] = ()
) -> str | None:
    """``sql``, a query of the platform table, reading ``table`` (the search rows, or the
    search names) instead, under the same alias, and selecting its columns ``also`` after the
    others; or None when it names a column that table does not hold or reads the platform table
    more than once."""
    held = ROW_COLUMNS if table == SEARCH_ROWS else NAME_COLUMNS
    if len(_FROM.findall(sql)) != 1 or not set(_COLUMN.findall(sql)) <= held:
        return None
    columns = "".join(f', {PLATFORM_TABLE}."{column}" ' for column in also)
    return _FROM.sub(f'{columns}FROM "{table}" {PLATFORM_TABLE}', sql, count=1)


def _estimated_rows(sql: str, params: Any) -> int:
    """How many rows PostgreSQL's planner expects ``sql`` to give (one ``EXPLAIN``)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    return (plan[0] if isinstance(plan, list) else plan)["Plan"]["Plan Rows"]


# The capability and standard facets of a CTE ``m`` of search rows, from their id arrays (no
# join with the link tables).
FACETS_OF_IDS = f"""
    SELECT 'capability', c.slug, c.name, x.n FROM (SELECT unnest(capability_ids) AS id,
        COUNT(*) AS n FROM m GROUP BY 1) x JOIN {Capability._meta.db_table} c ON c.id = x.id
    UNION ALL
    SELECT 'standard', s.slug, s.name, x.n FROM (SELECT unnest(standard_ids) AS id,
        COUNT(*) AS n FROM m GROUP BY 1) x JOIN {Standard._meta.db_table} s ON s.id = x.id
"""  # noqa: S608 - table names from the models
# The five facet counts over a CTE ``m`` of search rows, each organisation looked up once.
FACETS_OVER_ROWS = f"""{FACETS_OF_IDS}    UNION ALL
    SELECT 'owner', o.slug, o.name, x.n FROM (SELECT owner_id, COUNT(*) AS n FROM m
        GROUP BY owner_id) x JOIN {Organisation._meta.db_table} o ON o.id = x.owner_id
    UNION ALL
    SELECT 'phase', m.phase, m.phase, COUNT(*) FROM m GROUP BY m.phase
    UNION ALL
    SELECT 'open_source', CASE WHEN m.is_open_source THEN 'y' ELSE 'n' END, '', COUNT(*)
        FROM m GROUP BY CASE WHEN m.is_open_source THEN 'y' ELSE 'n' END
"""  # noqa: S608 - table names from the models
# The five facets of a set of platforms given without words (browsing, or filters only: every
# published platform at first), read from the search names: a narrow row that holds the owner,
# phase, openness and the capability and standard ids. The set ``m`` is not materialised: each
# of its three readings is a scan of those rows under the set's own conditions, the owners,
# phases and openness counted in one of them (``GROUPING SETS``). At 100,000 platforms this is
# 130-150 ms where the set materialised from the platforms and joined to the link tables took
# 350-690 ms (issue 14: the search page without words).
# A middling set (a capability's 9,000 platforms, a large owner's 5,000) is read from the search
# names once, materialised: a scan of them (about 16 ms at 100,000 platforms, the floor that
# keeps smaller sets on the platforms' indexes) and then its id arrays, 35-69 ms where the set
# read from the platforms and joined to the link tables took 57-128 ms.
ROWS_FACETS_MATERIALISED_FROM = 2_500
ROWS_FACETS_FROM = 20_000
ROWS_FACETS = f"""
    g AS MATERIALIZED (
        SELECT owner_id, phase, is_open_source, COUNT(*) AS n,
            GROUPING(owner_id, phase, is_open_source) AS k
        FROM m GROUP BY GROUPING SETS ((owner_id), (phase), (is_open_source))
    ){FACETS_OF_IDS}    UNION ALL
    SELECT 'owner', o.slug, o.name, g.n FROM g
        JOIN {Organisation._meta.db_table} o ON o.id = g.owner_id WHERE g.k = 3
    UNION ALL
    SELECT 'phase', g.phase, g.phase, g.n FROM g WHERE g.k = 5
    UNION ALL
    SELECT 'open_source', CASE WHEN g.is_open_source THEN 'y' ELSE 'n' END, '', g.n
        FROM g WHERE g.k = 6
"""  # noqa: S608 - table names from the models
# Whether the words alone found fewer than a number of platforms (the CTE ``f`` of ``_best``).
FEW_HOLDING = "(SELECT COUNT(*) FROM f) < %s"


# The owners whose abbreviation is like the query (pg_trgm's ``%``, the ``trigram_similar``
# lookup; index organisation_abbreviation_trgm).
ORGANISATION_TABLE = f'"{Organisation._meta.db_table}"'
OWNERS_ALIKE = f'SELECT "id" FROM {ORGANISATION_TABLE} WHERE "abbreviation" %% %s'  # noqa: S608
# What a query is alike, in the one statement that looked up the owners alike: those owners'
# ids, and the nearest lexemes of its misspelt words (so that the correction costs a search no
# query of its own, and a word the catalogue holds only a key lookup in it).
ALIKE = (
    OWNERS_ALIKE.replace('SELECT "id"', "SELECT 'owner', \"id\"::text, NULL::text, NULL::real")
    + f" UNION ALL {NEAREST_LEXEMES}"
)
# The score of a candidate (the CTE ``c`` of ``_best``): its text rank for all the words (or a
# synonym) twice and for any of them once (one word without synonyms is the same query both
# ways: ranked once, 3 times, the planner folding the comparison of the two constant queries),
# the word similarity of its name to the query, and the similarity of its owner's abbreviation;
# all of it times the platform's standing (``base.standing_sql``: its phase and reuse).
SCORE_SQL = (
    'SELECT {t}."id", {t}."name", (((CASE WHEN ({strict} = {broad}) '
    'THEN (3 * ts_rank({t}."search_vector", {strict}, 32)) '
    'ELSE ((2 * ts_rank({t}."search_vector", {strict}, 32)) '
    '+ ts_rank({t}."search_vector", {broad}, 32)) END '
    '+ (0.8 * WORD_SIMILARITY(%s, {t}."name"))) '
    '+ (0.3 * COALESCE(SIMILARITY({o}."abbreviation", %s), 0.0))) * {standing}) '
    'FROM {table} INNER JOIN {o} ON ({t}."owner_id" = {o}."id") '
    'WHERE {t}."id" IN (SELECT id FROM c)'
)


def _tsquery_sql(search_query: SearchQuery) -> tuple[str, tuple]:
    """A text search query as SQL and its parameters, as Django writes it in a filter."""
    query = Query(Platform)
    compiler = query.get_compiler(connection=connection)
    sql, params = compiler.compile(search_query.resolve_expression(query))
    return sql, tuple(params)


@dataclass(frozen=True)
class Score:
    """How a candidate is scored, as SQL written once per search: built as ORM expressions
    (two ``SearchRank`` over combined ``SearchQuery`` in a ``Case``), it was resolved and compiled
    at every search, 3-5 ms of Python for "send text messages" at 100,000 platforms. The text
    is the one Django wrote, so the scores are the same to the last bit."""

    query: str
    strict: tuple[str, tuple]
    broad: tuple[str, tuple]

    def sql(self, table: str | None) -> tuple[str, tuple]:
        """The score of each candidate read from ``table`` (the search rows) or, with None,
        the platform table, under the platform table's name."""
        (strict, strict_params), (broad, broad_params) = self.strict, self.broad
        standing, standing_params = base.standing_sql(PLATFORM_TABLE, self.query)
        sql = SCORE_SQL.format(
            t=PLATFORM_TABLE,
            o=ORGANISATION_TABLE,
            table=f'"{table}" {PLATFORM_TABLE}' if table else PLATFORM_TABLE,
            strict=strict,
            broad=broad,
            standing=standing,
        )
        params = (
            *strict_params,
            *broad_params,
            *strict_params,
            *strict_params,
            *broad_params,
            self.query,
            self.query,
            *standing_params,
        )
        return sql, params


@dataclass(frozen=True)
class Headline:
    """The words of a query marked in a text: ``ts_headline`` over the text without our own
    marks (START and STOP), then HTML-escaped, the marks becoming ``<mark>``. Written once, for
    the texts of instances (``highlights``) and for a page's columns read in its own statement
    (the API's search, api/fast.py): the same marks either way."""

    tsquery: str  # "" when the query has no word to mark
    params: tuple

    def sql(self, text_sql: str) -> tuple[str, tuple]:
        """The headline of the SQL text ``text_sql``, to be passed to :meth:`marked`."""
        stripped = f"replace(replace(COALESCE({text_sql}, ''), chr(2), ''), chr(3), '')"
        options = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
        return (
            f"ts_headline(%s, {stripped}, ({self.tsquery}), %s)",
            (CONFIG, *self.params, options),
        )

    def marked(self, value: str | None) -> SafeString:
        """The HTML of a headline from :meth:`sql`; with no word to mark, of the text itself."""
        if not self.tsquery:
            return escape((value or "").replace(START, "").replace(STOP, ""))
        return mark_safe(  # noqa: S308 - escaped first, then only our own marks become tags
            escape(value or "").replace(START, "<mark>").replace(STOP, "</mark>")
        )


ID = f'"{Platform._meta.db_table}"."id"'
RANKED_ORDER = ("search_position",)


@dataclass(frozen=True)
class Ranked:
    """The best candidates, best first: their ids and scores as PostgreSQL array literals."""

    id_array: str
    score_array: str

    def ids(self) -> list[int]:
        inner = self.id_array.strip("{}")
        return [int(pk) for pk in inner.split(",")] if inner else []

    def scores(self) -> list[str]:
        """The scores as their text in the array literal, in the order of :meth:`ids`."""
        inner = self.score_array.strip("{}")
        return inner.split(",") if inner else []


class RankedQuery(base.RankedIdsQuery):
    """A search result selected by its ranked ids (``base.RankedIdsQuery``): a page of 20 reads
    20 wide rows, not the 1,100 candidates (60 ms at 100k platforms, most of a search request)."""

    ranked_order = RANKED_ORDER


def _compared_name(name) -> Func:
    """A name without the brand and the generic words, as ``text.name_for_comparison`` drops
    them (the expression of the search rows' COMPARED_NAME)."""
    return _regexp_replace(_regexp_replace(name, text.BRANDS_PG, " "), text.GENERIC_PG, " ")


def _regexp_replace(expression, pattern: str, replacement: str) -> Func:
    return Func(
        expression,
        Value(pattern),
        Value(replacement),
        Value("g"),
        function="regexp_replace",
        output_field=TextField(),
    )


def _names(through_model, related: str) -> Subquery:
    """The space-separated names of a platform's capabilities or standards."""
    return Subquery(
        through_model.objects.filter(platform_id=OuterRef("pk"))
        .values("platform_id")
        .annotate(names=StringAgg(f"{related}__name", " ", order_by=f"{related}__name"))
        .values("names")[:1],
        output_field=TextField(),
    )


def document() -> SearchVector:
    """The weighted search document of a platform, for ``UPDATE ... SET search_vector``."""
    name = Concat(
        F("name"),
        Value(" "),
        _regexp_replace(F("name"), r"[.\-]", ""),
        Value(" "),
        _regexp_replace(F("name"), r"[.\-]", " "),
        output_field=TextField(),
    )
    owner = Subquery(
        Organisation.objects.filter(pk=OuterRef("owner_id"))
        .annotate(text=Concat("name", Value(" "), "abbreviation", output_field=TextField()))
        .values("text")[:1],
        output_field=TextField(),
    )
    return (
        SearchVector(name, config=CONFIG, weight="A")
        + SearchVector("summary", config=CONFIG, weight="B")
        + SearchVector(
            _names(Platform.capabilities.through, "capability"), config=CONFIG, weight="B"
        )
        + SearchVector(_names(Platform.standards.through, "standard"), config=CONFIG, weight="B")
        + SearchVector(Cast("tags", TextField()), config=CONFIG, weight="B")
        + SearchVector("description", config=CONFIG, weight="C")
        + SearchVector(owner, config=CONFIG, weight="C")
    )


class AnyOf(SearchQuery):
    """A query matching any of ``phrases`` (each phrase's own words ANDed): what
    ``SearchQuery(a) | SearchQuery(b) | ...`` means, written as one flat expression. Django
    resolves and copies a chain of combined queries node by node, each time it is filtered on
    or ranked by: for a saved platform's fifty words, about 8 ms of ORM work a statement."""

    def __init__(self, phrases: tuple[str, ...]):
        super().__init__(Value(""), config=CONFIG)
        self.phrases = phrases

    def get_source_expressions(self) -> list:
        return []

    def set_source_expressions(self, exprs: list) -> None:
        assert not exprs

    def as_sql(self, compiler, connection, function=None, template=None):
        sql = " || ".join(["plainto_tsquery(%s::regconfig, %s)"] * len(self.phrases))
        params = [value for phrase in self.phrases for value in (CONFIG, phrase)]
        return (f"!!({sql})" if self.invert else f"({sql})"), params


def _any_of(phrases: Iterable[str]) -> SearchQuery | None:
    """A query matching any of the phrases (each phrase's own words ANDed)."""
    phrases = tuple(phrase for phrase in phrases if phrase.strip())
    return AnyOf(phrases) if phrases else None


def _lexeme(lexeme: str) -> str:
    """A lexeme as a ``tsquery`` literal, matched as it is (not stemmed again)."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


class Corrected(SearchQuery):
    """``query`` with each misspelt word's lexeme replaced by itself or its nearest lexemes
    (``ts_rewrite``, immutable: folded once when the statement is planned), so that the rest
    of the query keeps its meaning (every word, a phrase, a negation)."""

    def __init__(self, query: SearchQueryCombinable, corrections: tuple[tuple[str, str], ...]):
        super().__init__(query)
        self.corrections = corrections

    def as_sql(self, compiler, connection, function=None, template=None):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        for target, substitute in self.corrections:
            sql = f"ts_rewrite({sql}, %s::tsquery, %s::tsquery)"
            params = [*params, target, substitute]
        return sql, params


def _corrected(query: SearchQueryCombinable, corrections: tuple[tuple[str, str], ...]):
    return Corrected(query, corrections) if corrections else query


def _all_of(words: Iterable[str]) -> SearchQuery:
    """A query matching the platforms that hold every one of ``words``."""
    return SearchQuery(" ".join(words), search_type="plain", config=CONFIG)


def _holding_every_word(words: list[str]) -> Q:
    """The platforms holding every one of ``words``; of more than :data:`RAREST_WORDS`, found
    by the rarest (:data:`HOLDS_EVERY_WORD`)."""
    if len(words) <= RAREST_WORDS:
        return Q(search_vector=_all_of(words))
    joined = " ".join(words)
    held = RawSQL(HOLDS_EVERY_WORD, (CONFIG, joined) * 3, output_field=BooleanField())  # noqa: S611
    return Q(held)


def _best_first(row: tuple[int, float, float | None]) -> tuple:
    """The order of ``ORDER BY -(name score + text score), id`` in SQL: a row without a text
    score (never indexed) has no sum, and comes after every row with one."""
    pk, name_score, text_score = row
    if text_score is None:
        return (True, 0.0, pk)
    return (False, -(name_score + text_score), pk)


def _union_of_tiers(queryset: QuerySet, tiers: list[tuple[Q, int, str]]) -> tuple | None:
    """The SQL (and parameters) of the ids of ``queryset`` meeting any tier's condition, each
    tier capped at its number of rows, the first registered first: the same candidates on
    every request. A cap without an order took whatever rows a scan met first, and PostgreSQL
    starts a scan of a large table where a concurrent one is (synchronised scans) or splits it
    between workers: the same draft was shown different platforms from one request to the
    next. In id order a broad tier stops as early as before (the primary key is walked), which
    the most reused first would not for a reader who also sees drafts (no index serves that
    order under an OR: 200 ms at 100,000 platforms). Each tier reads its narrow copy of the
    platform columns (the search rows, or the search names) when the queryset's filters only
    name columns it holds. None when no tier can match."""
    parts, params = [], []
    for condition, cap, table in tiers:
        ids = queryset.filter(condition).order_by("pk").values("pk")[:cap]
        try:
            sql, tier_params = ids.query.sql_with_params()
        except EmptyResultSet:
            continue
        parts.append(f"({_on_search_rows(sql, table) or sql})")
        params += tier_params
    return (" UNION ".join(parts), tuple(params)) if parts else None


class PostgresSearchBackend(BaseSearchBackend):
    vendor = "postgresql"
    # Below this many results for all the words, a result with any of them is acceptable:
    # websearch_to_tsquery ANDs the words, and a long plain-words query rarely matches in full.
    fallback_below = 3
    similar_name_reason = 0.4
    similar_text_reason = 0.25

    def reindex(self, platforms: PlatformsOrIds) -> None:
        Platform.objects.filter(pk__in=platform_ids(platforms)).update(search_vector=document())
        if isinstance(platforms, Platform):
            # So that a later save() of this instance does not write the old document back.
            platforms.refresh_from_db(fields=["search_vector"])
        # The new words are in the vocabulary (a trigger): no correction remembered from before.
        self.forget()

    def reindex_all(self) -> None:
        """Every document rewritten, then the search rows put back in the order the search
        walks them (state, reuse count, slug): rows written since the last time sit wherever
        there was room, and the walk for a broad word then reads more pages."""
        super().reindex_all()
        with connection.cursor() as cursor:
            cursor.execute(f"CLUSTER {SEARCH_ROWS}")  # noqa: S608 - a constant
            cursor.execute(f"ANALYZE {SEARCH_ROWS}")
            # The words no document holds any more dropped (the triggers only add).
            with transaction.atomic():
                cursor.execute(f"DELETE FROM {VOCABULARY}")  # noqa: S608 - a constant
                cursor.execute(VOCABULARY_FILL)
            cursor.execute(f"ANALYZE {VOCABULARY}")

    def _count_facets(self, ids_sql: str, params: Any) -> dict[str, list[dict[str, Any]]]:
        """A large set (browsing, a phase: tens of thousands of platforms, by PostgreSQL's
        estimate) chosen by conditions on columns the search names hold is counted from them
        (``ROWS_FACETS``). A middling one (a capability's, a large owner's) is read from them
        once, materialised (``ROWS_FACETS_MATERIALISED_FROM``). A small one (most owners') is
        counted as everywhere else, found through the platforms' own indexes: the search names
        have none for those conditions (scanning them took about 16 ms for an owner's 35
        platforms, against 1-4 ms)."""
        # Each row is one platform (no join; a subquery only tests a row): a filter's DISTINCT
        # would only sort the rows and their id arrays (400 ms for the live platforms).
        rows_sql = None
        if "JOIN" not in ids_sql:
            rows_sql = _on_search_rows(
                ids_sql.replace("SELECT DISTINCT ", "SELECT ", 1), SEARCH_NAMES, also=LINK_COLUMNS
            )
        estimate = 0 if rows_sql is None else _estimated_rows(ids_sql, params)
        if estimate < ROWS_FACETS_MATERIALISED_FROM:
            return super()._count_facets(ids_sql, params)
        materialised = "NOT MATERIALIZED" if estimate >= ROWS_FACETS_FROM else "MATERIALIZED"
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH m(id, owner_id, phase, is_open_source, capability_ids, standard_ids) "
                f"AS {materialised} ({rows_sql}), {ROWS_FACETS}",
                params,
            )
            return facet_counts(cursor.fetchall())

    def _queries(self, query: str) -> tuple[SearchQuery, SearchQuery]:
        """(all the words or a synonym, any of the words or a synonym), a misspelt word
        standing for itself or its nearest words (:meth:`_alike`)."""
        expansions = self.expansions(query)
        strict = SearchQuery(query, search_type="websearch", config=CONFIG)
        if extra := _any_of(expansions):
            strict |= extra
        words = [w for w in text.words(query) if w not in text.STOPWORDS]
        broad = _any_of([*words, *expansions]) or strict
        _owners, corrections = self._alike(query)
        return _corrected(strict, corrections), _corrected(broad, corrections)

    def _alike(self, query: str) -> tuple[list[int], tuple[tuple[str, str], ...]]:
        """(the ids of the owners whose abbreviation is like ``query``, ((lexeme, that lexeme
        or its nearest as a tsquery), ...) for the words of 4 letters or more whose lexeme no
        document holds and that have near ones, as SQLite's ``_nearest_words``). Remembered
        for the request: the search and its highlights ask the same."""
        query = " ".join((query or "").split())
        return self.memo(("alike", query), lambda: self._lookup_alike(query))

    @staticmethod
    def _lookup_alike(query: str) -> tuple[list[int], tuple[tuple[str, str], ...]]:
        """ONE query (:data:`ALIKE`): the owners alike, and for every word its lexeme looked up
        in the vocabulary (the primary key), and only when it is not there, its nearest
        lexemes (the trigram index)."""
        words = [w for w in text.words(query) if w not in text.STOPWORDS]
        long_words = [w for w in dict.fromkeys(words) if len(w) >= 4 and not w.isdigit()]
        with connection.cursor() as cursor:
            cursor.execute(ALIKE, [query, CONFIG, long_words])
            rows = cursor.fetchall()
        owners = [int(pk) for kind, pk, _word, _s in rows if kind == "owner"]
        nearest: dict[str, list[str]] = {}
        best: dict[str, float] = {}
        near = sorted((r[1:] for r in rows if r[0] == "word"), key=lambda r: (r[0], -r[2], r[1]))
        for lexeme, candidate, similarity in near:
            best.setdefault(lexeme, similarity)
            if similarity >= max(TYPO_SIMILARITY, best[lexeme]):
                nearest.setdefault(lexeme, []).append(candidate)
        corrections = tuple(
            (_lexeme(lexeme), " | ".join(_lexeme(w) for w in [lexeme, *close]))
            for lexeme, close in nearest.items()
        )
        return owners, corrections

    @staticmethod
    def _set_trigram_threshold() -> None:
        """pg_trgm's default word similarity threshold (0.6) misses one-letter typos in short
        words ("notfy" is 0.5 like "GOV.UK Notify"). The connection sets it at start (see
        ``DATABASES`` in catalogue/settings.py); without that, set it for the session, every
        search, since a rolled-back transaction undoes it."""
        options = connection.settings_dict.get("OPTIONS", {}).get("options", "")
        if "pg_trgm.word_similarity_threshold" in options:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)",
                [str(WORD_SIMILARITY_THRESHOLD)],
            )

    def search(self, queryset: QuerySet, query: str) -> QuerySet:
        """Bounded work whatever the number of matches, in one query (two when the words
        together find almost nothing and any of them is tried): the matches are collected up to
        :data:`~platforms.search.base.COUNT_CAP` (id and facet columns only), counted and
        faceted; at most :data:`RANKED` of them, plus every platform the query names exactly, are
        scored; the best :data:`~platforms.search.base.CANDIDATES` come back as a queryset in
        that order, with their scores, without scoring them again."""
        query = " ".join((query or "").split())
        if not query:
            return queryset.annotate(score=Value(0.0, output_field=FloatField()))
        self._set_trigram_threshold()
        strict, broad = self._queries(query)
        # The trigram operators (not the functions) so that the GIN trigram index is used, and
        # the owners looked up first (with the corrections, ALIKE), so that every branch of the
        # OR is on an indexed column of the platform table (a bitmap OR, not a scan).
        owners, _corrections = self._alike(query)
        similar_name = Q(name__trigram_word_similar=query) | Q(owner_id__in=owners)
        # One word: its names alike found by word on the search rows (NAME_WORDS_ALIKE): a
        # name alike holds a word alike (word similarity is that of the best-matching part of
        # the name). Several words keep the comparison with whole names, which can span words.
        alike = {False: similar_name, True: similar_name}
        query_words = text.words(query)
        if len(query_words) == 1 and not query_words[0].isdigit():
            by_word = RawSQL(NAME_WORDS_ALIKE, (query,), output_field=BooleanField())  # noqa: S611
            alike[True] = Q(by_word) | Q(owner_id__in=owners)
        score = Score(query, _tsquery_sql(strict), _tsquery_sql(broad))
        # Always ranked, wherever the scan finds them: the platforms the query names exactly.
        named = queryset.filter(name__iexact=query)
        best, total, facets, typos = self._best(queryset, strict, alike, named, score)
        several_words = len({w for w in text.words(query) if w not in text.STOPWORDS}) > 1
        if total < self.fallback_below and several_words:  # one word: "any" is "all"
            strict = broad
            best, total, facets, typos = self._best(queryset, broad, alike, named, score)
        matches = queryset.filter(
            Q(search_vector=strict) | typos if typos is not None else Q(search_vector=strict)
        )
        ids = best.ids()
        candidates = queryset.all()
        if base.joins_nothing(candidates.query):
            # The candidates passed the queryset's filters already (while ranked): their ids
            # alone select the rows, and a page reads only its own (RankedQuery).
            candidates.query.__class__ = RankedQuery
            candidates.query.where = WhereNode()
            candidates.query.ranked_ids = ids
        # The ids and scores as two array parameters (one literal each, not 1,100 parameters
        # to plan); the scores computed once, carried over: re-scoring the candidates cost more
        # than finding them. array_position keeps the ranking's order (ties broken by name).
        id_array, score_array = best.id_array, best.score_array
        position = f"array_position(%s::bigint[], {ID})"
        # Fixed SQL: the values are parameters.
        in_ids = f"{ID} = ANY(%s::bigint[])"
        search_position = RawSQL(position, [id_array], output_field=IntegerField())  # noqa: S611
        score = RawSQL(  # noqa: S611
            f"(%s::float8[])[{position}]", [score_array, id_array], output_field=FloatField()
        )
        result = (
            candidates.extra(where=[in_ids], params=[id_array])  # noqa: S610
            .annotate(search_position=search_position, score=score)
            .order_by(*RANKED_ORDER)
        )
        result.query.search_facets = facets
        # The arrays themselves, for a caller that reads a page in its own statement (the API's
        # search: api/fast.py), with the same score expression.
        result.query.search_ranked = best
        return bounded(result, matches, min(total, base.COUNT_CAP), capped=total > base.COUNT_CAP)

    def _best(
        self,
        queryset: QuerySet,
        words: SearchQuery,
        alike: dict[bool, Q],
        named: QuerySet,
        score: Score,
    ) -> tuple[Ranked, int, dict, Q | None]:
        """(the best candidates' ids and scores, matches counted up to COUNT_CAP + 1, facets,
        the condition of the names alike if they were matched, else None), in ONE query: the
        matches are collected once as narrow rows (a materialised CTE ``m`` of id and the facet
        columns, at most COUNT_CAP + 1 of them), read by the count and the five facet counts;
        the first :data:`RANKED` of them and every exact name match (at most :data:`NAMED`) are
        scored and the best CANDIDATES kept.

        The matches are those holding the words (``f``) and, only when those are fewer than
        ``fallback_below``, those with a name (or an owner's abbreviation) like the query
        (``t``; for one word, on the search rows, a name holding a word like it:
        ``NAME_WORDS_ALIKE``): a typo's rescue ("notfy" finds "GOV.UK Notify"), as the SQLite
        backend looks up only the words the catalogue does not hold. For a word the catalogue
        holds, names alike added noise ("payments" matched "API management implements
        platform") and cost a trigram comparison for every row the scan read (half of the time
        of "payments" at 100,000 platforms); the gate is a one-time filter, so the scan of
        ``t`` does not run."""
        cap = base.COUNT_CAP
        # Most reused first (then by slug): when a broad word matches more than can be ranked,
        # the sample ranked and counted is the platforms most reused, the likeliest to be worth
        # reusing again, and the same on every request (a plain scan would start wherever a
        # concurrent one is, PostgreSQL's synchronised scans). The planner walks the
        # (state, reuse_count, slug) index for a broad word and sorts the few rows of a rare one.
        order = ("-reuse_count", "slug")
        holding = queryset.filter(search_vector=words)
        # The gate reads the CTE f of the query below.
        few = RawSQL(FEW_HOLDING, (self.fallback_below,), output_field=BooleanField())  # noqa: S611
        names = named.order_by().values_list("pk")
        try:
            names_sql, names_params = names[:NAMED].query.sql_with_params()
        except EmptyResultSet:
            names_sql, names_params = "SELECT 0 WHERE false", ()
        # Read from the narrow search rows when every column the queryset's filters name is
        # there (the API's and the pages' filters are); from the platforms otherwise.
        for narrow in (True, False):
            columns = MATCH_COLUMNS + (LINK_COLUMNS if narrow else ())
            parts = []
            # Names alike are collected whole, then ordered (in m0): from the trigram index,
            # rechecking its candidates only. Asked for the most reused first, the planner
            # walked the reuse order comparing every name (450 ms for "notfy" at 100,000
            # platforms): it does not know what a trigram comparison costs.
            similar_name = alike[narrow]
            alike_rows = queryset.filter(similar_name).filter(few).order_by()
            for walked, matches in ((True, holding), (False, alike_rows)):
                if narrow:
                    matches = matches.annotate(
                        **{
                            column: RawSQL(f'{PLATFORM_TABLE}."{column}"', ())  # noqa: S611
                            for column in LINK_COLUMNS
                        }
                    )
                selected = matches.values_list("pk", *columns[1:])
                if walked:
                    selected = selected.order_by(*order)[: cap + 1]
                try:
                    inner_sql, params = selected.query.sql_with_params()
                except EmptyResultSet:
                    inner_sql, params = (
                        "SELECT " + ", ".join(["NULL"] * len(columns)) + " WHERE false",
                        (),
                    )
                parts.append((inner_sql, params))
            if narrow:
                rewritten = [
                    _on_search_rows(parts[0][0]),
                    _on_search_rows(parts[1][0], SEARCH_NAMES),
                ]
                if None in rewritten:
                    continue
                parts = [
                    (sql, params) for sql, (_sql, params) in zip(rewritten, parts, strict=True)
                ]
            break
        scored_sql, scored_params = score.sql(SEARCH_ROWS if narrow else None)
        (holding_sql, holding_params), (alike_sql, alike_params) = parts
        named_columns = ", ".join(("id", *columns[1:]))
        # m0 holds one match more than the cap, to tell "exactly COUNT_CAP" from "more"; m
        # (what the facets read) the first COUNT_CAP.
        sql = (
            f"WITH f({named_columns}) AS MATERIALIZED ({holding_sql}), "  # noqa: S608
            f"t({named_columns}) AS MATERIALIZED ({alike_sql}), "
            # t runs only when f holds fewer than fallback_below rows: those few are left out of
            # it by id (a UNION compared every column of thousands of rows, arrays included).
            "m0 AS MATERIALIZED (SELECT * FROM (SELECT * FROM f UNION ALL "
            "SELECT * FROM t WHERE t.id NOT IN (SELECT id FROM f)) u "
            f"ORDER BY reuse_count DESC, slug LIMIT {cap + 1}), "
            f"m AS (SELECT * FROM m0 LIMIT {cap}), "
            f"c(id) AS MATERIALIZED ((SELECT id FROM m LIMIT {RANKED}) UNION ({names_sql})), "
            f"s(id, name, score) AS ({scored_sql}) "
            # The best as two array literals, ready to be the parameters of the result's query
            # (1,100 rows of text turned into numbers and back cost 2-5 ms of Python).
            "SELECT 'best', COALESCE(array_agg(b.id ORDER BY b.n)::text, '{}'), "
            "COALESCE(array_agg(b.score ORDER BY b.n)::text, '{}'), COUNT(*) FROM (SELECT id, "
            "score, ROW_NUMBER() OVER (ORDER BY score DESC, name, id) AS n FROM s ORDER BY n "
            f"LIMIT {CANDIDATES}) b "
            "UNION ALL SELECT 'total', '', '', COUNT(*) FROM m0 "
            "UNION ALL SELECT 'typos', '', '', (SELECT COUNT(*) FROM f) "
            f"UNION ALL {FACETS_OVER_ROWS if narrow else FACETS_OVER_M}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, (*holding_params, *alike_params, *names_params, *scored_params))
            rows = cursor.fetchall()
        best = next(Ranked(v, s) for facet, v, s, _n in rows if facet == "best")
        total = next(n for facet, _v, _l, n in rows if facet == "total")
        typos = next(n for facet, _v, _l, n in rows if facet == "typos") < self.fallback_below
        facets = facet_counts(r for r in rows if r[0] not in ("best", "total", "typos"))
        return best, total, facets, similar_name if typos else None

    def _text_matches(self, draft: Draft, queryset: QuerySet, limit: int) -> dict[int, tuple]:
        """Scores a bounded set of candidates (at most :data:`SIMILAR_CANDIDATES`), not every
        platform sharing a word with the draft (57,000 of 100,000 for a draft about text
        messages): those holding all its words, those holding its name's words, those with a
        similar one-word name (trigram index), then those holding any of its words; each from
        an index, each capped."""
        words = text.distinctive_words(draft.text)
        broad = _any_of([*words, *self.expansions(" ".join(words))])
        # Names compared without the brand most of them share ("GOV.UK Verify" is not like
        # "GOV.UK Notify") nor the generic words ("Widget booking service" is not like "GOV.UK
        # Platform as a Service").
        name = text.name_for_comparison(draft.name)
        tiers = []
        if words:
            tiers.append((_holding_every_word(words), SIMILAR_TIER, SEARCH_ROWS))
        if name:
            tiers.append((Q(search_vector=_all_of(name.split())), SIMILAR_TIER, SEARCH_ROWS))
        one_word = len(name.split()) == 1
        room = SIMILAR_CANDIDATES - (len(tiers) + one_word) * SIMILAR_TIER
        if one_word:
            # A one-word name: the names holding it, or, when no name holds it, it may be
            # misspelt ("Notfy"): the names alike it (trigram similarity). Not for longer names,
            # which the tier above finds by their words: the trigram index is lossy, and "text
            # message" made 6,305 rows to recheck for 3 matches. Nor for a word some name holds
            # ("Pay", "Forms"): its trigrams pointed to thousands of names to recheck (at
            # 100,000 platforms "pay" 9,663 for one match, 67 ms; "forms" 220 ms), where the
            # index of the names' words finds those holding it in 3-17 ms. Each test of the word
            # is a one-time filter: only one of the two scans runs.
            known = RawSQL(KNOWN_NAME_WORD, (name,), output_field=BooleanField())  # noqa: S611
            holding = RawSQL(NAME_HOLDS_WORD, (name,), output_field=BooleanField())  # noqa: S611
            tiers.append((Q(holding) & Q(known), SIMILAR_TIER, SEARCH_NAMES))
            tiers.append((Q(name__trigram_similar=name) & ~Q(known), SIMILAR_TIER, SEARCH_NAMES))
        if broad is not None:
            tiers.append((Q(search_vector=broad), room, SEARCH_ROWS))
        candidates = _union_of_tiers(queryset, tiers)
        if candidates is None:
            return {}
        text_similarity = (
            SearchRank(F("search_vector"), broad, normalization=RANK_NORMALISATION)
            if broad is not None
            else Value(0.0)
        )

        def scored(own_name) -> QuerySet:
            name_similarity = TrigramSimilarity(own_name, name) if name else Value(0.0)
            return (
                Platform.objects.filter(pk__in=RawSQL(*candidates))  # noqa: S611 - compiled SQL
                .annotate(
                    name_similarity=Cast(name_similarity, FloatField()),
                    text_similarity=Cast(text_similarity, FloatField()),
                )
                .order_by()
                .values_list("pk", "name_similarity", "text_similarity")
            )

        # The candidates' names as compared, from their search rows (COMPARED_NAME, computed
        # when a row is written) when the tiers read the search rows; else worked out here.
        stored = scored(RawSQL(f'{PLATFORM_TABLE}."{COMPARED_NAME}"', ()))  # noqa: S611
        sql, params = stored.query.sql_with_params()
        on_rows = _on_search_rows(sql)
        if on_rows is not None:
            with connection.cursor() as cursor:
                cursor.execute(on_rows, params)
                found = cursor.fetchall()
        else:
            found = list(scored(_compared_name(Lower("name"))))
        # Best first, ties by id, sorted here: ordered in SQL, PostgreSQL computed both scores
        # twice a row, once for the columns and once for the sort (at most 1,000 rows here).
        rows = sorted(found, key=_best_first)[:limit]
        # A row never indexed has no vector, so no text score: count it as zero.
        return {pk: (name, min((text_score or 0.0) * 2, 1.0)) for pk, name, text_score in rows}

    def highlights(
        self, platforms: Iterable[Platform], query: str, *, field: str = "summary"
    ) -> dict[int, SafeString]:
        """The name and the summary are marked in one query (a results page asks for both), the
        other remembered for a few seconds."""
        platforms = list(platforms)
        if not platforms:
            return {}

        def key(f: str) -> tuple:
            return ("highlights", query, f, tuple((p.pk, getattr(p, f)) for p in platforms))

        found = self.memo(key(field), lambda: None)
        if found is not None:
            return found
        fields = [field, *(f for f in ("name", "summary") if f != field)]
        marked = self._headlines(platforms, query, fields)
        for other in fields[1:]:
            self.memo(key(other), lambda other=other: marked[other])
        return marked[field]

    def headline(self, query: str) -> Headline:
        """How the words of ``query`` are marked in a text (see :class:`Headline`)."""
        all_words = text.words(query)
        if not all_words:  # browsing: nothing to mark, no synonyms nor typos to look up
            return Headline("", ())
        words = [w for w in all_words if w not in text.STOPWORDS]
        phrases = [*words, *self.expansions(query)]
        # A misspelt word's nearest words marked too (as tsqueries of lexemes).
        corrected = [substitute for _target, substitute in self._alike(query)[1]]
        if not phrases and not corrected:
            return Headline("", ())
        params: list = []
        for phrase in phrases:
            params += [CONFIG, phrase]
        params += corrected
        tsquery = " || ".join(
            ["plainto_tsquery(%s, %s)"] * len(phrases) + ["%s::tsquery"] * len(corrected)
        )
        return Headline(tsquery, tuple(params))

    def _headlines(
        self, platforms: list[Platform], query: str, fields: list[str]
    ) -> dict[str, dict[int, SafeString]]:
        texts = [getattr(p, f) or "" for f in fields for p in platforms]
        headline = self.headline(query)
        if not headline.tsquery:
            marked = [headline.marked(t) for t in texts]
        else:
            sql, params = headline.sql("t")
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {sql} "  # noqa: S608 - placeholders
                    "FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n",
                    [*params, texts],
                )
                marked = [headline.marked(row[0]) for row in cursor.fetchall()]
        n = len(platforms)
        return {
            f: {p.pk: marked[i * n + j] for j, p in enumerate(platforms)}
            for i, f in enumerate(fields)
        }
