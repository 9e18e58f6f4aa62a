"""The platform page reads its panels (capabilities, standards, dependencies each way, history)
in one statement: what it shows is what the selectors and querysets the API uses say, at any
size. (The query counts at two sizes are in tests/scale/test_pages_queries.py.)"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from platforms.models import Dependency, Membership
from platforms.selectors import history
from tests.factories import (
    CapabilityFactory,
    DependencyFactory,
    DraftPlatformFactory,
    PublishedPlatformFactory,
    StandardFactory,
)
from tests.web.catalogue import build_catalogue


def history_rows(page: str) -> list[tuple[str, str]]:
    """(version, change) of each row of the page's change history table."""
    table = page.split("Change history")[1].split("</table>")[0]
    rows = re.findall(
        r'<tr class="govuk-table__row">\s*<td[^>]*>[^<]*</td>\s*<td[^>]*>([^<]*)</td>\s*'
        r"<td[^>]*>([^<]*)</td>",
        table,
    )
    return [(version.strip(), change.strip()) for version, change in rows]


@pytest.mark.django_db
def test_the_history_panel_names_what_each_change_changed_as_the_history_selector_does(client):
    catalogue = build_catalogue(size=1)
    notify = catalogue.notify
    extra_capability = CapabilityFactory(name="Forms", slug="forms")
    standard = StandardFactory(name="OpenAPI 3", slug="openapi-3")
    # Twelve changes of text, capabilities and standards, alone and together: the page shows the
    # latest ten, the oldest of them diffed against the record before it.
    for n in range(12):
        if n % 3 == 0:
            notify.capabilities.add(extra_capability)
        elif n % 3 == 1:
            notify.capabilities.remove(extra_capability)
            notify.standards.add(standard)
        else:
            notify.standards.remove(standard)
        if n % 2:
            notify.summary = f"Send emails, text messages and letters ({n})."
        notify.save()

    rows = history_rows(client.get("/platforms/govuk-notify/").content.decode())

    entries = list(history.records_of(notify)[:11])
    expected = history.describe(entries[:10], entries[10], user=AnonymousUser())
    assert len(rows) == 10
    assert rows == [
        (
            str(entry.version),
            entry.change_type.capitalize()
            + (
                ": " + ", ".join(c.field.replace("_", " ") for c in entry.changes)
                if entry.changes
                else ""
            ),
        )
        for entry in expected
    ]
    # The changes are there to be seen, many-to-many ones included.
    changes = " ".join(change for _version, change in rows)
    assert "capabilities" in changes and "standards" in changes and "summary" in changes


@pytest.mark.django_db
def test_capabilities_and_standards_are_listed_by_name_with_their_links(client):
    catalogue = build_catalogue(size=1)
    notify = catalogue.notify
    for name in ("Zebra crossings", "address lookup", "Case management"):
        notify.capabilities.add(CapabilityFactory(name=name))
    notify.standards.add(StandardFactory(name="WCAG 2.2", url="https://www.w3.org/TR/WCAG22/"))
    notify.standards.add(StandardFactory(name="OAuth 2.0", url=""))

    page = client.get("/platforms/govuk-notify/").content.decode()

    summary = page.split("Capabilities</dt>")[1].split("Service</dt>")[0]
    names = re.findall(r'href="/capabilities/[^"]+/">([^<]+)</a>', summary)
    assert names == [c.name for c in notify.capabilities.order_by("name")]
    assert '<a class="govuk-link" href="https://www.w3.org/TR/WCAG22/">WCAG 2.2</a>' in summary
    assert "<li>OAuth 2.0</li>" in summary


@pytest.mark.django_db
def test_dependencies_each_way_hide_what_the_reader_may_not_see(client):
    catalogue = build_catalogue(size=1)
    notify = catalogue.notify
    secret = DraftPlatformFactory(name="Secret draft", owner=catalogue.agency)
    seen = PublishedPlatformFactory(name="Alpha provider", owner=catalogue.agency)
    DependencyFactory(platform=notify, depends_on=secret, kind=Dependency.Kind.DATA)
    DependencyFactory(platform=notify, depends_on=seen, kind=Dependency.Kind.BUILD)
    DependencyFactory(platform=secret, depends_on=notify, kind=Dependency.Kind.RUNTIME)

    anonymous = client.get("/platforms/govuk-notify/").content.decode()
    assert "Secret draft" not in anonymous
    assert f'href="/platforms/{seen.slug}/">Alpha provider</a>' in anonymous
    assert "(build, Land Registry Agency)" in anonymous

    member = get_user_model().objects.create_user("member")
    Membership.objects.create(
        user=member, organisation=catalogue.agency, role=Membership.Role.EDITOR
    )
    client.force_login(member)
    page = client.get("/platforms/govuk-notify/").content.decode()
    depends_on, depended_on_by = page.split("Depended on by")
    assert 'Secret draft</a> <span class="govuk-body-s">(data, Land Registry Agency)' in (
        depends_on
    )
    assert (
        'Secret draft</a> <span class="govuk-body-s">(runtime, Land Registry Agency)'
        in (depended_on_by.split("Similar platforms")[0])
    )


@pytest.mark.django_db
def test_a_platform_with_nothing_around_it_says_so(client):
    owner = build_catalogue(size=1).department
    lonely = PublishedPlatformFactory(name="Lonely service", owner=owner)
    page = client.get(f"/platforms/{lonely.slug}/").content.decode()
    summary = page.split("Capabilities</dt>")[1].split("Service</dt>")[0]
    assert "Not recorded" in summary
    assert page.count("None recorded.") == 2
