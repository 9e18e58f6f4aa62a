"""``catalogue.web.links.slug_urls``: a page's links from one reversed pattern are the URLs
``reverse()`` gives, for slugs of every character a slug may have, under a script prefix too,
and a value that is not a slug fails as ``reverse()`` fails."""

from __future__ import annotations

import string

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from catalogue.web.links import slug_urls

# Every character the ``slug`` path converter (and Django's slug validator) accepts.
SLUG_CHARACTERS = string.ascii_letters + string.digits + "-_"
SLUGS = [
    *SLUG_CHARACTERS,  # each alone, "-" and "_" too
    SLUG_CHARACTERS,  # all in one
    "govuk-notify",
    "Mixed_Case-Slug-09",
    "--",
    "__init__",
    "a" * 120,
]
# The public pages whose only argument is a slug.
VIEWS = [
    "web:platform",
    "web:organisation",
    "web:capability",
    "web:insights-trend",
    "web:platform-impact",
]


@pytest.mark.parametrize("viewname", VIEWS)
def test_each_slug_gives_the_url_reverse_gives(viewname):
    url = slug_urls(viewname)
    assert [url(slug) for slug in SLUGS] == [reverse(viewname, args=[slug]) for slug in SLUGS]


@pytest.fixture
def script_prefix():
    set_script_prefix("/catalogue/")
    yield
    clear_script_prefix()


@pytest.mark.parametrize("viewname", VIEWS)
def test_under_a_script_prefix_too(viewname, script_prefix):
    url = slug_urls(viewname)
    assert url("govuk-notify").startswith("/catalogue/")
    assert [url(slug) for slug in SLUGS] == [reverse(viewname, args=[slug]) for slug in SLUGS]


@pytest.mark.parametrize("value", ["", "a b", "a/b", "café", "a.b", "a%20b", "<a>", "a\n"])
def test_a_value_that_is_not_a_slug_fails_as_reverse_does(value):
    url = slug_urls("web:platform")
    with pytest.raises(NoReverseMatch):
        reverse("web:platform", args=[value])
    with pytest.raises(NoReverseMatch):
        url(value)


@pytest.mark.parametrize("value", [7, None])
def test_a_value_that_is_not_text_is_left_to_reverse(value):
    assert slug_urls("web:platform")(value) == reverse("web:platform", args=[value])


@pytest.mark.parametrize("viewname", VIEWS)
def test_the_template_tag_follows_the_script_prefix_of_each_request(viewname):
    """``{% slug_url %}`` keeps one reversed pattern per view and per script prefix: a request
    under a prefix and one without each get the URL ``reverse()`` gives them."""
    page = Template("{% load catalogue_web %}{% slug_url view slug %}")
    for prefix in ("/", "/catalogue/", "/"):
        set_script_prefix(prefix)
        try:
            for slug in SLUGS:
                rendered = page.render(Context({"view": viewname, "slug": slug}))
                assert rendered == reverse(viewname, args=[slug])
        finally:
            clear_script_prefix()
