"""The "did you mean" of the search page: when nothing matches, the closest words the catalogue
uses (platform, capability and owner names), found with difflib, and only if they find something.

Bounded whatever the number of platforms: the platform names compared are only those the
database's own typo lookup finds near the query's words (PostgreSQL: pg_trgm's word similarity
through the GIN trigram index on the name; SQLite: the search backend's FTS5 trigram table of
words), never every name in the catalogue. The words cost one query (two on SQLite), then a
search checks that the suggestion finds something."""

from __future__ import annotations

import re
from difflib import get_close_matches

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Greatest

from platforms import search
from platforms.models import Capability, Organisation

WORD = re.compile(r"[A-Za-z0-9]+")
# The query words looked at (a longer query is cut), and the platform names near them read.
MAX_WORDS = 8
NEAR_NAMES = 50


def _words(texts) -> set[str]:
    return {word.lower() for text in texts if text for word in WORD.findall(text)}


def _reference_names() -> QuerySet:
    """(name, "") for every capability name and organisation abbreviation (reference tables, a
    few thousand rows at most): two columns, as the near platform names."""
    blank = Value("")
    return (
        Capability.objects.order_by()
        .annotate(blank=blank)
        .values_list("name", "blank")
        .union(
            Organisation.objects.exclude(abbreviation="")
            .order_by()
            .annotate(blank=blank)
            .values_list("abbreviation", "blank"),
            all=True,
        )
    )


def _near_platform_words(words: list[str], platforms: QuerySet) -> set[str]:
    """The words of the visible platform names (and their owners' abbreviations) that look like
    one of ``words``, and the reference names: one query on PostgreSQL, two on SQLite."""
    if connection.vendor == "postgresql":
        near = Q()
        for word in words:
            near |= Q(name__trigram_word_similar=word)
        similarity = [TrigramWordSimilarity(word, "name") for word in words]
        rows = (
            platforms.filter(near)
            .annotate(nearness=Greatest(*similarity) if len(similarity) > 1 else similarity[0])
            .order_by("-nearness", "pk")
            .values_list("name", "owner__abbreviation")[:NEAR_NAMES]
        )
        # With the reference names: one statement.
        return _words(text for pair in _reference_names().union(rows, all=True) for text in pair)
    backend = search.get_backend()
    nearest = getattr(backend, "_nearest_words", None)
    if nearest is None:  # a backend without a typo lookup: the names that hold a word
        near = Q()
        for word in words:
            near |= Q(name__icontains=word)
        rows = platforms.filter(near).values_list("name", "owner__abbreviation")[:NEAR_NAMES]
        return _words(text for pair in rows for text in pair) | _words(
            text for pair in _reference_names() for text in pair
        )
    # SQLite: the real words nearest each misspelt one; then, in one statement, the query words
    # the catalogue holds and the reference names.
    found = {real for candidates in nearest(words).values() for real in candidates}
    names_sql, names_params = _reference_names().query.sql_with_params()
    with connection.cursor() as cursor:
        placeholders = ", ".join(["%s"] * len(words))
        cursor.execute(
            f"SELECT word, '' FROM platforms_search_word WHERE word IN ({placeholders}) "  # noqa: S608
            f"UNION ALL {names_sql}",
            [*words, *names_params],
        )
        held = {row[0] for row in cursor.fetchall()}
    return found | _words(held)


def vocabulary(words: list[str], platforms: QuerySet) -> set[str]:
    """The words an architect could have meant: near platform names, every capability name and
    every organisation's abbreviation."""
    return _near_platform_words(words, platforms)


def suggest(query: str, platforms: QuerySet) -> str | None:
    """A corrected query that finds at least one platform, or ``None``."""
    words = WORD.findall(query.lower())[:MAX_WORDS]
    if not words:
        return None
    known = vocabulary(list(dict.fromkeys(words)), platforms)
    corrected = []
    for word in words:
        if word in known:
            corrected.append(word)
        else:  # the closest known word, or leave out a word that looks like none of them
            corrected.extend(get_close_matches(word, known, n=1, cutoff=0.7))
    if not corrected or corrected == words:
        return None
    suggestion = " ".join(corrected)
    return suggestion if search.search(platforms, suggestion).exists() else None
