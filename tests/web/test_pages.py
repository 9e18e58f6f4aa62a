"""The public pages through Django's test client: what they show, what they refuse, what they
never leak, and how many queries they run at two sizes of catalogue."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from platforms import services
from platforms.models import Adoption, Platform
from tests.factories import (
    AdoptionFactory,
    CapabilityFactory,
    DraftPlatformFactory,
    MembershipFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    UserFactory,
    editor_of,
)
from tests.web.catalogue import build_catalogue

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    """The page's visible text, roughly: tags out, spaces squeezed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def catalogue(db):
    return build_catalogue(size=3)


# --- every page: design, title, language, description ------------------------------------------


PAGES = [
    "/",
    "/search/?q=payments",
    "/platforms/govuk-pay/",
    "/organisations/gds/",
    "/capabilities/payments/",
    "/compare/?platforms=govuk-pay,govuk-notify",
    "/data-sources/",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_a_govuk_page_with_title_language_and_description(client, catalogue, path):
    response = client.get(path)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en-GB" class="govuk-template">' in html
    assert re.search(r"<title>[^<]+ – Cross-government platform catalogue – GOV.UK</title>", html)
    assert re.search(r'<meta name="description" content="[^"]{20,}">', html)
    assert 'href="#main-content"' in html and 'id="main-content"' in html  # skip link
    assert "govuk-frontend.min.css" in html and "Open Government Licence" in html
    # One h1, and no inline script or style for the Content-Security-Policy to refuse.
    assert html.count("<h1") == 1
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html and "<style" not in html
    # Cookie-free for anonymous readers.
    assert not response.cookies


def test_the_page_title_says_error_when_the_page_shows_one(client, catalogue):
    response = client.get("/search/?phase=sideways")
    assert "<title>Error: " in response.content.decode()


# --- home -------------------------------------------------------------------------------------


def test_home_headlines_reused_platforms_only_never_retired_or_drafts(client, catalogue):
    response = client.get("/")

    page = text_of(response)
    most_reused = page.split("Most reused platforms")[1].split("Browse by capability")[0]
    assert most_reused.index("GOV.UK Pay") < most_reused.index("GOV.UK One Login")
    assert "GOV.UK Verify" not in most_reused  # retired, though it has adopters
    assert "GOV.UK Notify" not in most_reused  # only explored, not in use: no reuse
    assert "Secret payments draft" not in page
    assert "7 published platforms" in page  # 4 named + 3 case trackers
    # Capability tiles count what an anonymous reader can see (the draft meets payments too).
    assert "Payments 4 platforms" in page


def test_home_says_when_its_count_includes_the_readers_drafts(client, catalogue):
    """A member of the draft's organisation counts it too: the figure must not call it
    published."""
    member = UserFactory()
    MembershipFactory(user=member, organisation=catalogue.draft.owner)
    client.force_login(member)
    page = text_of(client.get("/"))
    assert "8 platforms, with the drafts you may see" in page
    assert "published platforms" not in page


def test_home_escapes_names(client, db):
    PublishedPlatformFactory(name="<script>alert(1)</script>")
    page = client.get("/").content.decode()
    assert "<script>alert(1)</script>" not in page


# --- search -----------------------------------------------------------------------------------


def test_search_ranks_highlights_and_offers_facets_as_checkboxes(client, catalogue):
    response = client.get("/search/", {"q": "payments"})

    html = response.content.decode()
    page = text_of(response)
    assert response.status_code == 200
    results = page.split("platforms found")[1]
    assert "4 platforms found" in page
    assert "GOV.UK Pay" in results and "Case tracker 0" in results
    assert "<mark>payments</mark>" in html
    assert 'type="checkbox" value="payments"' in html
    assert re.search(r"Payments \(4\)", page)
    assert "Secret payments draft" not in page
    assert 'href="/api/v1/search/?q=payments"' in html
    assert 'href="/api/v1/platforms/?q=payments&amp;format=csv"' in html


def test_ticking_facets_narrows_the_results(client, catalogue):
    everything = text_of(client.get("/search/", {"q": "payments"}))
    narrowed = text_of(client.get("/search/", {"q": "payments", "owner": "land-registry-agency"}))

    assert "GOV.UK Pay" in everything
    assert "GOV.UK Pay" not in narrowed.split("Download these results")[0].split("found")[1]
    assert "3 platforms found" in narrowed


def test_several_values_of_a_facet_match_any_of_them(client, catalogue):
    response = client.get("/search/", {"capability": ["payments", "identity"], "phase": "live"})
    page = text_of(response)
    assert "GOV.UK Pay" in page and "GOV.UK One Login" in page
    assert "GOV.UK Verify" not in page.split("found")[1]  # retired, not live


def test_browsing_two_phases_lists_each_platform_once_and_counts_it_once(client, db):
    """No words: the phases' platforms, each once (a platform has one phase, and the filter
    needs no DISTINCT), counted in the facets as many times as it is listed."""
    owner = OrganisationFactory()
    live = [
        PublishedPlatformFactory(name=f"Live service {n}", phase="live", owner=owner).slug
        for n in range(3)
    ]
    beta = PublishedPlatformFactory(name="Beta service", phase="beta", owner=owner).slug
    PublishedPlatformFactory(name="Alpha service", phase="alpha", owner=owner)

    response = client.get("/search/", {"phase": ["live", "beta"]})
    page, html = text_of(response), response.content.decode()

    assert "4 platforms found" in page
    links = re.findall(r'href="/platforms/([a-z0-9-]+)/"', html)
    assert sorted(set(links)) == sorted([beta, *live])
    assert len(links) == 4 * links.count(beta)  # each listed the same way, once
    assert "Live (3)" in page and "Beta (1)" in page


def test_browsing_counts_the_filtered_platforms_and_pages_through_them(client, db):
    owner = OrganisationFactory()
    for n in range(23):
        PublishedPlatformFactory(name=f"Open tool {n:02}", is_open_source=True, owner=owner)
    for n in range(5):
        PublishedPlatformFactory(name=f"Closed tool {n}", is_open_source=False, owner=owner)
    DraftPlatformFactory(name="Open draft", is_open_source=True, owner=owner)

    first = text_of(client.get("/search/", {"open_source": "true"}))
    second = text_of(client.get("/search/", {"open_source": "true", "page": "2"}))
    past = client.get("/search/", {"open_source": "true", "page": "3"})

    assert "23 platforms found" in first and "Open source (23)" in first
    assert "Showing 21 to 23 of 23" in second
    assert "Closed tool" not in second.split("found")[1] and "Open draft" not in first
    assert past.status_code == 400 and "There is no page 3" in text_of(past)


def test_highlights_are_escaped(client, db):
    PublishedPlatformFactory(name="<img src=x onerror=alert(1)> Notify", summary="<b>Notify</b>")
    from platforms import search

    search.reindex_all()
    html = client.get("/search/", {"q": "notify"}).content.decode()
    assert "<img src=x" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; <mark>Notify</mark>" in html


def test_no_results_gives_advice_and_a_typo_suggestion_that_finds_something(client, catalogue):
    response = client.get("/search/", {"q": "xqzzv paymnets"})

    page = text_of(response)
    assert "0 platforms found" in page
    assert "Did you mean payments" in page
    assert "checking your spelling" in page


def test_organisation_page_counts_only_the_drafts_the_reader_may_see(client, db):
    # The lists' lengths come from the kept figures: a body whose only platform is a draft, and
    # whose only reuse is another body's draft, owns and reuses nothing for anyone else.
    body, other = OrganisationFactory(slug="drafting-body"), OrganisationFactory(slug="other")
    DraftPlatformFactory(owner=body, name="Body draft")
    AdoptionFactory(organisation=body, platform=DraftPlatformFactory(owner=other, name="Theirs"))

    anonymous = text_of(client.get("/organisations/drafting-body/"))
    assert "It owns no platform in the catalogue." in anonymous
    assert "No reuse of another organisation’s platform is recorded." in anonymous
    assert "Body draft" not in anonymous and "Theirs" not in anonymous

    client.force_login(editor_of(body))
    member = text_of(client.get("/organisations/drafting-body/"))
    assert "Body draft" in member and "It owns no platform" not in member
    assert "Theirs" not in member and "No reuse of another organisation" in member

    client.force_login(editor_of(other))
    theirs = text_of(client.get("/organisations/drafting-body/"))
    assert "Theirs" in theirs and "No reuse of another organisation" not in theirs
    assert "Body draft" not in theirs and "It owns no platform in the catalogue." in theirs


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"capability": "teleportation"}, "There is no capability “teleportation”"),
        ({"owner": "ministry-of-magic"}, "There is no organisation “ministry-of-magic”"),
        ({"phase": "sideways"}, "“sideways” is not a phase"),
        ({"open_source": "maybe"}, "“maybe” is not a value of open source"),
        ({"page": "two"}, "The page number must be a whole number from 1"),
        ({"page": "-1"}, "The page number must be a whole number from 1"),
        ({"page": "99"}, "There is no page 99"),
    ],
)
def test_bad_search_parameters_get_an_error_summary_not_a_500(client, catalogue, params, message):
    response = client.get("/search/", params)

    html = response.content.decode()
    assert response.status_code == 400
    assert 'class="govuk-error-summary"' in html and "There is a problem" in html
    assert message in text_of(response)


def test_search_pages_keep_the_query_and_filters(client, db):
    owner = OrganisationFactory()
    for n in range(25):
        PublishedPlatformFactory(name=f"Forms builder {n:02}", owner=owner)
    from platforms import search

    search.reindex_all()
    first = client.get("/search/", {"q": "forms", "phase": "live"}).content.decode()
    second = client.get("/search/", {"q": "forms", "phase": "live", "page": "2"})

    assert 'href="?q=forms&amp;phase=live&amp;page=2"' in first
    assert "25 platforms found" in text_of(second)
    assert "Showing 21 to 25 of 25" in text_of(second)


# --- a platform -------------------------------------------------------------------------------


def test_platform_page_shows_the_record_adopters_dependencies_and_similar(client, catalogue):
    response = client.get("/platforms/govuk-notify/")

    page = text_of(response)
    assert "Owner Government Digital Service" in page
    assert "Borough Council 0" in page
    assert "Depended on by Case tracker 0 (runtime" in page
    assert "Similar platforms" in page
    assert "Change history" in page and "Created" in page
    assert 'href="/platforms/govuk-notify/impact/"' in response.content.decode()


def test_retired_platform_says_what_to_use_instead(client, catalogue):
    page = text_of(client.get("/platforms/govuk-verify/"))
    assert "GOV.UK Verify is retired. Use GOV.UK One Login instead." in page


def test_adopters_filter_by_status_and_refuse_an_unknown_one(client, catalogue):
    in_use = text_of(client.get("/platforms/govuk-notify/", {"status": "in_use"}))
    exploring = text_of(client.get("/platforms/govuk-notify/", {"status": "exploring"}))
    bad = client.get("/platforms/govuk-notify/", {"status": "bored"})

    assert "No adopter with that status" in in_use
    assert "Borough Council 2" in exploring
    assert bad.status_code == 400
    assert "“bored” is not an adoption status" in text_of(bad)


def test_adopters_are_paginated(client, catalogue):
    for n in range(30):
        Adoption.objects.create(
            platform=catalogue.pay, organisation=OrganisationFactory(name=f"Zeta body {n:02}")
        )
    first = text_of(client.get("/platforms/govuk-pay/"))
    second = text_of(client.get("/platforms/govuk-pay/", {"page": 2}))

    assert "Adopters 1 to 25 of 33" in first
    assert "Adopters 26 to 33 of 33" in second and "Zeta body 29" in second


def test_unknown_platform_and_another_organisations_draft_are_the_same_404(client, catalogue):
    unknown = client.get("/platforms/no-such-platform/")
    draft = client.get("/platforms/secret-draft/")

    assert unknown.status_code == draft.status_code == 404
    assert "Page not found" in text_of(unknown)
    assert text_of(unknown) == text_of(draft)


def test_editors_of_the_owner_get_an_edit_link_others_do_not(client, catalogue):
    edit = reverse("admin:platforms_platform_change", args=[catalogue.pay.pk])

    assert edit not in client.get("/platforms/govuk-pay/").content.decode()
    client.force_login(editor_of(OrganisationFactory(slug="someone-else")))
    assert edit not in client.get("/platforms/govuk-pay/").content.decode()
    client.force_login(editor_of(catalogue.department))
    assert edit in client.get("/platforms/govuk-pay/").content.decode()


def test_members_see_their_own_draft(client, catalogue):
    client.force_login(editor_of(catalogue.draft.owner))
    assert client.get("/platforms/secret-draft/").status_code == 200


# --- organisations, capabilities, compare -----------------------------------------------------


def test_organisation_page_shows_what_it_owns_reuses_and_its_family(client, catalogue):
    agency = text_of(client.get("/organisations/land-registry-agency/"))
    department = text_of(client.get("/organisations/gds/"))

    assert "Platforms it owns Platforms owned by this organisation" in agency
    assert "Case tracker 1" in agency
    assert "GOV.UK One Login" in agency.split("Platforms it reuses")[1]
    assert "Part of Government Digital Service" in agency
    assert "Bodies under it Borough Council 0" in department.replace("Land Registry Agency ", "")
    assert client.get("/organisations/nobody/").status_code == 404


def test_capability_page_lists_every_platform_meeting_it(client, catalogue):
    response = client.get("/capabilities/identity/")

    page = text_of(response)
    assert "GOV.UK One Login" in page and "GOV.UK Verify" in page
    assert "Replaced by GOV.UK One Login" in page
    assert client.get("/capabilities/teleportation/").status_code == 404


def test_organisation_page_lists_a_page_of_each_list_with_its_total(client, db):
    body = OrganisationFactory(slug="big-body", name="Big Body")
    for n in range(53):
        PublishedPlatformFactory(owner=body, name=f"Owned {n:02}", slug=f"owned-{n:02}")
    for n in range(3):
        AdoptionFactory(organisation=body, platform__name=f"Reused {n}")

    first = text_of(client.get("/organisations/big-body/"))
    second = text_of(client.get("/organisations/big-body/", {"owns_page": 2}))

    assert "53 platforms, showing 1 to 50." in first
    assert "Owned 49" in first and "Owned 50" not in first
    assert "Owned 50" in second and "Owned 52" in second and "Owned 49" not in second
    # The other list keeps its own page, whole here: no count line of its own.
    assert "53 platforms, showing 51 to 53." in second
    assert "Reused 0" in second and "Reused 2" in second
    assert second.count("platforms, showing") == 1


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"owns_page": 9}, "There is no page 9: the results have 2 page(s)."),
        ({"reuses_page": "two"}, "The page number must be a whole number from 1: “two” is not."),
    ],
)
def test_organisation_page_refuses_a_page_that_is_not_one(client, db, params, message):
    body = OrganisationFactory(slug="big-body", name="Big Body")
    for n in range(51):
        PublishedPlatformFactory(owner=body, name=f"Owned {n:02}")

    response = client.get("/organisations/big-body/", params)

    assert response.status_code == 400
    assert message in text_of(response)
    assert "Owned 00" in text_of(response)  # the first page, never a 500


def test_capability_page_pages_the_platforms_most_reused_first(client, db):
    need = CapabilityFactory(slug="case-work", name="Case work")
    for n in range(52):
        platform = PublishedPlatformFactory(name=f"Case tool {n:02}", slug=f"case-tool-{n:02}")
        platform.capabilities.add(need)
    for _ in range(2):
        AdoptionFactory(platform=Platform.objects.get(slug="case-tool-51"))

    first = text_of(client.get("/capabilities/case-work/"))
    second = text_of(client.get("/capabilities/case-work/", {"page": 2}))

    assert "52 live or beta platforms meet this need" in first
    assert "52 platforms, showing 1 to 50." in first
    assert first.index("Case tool 51") < first.index("Case tool 00")
    assert "Compare these platforms side by side" in first
    assert "Case tool 49" in second and "Case tool 50" in second and "Case tool 51" not in second
    assert client.get("/capabilities/case-work/", {"page": 4}).status_code == 400


def test_capability_page_counts_what_the_reader_may_see_in_beta_or_live(client, db):
    # Its counts come from the kept figures: retiring, retired and alpha platforms are listed
    # but not "live or beta", and a draft counts for its owner's members only.
    need, owner = CapabilityFactory(slug="grants"), OrganisationFactory(slug="grant-body")
    for phase in ("live", "beta", "retiring", "retired", "alpha"):
        PublishedPlatformFactory(name=f"Grants {phase}", phase=phase).capabilities.add(need)
    DraftPlatformFactory(name="Grants draft", phase="live", owner=owner).capabilities.add(need)

    anonymous = text_of(client.get("/capabilities/grants/"))
    assert "2 live or beta platforms meet this need" in anonymous
    assert "Grants alpha" in anonymous and "Grants draft" not in anonymous

    client.force_login(editor_of(owner))
    member = text_of(client.get("/capabilities/grants/"))
    assert "3 live or beta platforms meet this need" in member
    assert "Grants draft" in member
    services.platform_update(
        actor=None, platform=Platform.objects.get(name="Grants beta"), data={"phase": "retiring"}
    )
    assert "2 live or beta platforms meet this need" in text_of(client.get("/capabilities/grants/"))


def test_compare_shows_platforms_side_by_side(client, catalogue):
    response = client.get("/compare/", {"platforms": "govuk-pay,govuk-notify"})

    page = text_of(response)
    assert response.status_code == 200
    assert "GOV.UK Pay GOV.UK Notify" in page
    assert "Open source Yes (MIT) No" in page


def test_compare_takes_the_parameter_repeated(client, catalogue):
    response = client.get("/compare/", {"platforms": ["govuk-pay", "govuk-one-login"]})
    assert "GOV.UK Pay GOV.UK One Login" in text_of(response)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("govuk-pay", "Choose at least two platforms to compare."),
        ("govuk-pay,govuk-notify,govuk-verify,govuk-one-login", "Choose at most 3 platforms"),
        ("govuk-pay,nope", "There is no platform “nope” in the catalogue."),
        ("govuk-pay,secret-draft", "There is no platform “secret-draft” in the catalogue."),
    ],
)
def test_compare_refuses_what_it_cannot_compare(client, catalogue, value, message):
    response = client.get("/compare/", {"platforms": value})
    assert response.status_code == 400
    assert 'class="govuk-error-summary"' in response.content.decode()
    assert message in text_of(response)


# --- register, errors -------------------------------------------------------------------------


def test_register_sends_editors_to_the_admin_and_others_to_sign_in(client, catalogue):
    add = reverse("admin:platforms_platform_add")

    anonymous = client.get("/register/")
    client.force_login(editor_of(catalogue.department))
    editor = client.get("/register/")

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("admin:login"))
    assert "next=/admin/platforms/platform/add/" in anonymous["Location"]
    assert editor.status_code == 302 and editor["Location"] == add


def test_unknown_page_is_the_404_page_in_the_same_design(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "govuk-template" in response.content.decode()
    assert "Page not found" in text_of(response)


def test_server_error_page_in_the_same_design(rf):
    from catalogue.web.views import server_error

    response = server_error(rf.get("/platforms/govuk-pay/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in html and "govuk-template" in html


# --- bounded queries --------------------------------------------------------------------------

# At most 8 for every page (issue 14), on SQLite and PostgreSQL, at both sizes.
QUERY_BOUNDS = {
    "/": 3,  # the kept figures (tiles, headline) and the most reused
    "/search/?q=notifications&capability=payments&page=1": 8,
    "/search/": 8,
    "/platforms/govuk-notify/": 8,
    "/organisations/gds/": 6,  # 4, and the insights profile's 2 for its counts and "could reuse"
    "/capabilities/notifications/": 3,
    "/compare/?platforms=govuk-pay,case-tracker-0,govuk-notify": 3,
}


@pytest.mark.parametrize("size", [2, 12])
@pytest.mark.parametrize(("path", "bound"), QUERY_BOUNDS.items())
def test_pages_run_a_bounded_number_of_queries(
    client, django_assert_max_num_queries, size, path, bound
):
    build_catalogue(size=size)
    with django_assert_max_num_queries(bound):
        response = client.get(path)
    assert response.status_code == 200


def test_a_bad_page_number_still_shows_the_first_page(client, catalogue):
    response = client.get("/search/", {"q": "payments", "page": "x"})
    assert response.status_code == 400
    assert "GOV.UK Pay" in text_of(response).split("platforms found")[1]


def test_an_unknown_facet_value_marks_its_checkboxes_in_error(client, catalogue):
    html = client.get("/search/", {"capability": "teleportation"}).content.decode()
    assert 'id="capability-error"' in html
    assert 'href="#capability"' in html  # the error summary links to the field


def test_a_facet_lists_its_biggest_values_and_every_ticked_one(client, db):
    for n in range(20):
        PublishedPlatformFactory(owner=OrganisationFactory(name=f"Owner {n:02}", slug=f"owner-{n}"))
    html = client.get("/search/", {"owner": ["owner-19", "owner-18"]}).content.decode()
    everything = client.get("/search/").content.decode()

    assert everything.count('name="owner"') == 15
    assert 'value="owner-19" checked' in html and 'value="owner-18" checked' in html
