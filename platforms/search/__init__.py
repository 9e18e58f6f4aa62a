"""Search and duplicate detection for the catalogue: one interface, a backend per database.

:func:`get_backend` picks the backend once, from the default connection's vendor (as Wagtail's
database search backends do): :class:`~platforms.search.postgres.PostgresSearchBackend` on
PostgreSQL, :class:`~platforms.search.portable.PortableSearchBackend` anywhere else (SQLite).
Callers (the admin, the API, the public pages) use only these functions::

    search(queryset, query) -> queryset annotated with ``score``, best first
    facets(queryset) -> {"capability"|"owner"|"phase"|"standard"|"open_source": [
                         {"value", "label", "count"}, ...]}
    similar(draft, queryset=..., exclude=None, limit=10) -> [SimilarPlatform(platform, score,
                                                              reasons)]
    highlight(platform, query, field="summary") -> SafeString;  highlights(platforms, ...) -> {pk:}
    reindex(platform | id | platforms | ids | queryset);  reindex_all()

Visibility is the caller's: pass ``Platform.objects.visible_to(user)`` (or narrower) as the
queryset. Synonyms (``platforms.models.Synonym``, edited in the admin) expand every query.

Indexes the queries rely on (for the 100k-platform benchmark):

- ``platforms_search_row`` (migration ``0007_search_speed``): the narrow copy of the platform
  columns a search reads, kept by triggers; its ``(state, reuse_count DESC, slug)`` index (the
  walk for a broad word, the table clustered on it), its GIN index on the document and its
  trigram index on the name (``platforms_search_name``, the same without the document, for
  the typo rescue). The PostgreSQL backend searches it under the platform table's
  alias, and falls back to the platform table (the indexes below) for a queryset filtered on
  a column it does not hold.

- ``platforms_search_name_word`` (migration ``0009_search_words``): the distinct words of the
  platform names, trigram-indexed, kept by a trigger; with the GIN index ``search_name_words``
  on the words of each search name, the typo rescue of a one-word query ("notfy") finds the
  words alike, then the names holding them, without comparing names. The owners whose
  abbreviation is like the query come from ``organisation_abbreviation_trgm``.

- ``platform_search_vector_gin`` (GIN on ``search_vector``): the ``@@`` full-text match.
- ``platform_name_trgm`` (GIN ``gin_trgm_ops`` on ``name``): the ``%>``/``%`` trigram matches
  (``trigram_word_similar``/``trigram_similar`` lookups, thresholds from ``pg_trgm``'s
  ``word_similarity_threshold`` 0.6 and ``similarity_threshold`` 0.3), for the querysets the
  search rows cannot answer and for queries of several words.
- Facets: the many-to-many tables' ``(platform_id, capability_id)``/``(platform_id,
  standard_id)`` unique indexes and ``platforms_platform``'s primary key, each joined to the
  matched-ids subquery; five ``GROUP BY`` queries per facet request, whatever the result size.
- ``search_vector`` is kept current by ``platforms.services`` (register, update) and the admin's
  ``save_related``. Renaming an organisation, capability or standard does not reindex: call
  ``reindex_all()`` (or ``reindex`` on the affected platforms) after such a change or a bulk load
  that bypasses the services.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import connection

from platforms.search.base import (
    COUNT_CAP,
    BaseSearchBackend,
    SimilarPlatform,
    count_is_capped,
    total_matches,
)

__all__ = [
    "COUNT_CAP",
    "BaseSearchBackend",
    "SimilarPlatform",
    "count_is_capped",
    "facets",
    "get_backend",
    "highlight",
    "highlights",
    "reindex",
    "reindex_all",
    "search",
    "similar",
    "total_matches",
]


@cache
def _backend_for(vendor: str) -> BaseSearchBackend:
    if vendor == "postgresql":
        from platforms.search.postgres import PostgresSearchBackend

        return PostgresSearchBackend()
    from platforms.search.portable import PortableSearchBackend

    return PortableSearchBackend()


def forget() -> None:
    """Drop what the backends remember for a few seconds (synonyms, typo lookups)."""
    get_backend().forget()


def get_backend() -> BaseSearchBackend:
    """The search backend for the default database."""
    return _backend_for(connection.vendor)


def search(queryset, query: str):
    return get_backend().search(queryset, query)


def facets(queryset, *, reader=None) -> dict[str, list[dict[str, Any]]]:
    return get_backend().facets(queryset, reader=reader)


def counted(facets: dict[str, list[dict[str, Any]]]) -> int:
    """How many platforms ``facets`` counted: every platform has one phase, so the phase facet
    sums to the list's length (browsing needs no ``COUNT`` of its own: a scan of every platform
    for a filter no index serves, such as open source, took 99 ms at 100,000 platforms)."""
    return sum(entry["count"] for entry in facets["phase"])


def similar(draft, **kwargs) -> list[SimilarPlatform]:
    return get_backend().similar(draft, **kwargs)


def highlight(platform, query: str, **kwargs):
    return get_backend().highlight(platform, query, **kwargs)


def highlights(platforms, query: str, **kwargs):
    return get_backend().highlights(platforms, query, **kwargs)


def reindex(platforms) -> None:
    get_backend().reindex(platforms)


def reindex_all() -> None:
    get_backend().reindex_all()
