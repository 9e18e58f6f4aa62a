"""A draft holds no public name: another organisation may register, generate or rename to the
slug of a draft it cannot see exactly as if the slug were free; a lookup by slug answers with the
row the reader may see (the published one first, then their own organisation's), never a 500;
submitting or publishing with the slug of a published platform is refused naming only that one.

Each test compares what an editor of another organisation gets for the hidden draft's slug with
what they get for a slug nobody uses: any difference would tell that the draft exists."""

import pytest
from django.urls import reverse

from platforms import services
from platforms.models import Platform
from tests.api.conftest import client_for
from tests.conftest import admin_form_data, post_import, upload
from tests.factories import (
    AdminUserFactory,
    DependencyFactory,
    DraftPlatformFactory,
    InReviewPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    editor_of,
    reviewer_of,
)

pytestmark = pytest.mark.django_db

PLATFORMS = "/api/v1/platforms/"
HIDDEN_NAME = "Secret Case Tracker"
# What may differ between two answers that are otherwise the same: the row's own identity.
VOLATILE = {"created_at", "updated_at", "id"}


@pytest.fixture
def hidden(org_a):
    """Alpha's draft, which nobody at Beta may know about."""
    return DraftPlatformFactory(
        owner=org_a, name=HIDDEN_NAME, slug="case-tracker", summary="Alpha's secret plan."
    )


def _swap(value, old, new):
    if isinstance(value, dict):
        return {k: _swap(v, old, new) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_swap(v, old, new) for v in value]
    return value.replace(old, new) if isinstance(value, str) else value


def _register(client, **fields):
    body = {"name": "Case Tracker", "summary": "Track cases.", "owner": "beta-board", **fields}
    return client.post(PLATFORMS, body, format="json")


def _assert_says_nothing_of_the_draft(response):
    text = response.content.decode()
    for trace in (HIDDEN_NAME, "Alpha Office", "alpha-office", "Alpha's secret plan"):
        assert trace not in text


# --- creating: the hidden draft's slug is free -----------------------------------------------


def test_creating_with_the_slug_of_a_hidden_draft_answers_as_for_a_free_slug(hidden, org_b):
    beta_editor = client_for(editor_of(org_b))

    taken_by_draft = _register(beta_editor, slug="case-tracker")
    free = _register(beta_editor, slug="nobody-uses")

    assert taken_by_draft.status_code == free.status_code == 201, taken_by_draft.content
    assert _swap(taken_by_draft.json(), "", "") == _swap(free.json(), "nobody-uses", "case-tracker")
    assert taken_by_draft["Location"].endswith("/platforms/case-tracker/")
    _assert_says_nothing_of_the_draft(taken_by_draft)
    # Two rows now share the slug, one per organisation.
    assert sorted(
        Platform.objects.filter(slug="case-tracker").values_list("owner__slug", flat=True)
    ) == ["alpha-office", "beta-board"]


def test_the_generated_slug_is_the_same_as_if_the_draft_did_not_exist(hidden, org_a, org_b):
    DraftPlatformFactory(owner=org_a, slug="case-tracker-2")  # Alpha's too: no "-3" either
    response = _register(client_for(editor_of(org_b)))  # no slug: made from "Case Tracker"
    assert response.status_code == 201, response.content
    assert response.json()["slug"] == "case-tracker"
    _assert_says_nothing_of_the_draft(response)


def test_the_generated_slug_still_avoids_published_slugs_and_the_owners_own(org_a, org_b):
    PublishedPlatformFactory(owner=org_a, slug="case-tracker")  # public: anyone can see it
    DraftPlatformFactory(owner=org_b, slug="case-tracker-2")  # Beta's own
    response = _register(client_for(editor_of(org_b)))
    assert response.status_code == 201, response.content
    assert response.json()["slug"] == "case-tracker-3"


def test_a_slug_the_owner_already_uses_is_a_409_naming_its_own_platform(org_b):
    DraftPlatformFactory(owner=org_b, name="Our Tracker", slug="case-tracker")
    response = _register(client_for(editor_of(org_b)), slug="case-tracker")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict"
    assert body["errors"]["slug"] == [
        "The slug 'case-tracker' is taken by Our Tracker (Beta Board): choose another slug."
    ]


def test_a_published_slug_is_a_409_naming_the_published_platform(hidden, org_b):
    PublishedPlatformFactory(owner=OrganisationFactory(name="Gamma"), name="Pay", slug="pay")
    response = _register(client_for(editor_of(org_b)), slug="pay")
    assert response.status_code == 409
    assert response.json()["message"] == (
        "The slug 'pay' is taken by Pay (Gamma): choose another slug."
    )


def test_renaming_to_the_slug_of_a_hidden_draft_answers_as_for_a_free_slug(hidden, org_b):
    ours = DraftPlatformFactory(owner=org_b, slug="ours")
    theirs = DraftPlatformFactory(owner=org_b, slug="theirs")
    client = client_for(editor_of(org_b))

    taken_by_draft = client.patch(f"{PLATFORMS}ours/", {"slug": "case-tracker"}, format="json")
    free = client.patch(f"{PLATFORMS}theirs/", {"slug": "nobody-uses"}, format="json")

    assert taken_by_draft.status_code == free.status_code == 200, taken_by_draft.content
    assert _swap(taken_by_draft.json(), ours.name, "X") == _swap(
        _swap(free.json(), theirs.name, "X"), "nobody-uses", "case-tracker"
    )
    _assert_says_nothing_of_the_draft(taken_by_draft)


def test_renaming_to_a_published_slug_is_refused(org_b):
    PublishedPlatformFactory(owner=OrganisationFactory(name="Gamma"), name="Pay", slug="pay")
    DraftPlatformFactory(owner=org_b, slug="ours")
    response = client_for(editor_of(org_b)).patch(f"{PLATFORMS}ours/", {"slug": "pay"}, "json")
    assert response.status_code == 409
    assert "Pay (Gamma)" in response.json()["message"]
    assert Platform.objects.get(owner=org_b).slug == "ours"


# --- each row reachable by the right people -------------------------------------------------


@pytest.fixture
def twins(hidden, org_b):
    """Alpha's hidden draft and Beta's draft, both "case-tracker"."""
    response = _register(client_for(editor_of(org_b)), name="Beta Tracker", slug="case-tracker")
    assert response.status_code == 201
    return hidden, Platform.objects.get(owner=org_b, slug="case-tracker")


def test_each_organisation_reaches_its_own_row_and_nobody_else_does(twins, org_a, org_b):
    url = f"{PLATFORMS}case-tracker/"
    alpha_sees = client_for(editor_of(org_a)).get(url)
    beta_sees = client_for(editor_of(org_b)).get(url)
    assert alpha_sees.status_code == beta_sees.status_code == 200
    assert alpha_sees.json()["name"] == HIDDEN_NAME
    assert beta_sees.json()["name"] == "Beta Tracker"
    _assert_says_nothing_of_the_draft(beta_sees)
    assert client_for(None).get(url).status_code == 404
    assert client_for(editor_of(OrganisationFactory())).get(url).status_code == 404
    # An administrator sees both rows; the slug names the oldest of the drafts, every time.
    admin = client_for(AdminUserFactory())
    assert {admin.get(url).json()["name"] for _ in range(3)} == {HIDDEN_NAME}


def test_a_write_and_its_if_match_reach_the_writers_own_row(twins, org_a, org_b):
    alpha_draft, beta_draft = twins
    alpha_client = client_for(editor_of(org_a))
    for summary in ("One.", "Two."):  # Alpha's row is now at version 3, Beta's at 1
        alpha_client.patch(f"{PLATFORMS}case-tracker/", {"summary": summary}, format="json")

    beta_client = client_for(editor_of(org_b))
    read = beta_client.get(f"{PLATFORMS}case-tracker/")
    assert read["ETag"] == '"1"'
    changed = beta_client.patch(
        f"{PLATFORMS}case-tracker/", {"summary": "Beta's."}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert changed.status_code == 200, changed.content
    beta_draft.refresh_from_db()
    alpha_draft.refresh_from_db()
    assert (beta_draft.summary, beta_draft.version) == ("Beta's.", 2)
    assert (alpha_draft.summary, alpha_draft.version) == ("Two.", 3)
    history = beta_client.get(f"{PLATFORMS}case-tracker/history/")
    assert history.status_code == 200
    _assert_says_nothing_of_the_draft(history)


def test_the_owner_of_a_draft_and_the_published_twin_answer_every_slug_url(client, org_a, org_b):
    """A published "case-tracker" (Alpha's) and Beta's own draft of the same slug: every URL
    that takes a slug answers Beta's editor with one row, the published one, and never 500."""
    older = DraftPlatformFactory(owner=org_b, name="Beta Tracker", slug="case-tracker")
    published = PublishedPlatformFactory(owner=org_a, name="Alpha Tracker", slug="case-tracker")
    other = PublishedPlatformFactory(owner=org_a, name="Notify", slug="notify")
    DependencyFactory(platform=older, depends_on=other)
    DependencyFactory(platform=published, depends_on=other)
    beta_editor = editor_of(org_b)
    api = client_for(beta_editor)

    for url in (
        f"{PLATFORMS}case-tracker/",
        f"{PLATFORMS}case-tracker/adoptions/",
        f"{PLATFORMS}case-tracker/dependencies/",
        f"{PLATFORMS}case-tracker/dependents/",
        f"{PLATFORMS}case-tracker/history/",
        f"{PLATFORMS}case-tracker/similar/",
        "/api/v1/insights/platforms/case-tracker/impact/",
        "/api/v1/insights/platforms/case-tracker/trend/",
        "/api/v1/adoptions/?platform=case-tracker",
        "/api/v1/dependencies/?platform=case-tracker",
        "/api/v1/dependencies/?depends_on=notify&platform=case-tracker",
    ):
        response = api.get(url)
        assert response.status_code == 200, (url, response.status_code)
    detail = api.get(f"{PLATFORMS}case-tracker/").json()
    assert (detail["name"], detail["owner"]["slug"]) == ("Alpha Tracker", "alpha-office")
    dependencies = api.get("/api/v1/dependencies/?platform=case-tracker").json()["results"]
    assert [d["platform"]["name"] for d in dependencies] == ["Alpha Tracker"]
    original = api.get(f"{PLATFORMS}case-tracker/original/")
    assert original.status_code == 404  # neither has an imported document: not a 500

    client.force_login(beta_editor)
    for url in (
        reverse("web:platform", args=["case-tracker"]),
        reverse("web:platform-impact", args=["case-tracker"]),
        reverse("web:insights-trend", args=["case-tracker"]),
        reverse("web:compare") + "?platforms=case-tracker,notify",
    ):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert "Alpha Tracker" in response.content.decode()


def test_a_platform_named_by_a_shared_slug_in_a_write_is_the_published_one(org_a, org_b):
    DraftPlatformFactory(owner=org_b, slug="case-tracker")
    published = PublishedPlatformFactory(owner=org_a, slug="case-tracker")
    ours = DraftPlatformFactory(owner=org_b, slug="ours")
    api = client_for(editor_of(org_b))

    dependency = api.post(
        "/api/v1/dependencies/", {"platform": "ours", "depends_on": "case-tracker"}, "json"
    )
    adoption = api.post(
        "/api/v1/adoptions/", {"platform": "case-tracker", "organisation": "beta-board"}, "json"
    )

    assert dependency.status_code == adoption.status_code == 201, dependency.content
    assert ours.dependencies.get().depends_on == published
    assert published.adoptions.get().organisation == org_b


# --- submitting and publishing --------------------------------------------------------------


def test_publishing_the_second_of_two_drafts_is_refused_naming_only_the_published_one(
    twins, org_a, org_b
):
    alpha_draft, beta_draft = twins
    DraftPlatformFactory(owner=OrganisationFactory(name="Gamma"), name="Gamma Plan", slug="x")
    Platform.objects.filter(pk=beta_draft.pk).update(state=Platform.State.IN_REVIEW)
    alpha_reviewer = client_for(reviewer_of(org_a))
    assert alpha_reviewer.post(f"{PLATFORMS}case-tracker/submit/").status_code == 200
    assert alpha_reviewer.post(f"{PLATFORMS}case-tracker/publish/").status_code == 200

    # Beta's submission, waiting for review, now has the slug of a published platform.
    beta_reviewer = reviewer_of(org_b)
    response = services_refusal(beta_reviewer, services.platform_publish, beta_draft)
    assert response == (
        f"{HIDDEN_NAME} (Alpha Office) is already published with the slug 'case-tracker': "
        "choose another slug for Beta Tracker."
    )
    beta_draft.refresh_from_db()
    assert beta_draft.state == Platform.State.IN_REVIEW


def services_refusal(user, service, platform) -> str:
    with pytest.raises(services.Conflict) as refused:
        service(actor=user, platform=platform)
    assert refused.value.status_code == 409
    return refused.value.message


def test_submitting_with_a_published_slug_is_a_409_naming_only_the_published_one(org_a, org_b):
    """Beta's draft was registered before Alpha published a platform with its slug: the slug
    now names the published one; ``?owner=`` picks Beta's own, to submit or rename it."""
    ours = DraftPlatformFactory(owner=org_b, name="Beta Tracker", slug="case-tracker")
    PublishedPlatformFactory(owner=org_a, name="Alpha Tracker", slug="case-tracker")
    InReviewPlatformFactory(owner=OrganisationFactory(name="Gamma"), slug="case-tracker")
    api = client_for(editor_of(org_b))
    assert api.get(f"{PLATFORMS}case-tracker/").json()["name"] == "Alpha Tracker"
    assert api.post(f"{PLATFORMS}case-tracker/submit/").status_code == 403  # Alpha's

    response = api.post(f"{PLATFORMS}case-tracker/submit/?owner=beta-board")

    assert response.status_code == 409
    assert response.json()["errors"]["slug"] == [
        "Alpha Tracker (Alpha Office) is already published with the slug 'case-tracker': "
        "choose another slug for Beta Tracker."
    ]
    assert "Gamma" not in response.content.decode()
    renamed = api.patch(
        f"{PLATFORMS}case-tracker/?owner=beta-board", {"slug": "beta-tracker"}, format="json"
    )
    assert renamed.status_code == 200, renamed.content
    assert api.post(f"{PLATFORMS}beta-tracker/submit/").status_code == 200
    ours.refresh_from_db()
    assert ours.state == Platform.State.IN_REVIEW


def test_a_draft_whose_slug_was_published_since_can_still_be_edited(org_a, org_b):
    DraftPlatformFactory(owner=org_b, name="Beta Tracker", slug="case-tracker")
    PublishedPlatformFactory(owner=org_a, name="Alpha Tracker", slug="case-tracker")
    api = client_for(editor_of(org_b))
    url = f"{PLATFORMS}case-tracker/?owner=beta-board"
    body = {"slug": "case-tracker", "summary": "Still ours."}  # as a client sends it back
    response = api.patch(url, body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["summary"] == "Still ours."


def test_owner_never_reaches_a_row_the_reader_may_not_see(twins, org_a, org_b):
    beta_editor = client_for(editor_of(org_b))
    hidden = beta_editor.get(f"{PLATFORMS}case-tracker/?owner=alpha-office")
    unused = beta_editor.get(f"{PLATFORMS}nobody-uses/?owner=alpha-office")
    assert hidden.status_code == unused.status_code == 404
    assert hidden.json() == unused.json()


def test_a_draft_may_be_published_while_another_organisations_draft_has_its_slug(twins, org_a):
    alpha_draft, beta_draft = twins
    services.platform_submit(actor=editor_of(org_a), platform=alpha_draft)
    services.platform_publish(actor=reviewer_of(org_a), platform=alpha_draft)
    alpha_draft.refresh_from_db()
    assert alpha_draft.state == Platform.State.PUBLISHED


# --- the admin, as an editor of another organisation ----------------------------------------

ADD = reverse("admin:platforms_platform_add")


def _admin_add(client, slug):
    page = client.get(ADD)
    return client.post(
        ADD, admin_form_data(page, name="Case Tracker", slug=slug, summary="Track cases.")
    )


def test_the_admin_add_form_takes_a_hidden_drafts_slug_as_a_free_one(client, hidden, org_b):
    client.force_login(editor_of(org_b))
    taken_by_draft = _admin_add(client, "case-tracker")
    free = _admin_add(client, "nobody-uses")
    assert taken_by_draft.status_code == free.status_code == 302
    assert Platform.objects.get(owner=org_b, slug="case-tracker").name == "Case Tracker"
    page = client.get(taken_by_draft["Location"])
    assert page.status_code == 200
    _assert_says_nothing_of_the_draft(page)


def test_the_admin_add_form_refuses_a_published_slug_on_the_field(client, org_b):
    PublishedPlatformFactory(owner=OrganisationFactory(name="Gamma"), name="Pay", slug="pay")
    client.force_login(editor_of(org_b))
    response = _admin_add(client, "pay")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["slug"] == [
        "The slug 'pay' is taken by Pay (Gamma): choose another slug."
    ]
    assert not Platform.objects.filter(owner=org_b).exists()


# --- importers ------------------------------------------------------------------------------


def test_an_import_takes_the_slug_of_a_hidden_draft_as_a_free_one(hidden, org_b):
    # CATALOG_INFO describes "case-tracker", the slug of Alpha's hidden draft.
    response = post_import(client_for(editor_of(org_b)), owner="beta-board", dry_run="false")
    assert response.status_code == 201, response.content
    assert [i["slug"] for i in response.json()["created"]] == ["case-tracker"]
    _assert_says_nothing_of_the_draft(response)
    assert Platform.objects.filter(owner=org_b, slug="case-tracker").exists()


def test_an_imported_reference_to_a_shared_slug_is_the_published_platform(org_a, org_b):
    from platforms.exporters.tabular import PLATFORM_FIELDNAMES

    DraftPlatformFactory(owner=org_b, name="Beta Tracker", slug="case-tracker")
    published = PublishedPlatformFactory(owner=org_a, name="Alpha Tracker", slug="case-tracker")
    row = {
        "slug": "old-tracker",
        "name": "Old Tracker",
        "summary": "The tracker before.",
        "owner": "beta-board",
        "phase": "retired",
        "replaced_by": "case-tracker",
    }
    text = ",".join(PLATFORM_FIELDNAMES) + "\n"
    text += ",".join(row.get(name, "") for name in PLATFORM_FIELDNAMES) + "\n"
    response = post_import(
        client_for(editor_of(org_b)),
        [upload("platforms.csv", text.encode())],
        format="csv",
        owner="",
        dry_run="false",
    )
    assert response.status_code == 201, response.content
    assert Platform.objects.get(slug="old-tracker").replaced_by == published


# --- the database holds the rule ------------------------------------------------------------


def test_the_database_refuses_two_published_platforms_or_one_owners_twins(org_a, org_b):
    from django.db import IntegrityError, transaction

    DraftPlatformFactory(owner=org_a, slug="case-tracker")
    DraftPlatformFactory(owner=org_b, slug="case-tracker")
    published = PublishedPlatformFactory(owner=OrganisationFactory(), slug="case-tracker")
    with pytest.raises(IntegrityError), transaction.atomic():
        PublishedPlatformFactory(owner=OrganisationFactory(), slug="case-tracker")
    with pytest.raises(IntegrityError), transaction.atomic():
        DraftPlatformFactory(owner=org_a, slug="case-tracker")
    with pytest.raises(IntegrityError), transaction.atomic():
        Platform.objects.filter(owner=org_a).update(state=Platform.State.PUBLISHED)
    assert list(Platform.objects.published().filter(slug="case-tracker")) == [published]
    assert Platform.objects.filter(slug="case-tracker").count() == 3


# --- the one check of which platform holds a slug ------------------------------------------


def test_a_batchs_slugs_are_checked_in_one_query_whatever_the_number_of_owners(
    org_a, org_b, hidden, django_assert_num_queries
):
    from platforms.models import Organisation
    from platforms.services import platform_slug_holders, platform_slug_refusal

    pay = PublishedPlatformFactory(owner=OrganisationFactory(), slug="pay")
    beta_plan = DraftPlatformFactory(owner=org_b, slug="beta-plan")
    wanted = {
        org_a.pk: {"case-tracker", "beta-plan"},  # Alpha's own; Beta's draft: free for Alpha
        org_b.pk: {"case-tracker", "pay", "beta-plan", "nobody-uses"},  # Alpha's draft: free
    }

    with django_assert_num_queries(1):
        held = platform_slug_holders(wanted)

    assert {pair: holder.pk for pair, holder in held.items()} == {
        ("case-tracker", org_a.pk): hidden.pk,
        ("pay", org_b.pk): pay.pk,
        ("beta-plan", org_b.pk): beta_plan.pk,
    }
    for owner, slugs in wanted.items():  # the same answer as one platform at a time
        for slug in slugs:
            assert bool(platform_slug_refusal(slug=slug, owner=owner)) == ((slug, owner) in held)

    # Hundreds of owners (a filter per owner once took PostgreSQL seconds to plan, and SQLite
    # refuses a WHERE clause of a thousand branches): still one query, and the same answer.
    many = Organisation.objects.bulk_create(
        Organisation(name=f"Body {n}", slug=f"body-{n}") for n in range(1200)
    )
    DraftPlatformFactory(owner=many[-1], slug="last-plan")
    with django_assert_num_queries(1):
        held = platform_slug_holders({o.pk: {"last-plan", "pay"} for o in many})
    assert {slug for slug, _ in held} == {"pay", "last-plan"}
    assert {pair for pair in held if pair[0] == "last-plan"} == {("last-plan", many[-1].pk)}
