"""Links to many records of one kind on one page, from one ``reverse()`` of their URL pattern.

A page that lists 100 platforms with their owners reversed 150 URLs one by one (``{% url %}`` in
the rows): each ``reverse()`` walks the resolver's possibilities, converts and matches its
arguments against the pattern again and quotes the whole path, about 15 µs each. The slugs of a
page's rows all fill the same pattern, so it is reversed once per page with a placeholder and each
slug, checked as the ``slug`` path converter checks it and quoted as ``reverse()`` quotes it, is put
in its place: the same URL, byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import quote

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import RFC3986_SUBDELIMS

# What the ``slug`` path converter accepts (``django.urls.converters.SlugConverter``).
SLUG = re.compile(r"[-a-zA-Z0-9_]+\Z")
# Characters ``reverse()`` leaves unquoted (the ``pchar`` of RFC 3986).
SAFE = RFC3986_SUBDELIMS + "/~:@"
# A valid slug that no URL pattern or script prefix of this site contains.
PLACEHOLDER = "slug-placeholder-9b1e7c"


def slug_urls(viewname: str) -> Callable[[str], str]:
    """A function giving ``reverse(viewname, args=[slug])`` for a slug, for a view whose only
    argument is a ``<slug:...>``. A value that is not a slug goes to ``reverse()`` itself, so it
    fails as ``reverse()`` does (``NoReverseMatch``)."""
    pattern = reverse(viewname, args=[PLACEHOLDER])
    if pattern.count(PLACEHOLDER) != 1:  # never for this site's patterns; stay correct anyway
        return lambda slug: reverse(viewname, args=[slug])
    before, after = pattern.split(PLACEHOLDER)

    def url(slug: str) -> str:
        if not isinstance(slug, str) or not SLUG.match(slug):
            return reverse(viewname, args=[slug])
        return f"{before}{quote(slug, safe=SAFE)}{after}"

    return url


@lru_cache(maxsize=64)
def _slug_urls(viewname: str, _prefix: str, _urlconf: object) -> Callable[[str], str]:
    return slug_urls(viewname)


def slug_url(viewname: str, slug: str) -> str:
    """``reverse(viewname, args=[slug])``, from one reverse of the pattern per view, script
    prefix and URL configuration (what ``reverse()`` itself depends on) in this process:
    ``{% slug_url %}`` in the rows of a page's tables."""
    return _slug_urls(viewname, get_script_prefix(), get_urlconf())(slug)
