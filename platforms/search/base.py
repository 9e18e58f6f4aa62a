"""What every search backend offers, and the parts that are the same on every database."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import Col
from django.db.models.lookups import Exact, In
from django.db.models.sql.query import Query
from django.db.models.sql.where import AND, OR, WhereNode
from django.utils.safestring import SafeString

from platforms.models import (
    Capability,
    FacetCount,
    Organisation,
    Platform,
    Standard,
    Synonym,
)
from platforms.search import text

PlatformsOrIds = Platform | int | Iterable[Platform | int] | QuerySet
FACETS = ("capability", "owner", "phase", "standard", "open_source")
MEMO_SECONDS = 2.0
MEMO_SIZE = 1000
# Ranking reads at most this many of the best matches (the deepest ranked page is
# api.pagination.MAX_RANKED_OFFSET plus a page): a broad word matching a quarter of the
# catalogue is ranked once, narrowly (id and score), and only the candidates are read in full.
CANDIDATES = 1100
# A search counts (and facets) at most this many matches: beyond it, the count is "more than
# COUNT_CAP" (see :func:`count_is_capped`), so that a word in a quarter of a national catalogue
# costs the same as a rarer one. The API and the search page say so. Each match counted is a
# read of its (wide) platform row: at 100k platforms, 10,000 cost about 3x 2,000 (EXPLAIN in
# BENCHMARKS.md), and "more than 2,000 found: add words or filters" helps as much.
COUNT_CAP = 2_000
# A search is for something to reuse: of two platforms the words match alike, the one in
# service and used by more organisations comes first. Each backend multiplies its text score by
# this standing: a retired platform's by 0.4 and a retiring one's by 0.7 (the platform that
# replaces it, if the query finds it, comes first), unless every word of the query is a word of
# its name (whoever types "GOV.UK Verify", "verify" or "paas" is looking for that platform);
# reuse lifts a score by n / (n + REUSE_HALF) for n other organisations using it, so it at most
# doubles: no number of adopters turns a weak match into a strong one. Plain SQL arithmetic and
# LIKE, the same on PostgreSQL and SQLite.
PHASE_WEIGHTS = {Platform.Phase.RETIRED: 0.4, Platform.Phase.RETIRING: 0.7}
REUSE_LIFT = 1.0
REUSE_HALF = 20
# A name's words between spaces, in two spellings ("GOV.UK Platform as a Service (PaaS)" holds
# " gov uk platform as a service  paas  " and " govuk platform ... "), as text.words finds them
# in a query ("GOV.UK" gives gov, uk and govuk).
_SEPARATORS = ".()-,/:;&'\"+!?[]"


def _name_words(column: str) -> str:
    spaced = f"LOWER({column})"
    for separator in _SEPARATORS:
        spaced = f"REPLACE({spaced}, '{separator.replace(chr(39), chr(39) * 2)}', ' ')"
    joined = f"REPLACE(REPLACE(LOWER({column}), '.', ''), '-', '')"
    return f"(' ' || {spaced} || ' ' || {joined} || ' ')"


def standing_sql(table: str, query: str) -> tuple[str, list[str]]:
    """The standing of the platforms in ``table`` (a table or CTE holding ``name``, ``phase``
    and ``reuse_count``) for ``query``, as SQL and its parameters."""
    words = list(dict.fromkeys(text.words(query)))
    haystack = _name_words(f'{table}."name"')
    named = " AND ".join(f"{haystack} LIKE %s" for _ in words) or "FALSE"
    phases = " ".join(f"WHEN '{phase.value}' THEN {w}" for phase, w in PHASE_WEIGHTS.items())
    count = f'{table}."reuse_count"'
    leaving = ", ".join(f"'{phase.value}'" for phase in PHASE_WEIGHTS)
    # The phase is asked first: the name's words are made only for the platforms leaving
    # service (making them for all 1,100 candidates cost a search 2 ms at 100,000 platforms).
    sql = (
        f'(CASE WHEN {table}."phase" NOT IN ({leaving}) THEN 1.0 WHEN {named} THEN 1.0 '
        f'ELSE CASE {table}."phase" {phases} END END'
        f" * (1.0 + {REUSE_LIFT} * {count} / ({count} + {REUSE_HALF}.0)))"
    )
    return sql, [f"% {word} %" for word in words]


def named_by(query: str, name: str) -> bool:
    """Whether every word of ``query`` is a word of ``name`` (what ``standing_sql`` tests)."""
    return set(text.words(query)) <= set(text.words(name))


def standing(phase: str, reuse_count: int, *, named: bool = False) -> float:
    """``standing_sql`` for one platform, in Python (what the tests and the documentation
    state); ``named``: every word of the query is a word of its name."""
    weight = 1.0 if named else PHASE_WEIGHTS.get(phase, 1.0)
    return weight * (1.0 + REUSE_LIFT * reuse_count / (reuse_count + REUSE_HALF))


# Similarity weighs the capability overlap of at most this many platforms beyond its text
# matches: the most reused of those meeting the draft's capabilities.
SIMILAR_BY_CAPABILITY = 200


def _facets_over_m() -> str:
    """The five facet counts over a CTE ``m(id, owner_id, phase, is_open_source)``, as rows
    (facet, value, label, count)."""
    organisation = Organisation._meta.db_table
    capability_links = Platform.capabilities.through._meta.db_table
    standard_links = Platform.standards.through._meta.db_table
    capability, standard = Capability._meta.db_table, Standard._meta.db_table
    return f"""
        SELECT 'capability', c.slug, c.name, COUNT(*) FROM m
            JOIN {capability_links} l ON l.platform_id = m.id
            JOIN {capability} c ON c.id = l.capability_id GROUP BY c.slug, c.name
        UNION ALL
        SELECT 'standard', s.slug, s.name, COUNT(*) FROM m
            JOIN {standard_links} l ON l.platform_id = m.id
            JOIN {standard} s ON s.id = l.standard_id GROUP BY s.slug, s.name
        UNION ALL
        SELECT 'owner', o.slug, o.name, COUNT(*) FROM m
            JOIN {organisation} o ON o.id = m.owner_id GROUP BY o.slug, o.name
        UNION ALL
        SELECT 'phase', m.phase, m.phase, COUNT(*) FROM m GROUP BY m.phase
        UNION ALL
        SELECT 'open_source', CASE WHEN m.is_open_source THEN 'y' ELSE 'n' END, '', COUNT(*)
            FROM m GROUP BY CASE WHEN m.is_open_source THEN 'y' ELSE 'n' END
    """  # noqa: S608 - table names from the models


FACETS_OVER_M = _facets_over_m()


def _kept_facets() -> str:
    """The five facet counts of the platforms a reader may see, of some phases and openness,
    from the figures kept for them (``FacetCount``): ``{where}``, the conditions on a kept row's
    scope (``selectors._sql.visible_scopes``), phase and openness. The rows are summed once, per
    owner, capability and standard, and per phase and openness of the platforms themselves (at
    100,000 platforms, 15,000 rows for everything published: most are an owner's in a phase)."""
    tables = {
        "capability": Capability._meta.db_table,
        "standard": Standard._meta.db_table,
        "owner": Organisation._meta.db_table,
    }
    named = "".join(
        f"""
        SELECT '{facet}', t.slug, t.name, g.n FROM g JOIN {table} t ON t.id = g.value
            WHERE g.facet = '{facet}'
        UNION ALL"""  # noqa: S608 - table names from the models
        for facet, table in tables.items()
    )
    own = "CASE WHEN facet = 'platform' THEN {} END"
    return f"""
        WITH g AS (
            SELECT facet, value, {own.format("phase")} AS phase,
                {own.format("is_open_source")} AS is_open_source,
                CAST(SUM(platforms) AS BIGINT) AS n
            FROM {FacetCount._meta.db_table} WHERE {{where}}
            GROUP BY facet, value, {own.format("phase")}, {own.format("is_open_source")}
        ){named}
        SELECT 'phase', phase, phase, CAST(SUM(n) AS BIGINT) FROM g
            WHERE facet = 'platform' GROUP BY phase
        UNION ALL
        SELECT 'open_source', CASE WHEN is_open_source THEN 'y' ELSE 'n' END, '',
            CAST(SUM(n) AS BIGINT) FROM g WHERE facet = 'platform'
            GROUP BY CASE WHEN is_open_source THEN 'y' ELSE 'n' END
    """  # noqa: S608 - table names from the models


KEPT_FACETS = _kept_facets()
_PHASE = Platform._meta.get_field("phase")
_OPEN_SOURCE = Platform._meta.get_field("is_open_source")


def _visible_sql(reader: Any) -> tuple[str, tuple]:
    """The statement :meth:`BaseSearchBackend.facets` writes for every platform ``reader`` may
    see, and its parameters: a set given by the same statement is that one."""
    ids = Platform.objects.visible_to(reader).order_by()
    sql, params = ids.values("pk", "owner_id", "phase", "is_open_source").query.sql_with_params()
    return sql, tuple(params)


def _values_on(condition: Any, field: Any) -> set | None:
    """The values ``condition`` (a node of a query's WHERE) lets ``field`` of the platform table
    take, when it is only that (``=``, ``IN``, or an ``OR`` of those); else None."""
    if isinstance(condition, WhereNode):
        if condition.negated or condition.connector != OR or not condition.children:
            return None
        found: set = set()
        for child in condition.children:
            values = _values_on(child, field)
            if values is None:
                return None
            found |= values
        return found
    lhs = getattr(condition, "lhs", None)
    if not (
        isinstance(condition, Exact | In)
        and isinstance(lhs, Col)
        and lhs.target is field
        and lhs.alias == Platform._meta.db_table
    ):
        return None
    rhs = condition.rhs
    if isinstance(condition, In):
        return set(rhs) if isinstance(rhs, list | tuple | set) else None
    return None if hasattr(rhs, "resolve_expression") else {rhs}


def _kept_filters(query: Query, reader: Any) -> tuple[set | None, set | None] | None:
    """(the phases, the openness values) that ``query`` (of the ids whose facets are counted)
    asks for beside every platform ``reader`` may see, None for either when it does not; or
    None when it asks for anything else: its other conditions must give the very statement of
    :func:`_visible_sql`."""
    where = query.where
    if where.connector != AND or where.negated:
        return None
    phases: set | None = None
    open_source: set | None = None
    rest = []
    for condition in where.children:
        if (values := _values_on(condition, _PHASE)) is not None:
            phases = values if phases is None else phases & values
        elif (values := _values_on(condition, _OPEN_SOURCE)) is not None:
            open_source = values if open_source is None else open_source & values
        else:
            rest.append(condition)
    visible = query.clone()
    visible.where = WhereNode(rest, AND)
    visible.distinct = False  # one row per platform either way: no join
    try:
        sql, params = visible.sql_with_params()
    except EmptyResultSet:
        return None
    if (sql, tuple(params)) != _visible_sql(reader):
        return None
    return phases, open_source


def _kept_facet_counts(
    reader: Any, phases: set | None, open_source: set | None
) -> dict[str, list[dict[str, Any]]]:
    """The facets of the platforms ``reader`` may see, of ``phases`` and ``open_source`` (sets
    of values, None for any), from ``FacetCount``."""
    from platforms.selectors._sql import visible_scopes

    if phases == set() or open_source == set():
        return facet_counts([])
    where, params = visible_scopes(reader, "scope")
    if phases is not None:
        where += f" AND phase IN ({', '.join(['%s'] * len(phases))})"
        params = [*params, *sorted(phases)]
    if open_source is not None and len(open_source) == 1:
        where += " AND is_open_source = %s"
        params = [*params, bool(next(iter(open_source)))]
    with connection.cursor() as cursor:
        cursor.execute(KEPT_FACETS.format(where=where), params)
        return facet_counts(cursor.fetchall())


def facet_counts(rows) -> dict[str, list[dict[str, Any]]]:
    """The facets as the API shows them, from (facet, value, label, count) rows."""
    phase_labels = dict(Platform.Phase.choices)
    keyed: dict[str, list[tuple]] = {name: [] for name in FACETS}
    for facet, value, label, count in rows:
        if facet == "phase":
            label = phase_labels.get(value, value)
        elif facet == "open_source":
            value = value == "y"
            label = "Open source" if value else "Not open source"
        entries = keyed[facet]
        # Most first, then by value; the arrival order breaks a tie (a stable sort). Sorted as
        # plain tuples, the entries made after: a third less time for 900 owners than sorting
        # the entries with a key function.
        entries.append((-count, str(value), len(entries), value, label, count))
    return {
        name: [{"value": v, "label": lab, "count": n} for _c, _s, _i, v, lab, n in sorted(entries)]
        for name, entries in keyed.items()
    }


def bounded(result: QuerySet, matches: QuerySet, total: int, *, capped: bool = False) -> QuerySet:
    """Mark a ranked ``result`` (the best candidates) with every match and their number: the
    facets and the count describe all matches, not only the candidates (or, when ``capped``,
    the first :data:`COUNT_CAP` of them). Kept on ``query``, which Django copies with every
    clone of the queryset."""
    result.query.search_all_matches = matches
    result.query.search_total = total
    result.query.search_capped = capped
    return result


def all_matches(queryset: QuerySet) -> QuerySet:
    """Every platform a search matched (``queryset`` itself if it is not a bounded result)."""
    matches = getattr(queryset.query, "search_all_matches", None)
    return queryset if matches is None else matches


def total_matches(queryset: QuerySet) -> int | None:
    """How many platforms a bounded search matched, or None for another queryset."""
    return getattr(queryset.query, "search_total", None)


def count_is_capped(queryset: QuerySet) -> bool:
    """Whether a search stopped counting at :data:`COUNT_CAP`: then more platforms match than
    :func:`total_matches` says, and the facets count the first ``COUNT_CAP`` of them."""
    return bool(getattr(queryset.query, "search_capped", False))


@dataclass(frozen=True)
class SimilarPlatform:
    """An existing platform that looks like the one being registered, and why."""

    platform: Platform
    score: float
    reasons: list[str] = field(default_factory=list)


def _prefetched_capabilities(platform: Platform) -> list[Capability] | None:
    """The platform's capabilities if a ``prefetch_related`` already read them, else ``None``."""
    found = getattr(platform, "_prefetched_objects_cache", {}).get("capabilities")
    return None if found is None else list(found)


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
            prefetched = _prefetched_capabilities(fields)
            if prefetched is not None:
                capability_ids = frozenset(c.pk for c in prefetched)
            elif fields.pk:
                capability_ids = frozenset(fields.capabilities.values_list("pk", flat=True))
            else:
                capability_ids = frozenset()
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
        """The synonyms, read at most once every few seconds per process (a search request used
        to read them three times). A change in the admin clears this process's copy at once
        (``forget``); other processes see it within ``MEMO_SECONDS``."""
        return self.memo(
            "synonyms", lambda: [(s.term, s.expansion_list) for s in Synonym.objects.all()]
        )

    # --- a short memory, so that one request does not repeat the same small query -------------

    def memo(self, key, compute):
        now = time.monotonic()
        store = self.__dict__.setdefault("_memo", {})
        found = store.get(key)
        if found is not None and now - found[0] < MEMO_SECONDS:
            return found[1]
        if len(store) > MEMO_SIZE:
            store.clear()
        value = compute()
        store[key] = (now, value)
        return value

    def forget(self) -> None:
        self.__dict__.pop("_memo", None)

    def expansions(self, query: str) -> list[str]:
        """The synonyms' expansions that apply to ``query``."""
        synonyms = self.synonyms()
        # Their terms stemmed once per reading of the synonyms, not at every query (a search
        # request asks twice: to match and to mark the words).
        stemmed = self.__dict__.get("_stemmed")
        if stemmed is None or stemmed[0] is not synonyms:
            stemmed = self.__dict__["_stemmed"] = (synonyms, text.stemmed_synonyms(synonyms))
        return text.expansions_for(query, synonyms, stemmed=stemmed[1])

    def reindex_all(self) -> None:
        self.reindex(Platform.objects.all())

    def highlight(self, platform: Platform, query: str, *, field: str = "summary") -> SafeString:
        """``field`` of ``platform`` as HTML, with the words that match ``query`` marked."""
        return self.highlights([platform], query, field=field)[platform.pk]

    def facets(self, queryset: QuerySet, *, reader: Any = None) -> dict[str, list[dict[str, Any]]]:
        """Counts of the platforms in ``queryset`` (usually a search result) by capability,
        owner, phase, standard and open source, in ONE query: the matched ids are computed once
        (a materialised CTE) and the five ``GROUP BY`` queries read them. For a search result,
        over every match, not only the ranked candidates (see :func:`all_matches`); a backend
        that counted them while ranking (PostgreSQL) hands them over without a query. When
        ``queryset`` is every platform ``reader`` (a user) may see, or those of some phases or
        openness, as browsing without words asks, they are read from the figures kept for them
        (``FacetCount``: 15,000 rows for everything published at 100,000 platforms, where
        counting 90,000 platforms took 135-213 ms)."""
        counted = getattr(queryset.query, "search_facets", None)
        if counted is not None:
            # Lists the caller may change; the entries are shared, not copied (copying 900
            # owners' entries took 4 ms of a search request at 100,000 platforms).
            return {name: list(entries) for name, entries in counted.items()}
        # The CTE carries the platform columns the facets count, so that only the (small)
        # link and reference tables are joined to it, never the wide platform table again.
        ids = all_matches(queryset).order_by().values("pk", "owner_id", "phase", "is_open_source")
        try:
            ids_sql, params = ids.query.sql_with_params()
        except EmptyResultSet:
            return facet_counts([])
        if reader is not None and (kept := _kept_filters(ids.query, reader)) is not None:
            return _kept_facet_counts(reader, *kept)
        return self._count_facets(ids_sql, params)

    def _count_facets(self, ids_sql: str, params: Any) -> dict[str, list[dict[str, Any]]]:
        """The facets of the platforms ``ids_sql`` selects (their id, owner id, phase and
        openness), in one query."""
        sql = f"WITH m(id, owner_id, phase, is_open_source) AS MATERIALIZED ({ids_sql}) " + (
            FACETS_OVER_M
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return facet_counts(cursor.fetchall())

    def similar(
        self,
        draft: Mapping[str, Any] | Platform,
        *,
        queryset: QuerySet | None = None,
        exclude: Platform | int | None = None,
        limit: int = 10,
        rows: QuerySet | None = None,
    ) -> list[SimilarPlatform]:
        """The platforms of ``queryset`` (default: published ones) that look like ``draft`` — a
        saved platform or the fields of an unsaved one (name, summary, description,
        capabilities as objects, ids or slugs) — best first, each with its reasons. The
        platforms found are read from ``rows`` (default: with their owner and replacement), so
        that a caller showing them as listing rows reads them once."""
        if isinstance(draft, Platform) and draft.pk and exclude is None:
            exclude = draft
        # A platform read for its page has its capabilities prefetched: their names too.
        known = _prefetched_capabilities(draft) if isinstance(draft, Platform) else None
        draft = Draft.from_fields(draft)
        if queryset is None:
            queryset = Platform.objects.published()
        if exclude is not None:
            queryset = queryset.exclude(pk=exclude.pk if isinstance(exclude, Platform) else exclude)
        if not (draft.text.strip() or draft.capability_ids):
            return []

        matches = self._text_matches(draft, queryset, limit * 5) if draft.text.strip() else {}
        shared: dict[int, set[int]] = {}
        if draft.capability_ids:
            through = Platform.capabilities.through.objects
            # Bounded however many platforms meet the capability (thousands at national
            # scale): the text matches, and the most reused of the others.
            sharing = (
                queryset.filter(
                    pk__in=through.filter(capability_id__in=draft.capability_ids).values(
                        "platform_id"
                    )
                )
                .order_by("-reuse_count", "pk")
                .values("pk")[:SIMILAR_BY_CAPABILITY]
            )
            # Each set of platforms looked up by its own (platform, capability) pairs, joined by
            # UNION: under an OR, PostgreSQL read every link of the capability (9,184 of them
            # for notifications at 100,000 platforms) to test each against both (13 ms, 9 now).
            pairs = through.filter(capability_id__in=draft.capability_ids)
            links = pairs.filter(platform_id__in=sharing).values_list(
                "platform_id", "capability_id"
            )
            if matches:
                links = links.union(
                    pairs.filter(platform_id__in=list(matches)).values_list(
                        "platform_id", "capability_id"
                    )
                )
            for platform_id, capability_id in links:
                shared.setdefault(platform_id, set()).add(capability_id)

        scores: dict[int, tuple[float, float, float]] = {}
        for pk in set(shared) | set(matches):
            overlap = len(shared.get(pk, ())) / max(len(draft.capability_ids), 1)
            name_similarity, text_similarity = matches.get(pk, (0.0, 0.0))
            score = 0.4 * overlap + 0.35 * name_similarity + 0.6 * text_similarity
            if score >= self.similar_min_score:
                scores[pk] = (score, name_similarity, text_similarity)
        # Equal scores: the first registered first.
        best = sorted(scores, key=lambda pk: (-scores[pk][0], pk))[:limit]
        if rows is None:
            rows = Platform.objects.select_related("owner", "replaced_by")
        platforms = rows.filter(pk__in=best)
        if known is not None:
            capability_names = {c.pk: c.name for c in known}
        else:
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


def joins_nothing(query: Query) -> bool:
    """Whether ``query`` is a plain query of the platform table alone, so that a search's
    candidates, which passed its filters already, are selected by their ids alone. A join set up
    and trimmed again does not count: ``visible_to(member)`` leaves one to the organisations
    (``owner_id__in``) that no SQL reads, and counting it sent every member's search down the
    slower path (the page read all the candidates' rows, and its count was one query more)."""
    used = [alias for alias in query.alias_map if query.alias_refcount.get(alias)]
    return type(query) is Query and len(used) <= 1


class RankedIdsQuery(Query):
    """The query of a search result that selects its rows by their ids alone (``ranked_ids``,
    best first, in the backend's ``ranked_order``). While it is still that (ordered by rank, no
    filter added since), a slice reads only the slice's rows: the page of a paginator fetches 20
    rows, not the 1,100 candidates (at 100k platforms, most of a search request), and its count
    is the number of ids, without a query. Each backend sets ``ranked_order``."""

    ranked_ids: list[int]
    ranked_order: tuple[str, ...] = ()

    def intact(self) -> bool:
        """Whether the query still selects the ranked ids alone, in their order."""
        return (
            tuple(self.order_by) == self.ranked_order
            and len(self.where.children) == 1
            and not self.distinct
            and not self.extra
            and not self.combinator
        )

    def set_limits(self, low=None, high=None):
        if not self.intact():
            return super().set_limits(low, high)
        ids = self.ranked_ids[low:high]
        self.ranked_ids = ids
        self.where = WhereNode()
        self.add_q(Q(pk__in=ids))
        return super().set_limits(0, len(ids))

    def get_count(self, using):
        if self.intact() and not self.is_sliced:
            return len(self.ranked_ids)
        return super().get_count(using)
