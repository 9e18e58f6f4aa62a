"""The "did you mean" of the search page: when nothing matches, the closest words the catalogue
uses (platform, capability and owner names), found with difflib, and only if they find something."""

from __future__ import annotations

import re
from difflib import get_close_matches

from django.db.models import QuerySet

from platforms import search
from platforms.models import Capability

WORD = re.compile(r"[A-Za-z0-9]+")


def vocabulary(platforms: QuerySet) -> set[str]:
    """The words of the names an architect could have meant: two queries, whatever the query."""
    names = list(platforms.values_list("name", "owner__abbreviation"))
    names += [(name, "") for name in Capability.objects.values_list("name", flat=True)]
    return {word.lower() for pair in names for text in pair if text for word in WORD.findall(text)}


def suggest(query: str, platforms: QuerySet) -> str | None:
    """A corrected query that finds at least one platform, or ``None``."""
    words = WORD.findall(query.lower())
    if not words:
        return None
    known = vocabulary(platforms)
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
