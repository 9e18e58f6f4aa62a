"""The impact page's two tables, row by row, against what the analysis returns and the URLs
``reverse()`` gives: every link, name, step count, path and list, for slugs of every character
a slug may have and names that need escaping, on both pages of dependents, in 4 queries."""

from __future__ import annotations

import string

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from catalogue.web.insights_views import shown_count
from platforms.selectors.impact import platform_impact
from tests.factories import (
    AdoptionFactory,
    DependencyFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
)

pytestmark = pytest.mark.django_db

SLUG_CHARACTERS = string.ascii_letters + string.digits + "-_"


@pytest.fixture
def root():
    """A platform with 69 dependents (two pages of 50) three deep: each slug one character a slug
    may have, or a longer mix; owned by organisations with such slugs too, and used by others;
    names with ``&``, ``<``, quotes."""
    owners = [
        OrganisationFactory(slug=slug, name=f"Owner {n} & <Sons> \"Ltd\" 'UK'")
        for n, slug in enumerate(["-", "_", "Mixed_Case-Org-09", "z9", "A"])
    ]
    users = [
        OrganisationFactory(slug=slug, name=f"User {n} <b>")
        for n, slug in enumerate(["__", "Q-q_0", "x"])
    ]
    root = PublishedPlatformFactory(slug="the-root", name="The root", owner=owners[0])
    slugs = [*SLUG_CHARACTERS, "Mixed_Case-Slug-09", "--", "__init__", "a" * 120, "Z_z-9"]
    platforms = []
    for n, slug in enumerate(slugs):
        platform = PublishedPlatformFactory(
            slug=slug, name=f"Platform {n} & <{slug}>", owner=owners[n % len(owners)]
        )
        # Ten depend on the root directly, the others on one or two of those before them.
        for parent in [root] if n < 10 else [platforms[n // 2], platforms[n - 3]][: 1 + n % 2]:
            DependencyFactory(platform=platform, depends_on=parent)
        if n % 4 == 0:
            AdoptionFactory(platform=platform, organisation=users[n % len(users)])
        platforms.append(platform)
    return root


def table_rows(html: bytes, table_id: str) -> list[list[tuple[str, str | None]]]:
    """Each body row of the table after the heading ``table_id``: (text, href) per cell."""
    page = BeautifulSoup(html, "html.parser")
    table = page.find(id=table_id).find_next("table")
    return [
        [
            (cell.get_text(), cell.a["href"] if cell.a else None)
            for cell in row.find_all(["th", "td"])
        ]
        for row in table.tbody.find_all("tr")
    ]


def test_every_row_links_where_reverse_does_and_says_what_the_analysis_found(
    client, root, django_assert_max_num_queries
):
    impact = platform_impact(platform=root, user=AnonymousUser())
    assert len(impact.dependents) == 69

    def named(slugs):
        return [impact.names.get(slug, slug) for slug in slugs]

    dependents = [
        [
            (d.platform.name, reverse("web:platform", args=[d.platform.slug])),
            (d.platform.owner.name, reverse("web:organisation", args=[d.platform.owner.slug])),
            (str(d.depth), None),
            (" → ".join(named(d.path)), None),
            (", ".join(named(d.depends_on)), None),
        ]
        for d in impact.dependents
    ]
    organisations = [
        [
            (a.organisation.name, reverse("web:organisation", args=[a.organisation.slug])),
            (
                (", ".join(named(a.owns)) or "–")
                + (f" and {a.owns_count - len(a.owns)} more" if a.owns_count > len(a.owns) else ""),
                None,
            ),
            (
                (", ".join(named(a.uses)) or "–")
                + (f" and {a.uses_count - len(a.uses)} more" if a.uses_count > len(a.uses) else ""),
                None,
            ),
        ]
        for a in impact.organisations_affected
    ]
    assert len(organisations) == 8

    with django_assert_max_num_queries(4):
        first = client.get("/platforms/the-root/impact/")
    second = client.get("/platforms/the-root/impact/?page=2")

    assert table_rows(first.content, "dependents") == dependents[:50]
    assert table_rows(second.content, "dependents") == dependents[50:]
    assert table_rows(first.content, "organisations") == organisations
    assert table_rows(second.content, "organisations") == organisations
    # Names are escaped once: the markup shows them as text, never as tags or entities twice.
    assert b"&amp; &lt;Sons&gt; &quot;Ltd&quot; &#x27;UK&#x27;" in first.content
    assert b"&amp;amp;" not in first.content and b"<Sons>" not in first.content


def test_the_graphs_coordinates_are_numbers_with_a_thousands_separator_on(client, root, settings):
    settings.USE_THOUSAND_SEPARATOR = True
    page = BeautifulSoup(client.get("/platforms/the-root/impact/").content, "html.parser")
    graph = page.find("svg", class_="app-chart")
    # "1,010" would not be a number: the tallest column holds more than 20 platforms.
    width, height = int(graph["width"]), int(graph["height"])
    assert height >= 1000
    assert graph["viewbox"] == f"0 0 {width} {height}"
    rects = graph.find_all("rect")
    assert len(rects) == 41  # the root and its 40 nearest dependents
    assert all(rect[name].isdigit() for rect in rects for name in ("x", "y", "width", "height"))


@pytest.mark.parametrize("separator", [False, True])
@pytest.mark.parametrize("language", ["en-gb", "de", "fr", "hi"])
def test_a_count_made_in_the_view_reads_as_the_template_shows_it(settings, separator, language):
    settings.USE_THOUSAND_SEPARATOR = separator
    numbers = [0, 1, 9, 25, 999, 1000, 1490, 12345, 1234567]
    template = Template("{% for n in numbers %}{{ n }};{% endfor %}")
    with translation.override(language):
        assert ";".join(shown_count(n) for n in numbers) + ";" == template.render(
            Context({"numbers": numbers})
        )
