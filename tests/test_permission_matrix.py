"""Who may do what (DESIGN.md), proven: every write, through the API and the admin, for every kind
of actor, generated from one table. Then: another organisation's draft never shows, anywhere."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from platforms.models import (
    Adoption,
    Capability,
    Dependency,
    Organisation,
    Platform,
    Standard,
)
from tests.api.conftest import client_for
from tests.conftest import admin_page_data
from tests.factories import (
    AdminUserFactory,
    AdoptionFactory,
    DependencyFactory,
    DraftPlatformFactory,
    InReviewPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    UserFactory,
    editor_of,
    reviewer_of,
)

pytestmark = pytest.mark.django_db

ACTORS = (
    "anonymous",
    "no_organisation",
    "editor_of_owner",
    "editor_of_other",
    "reviewer_of_owner",
    "reviewer_of_other",
    "superuser",
)

# --- the table -------------------------------------------------------------------------------
# (name, method, url, body, expected status for each actor in ACTORS order).
# "Owner" is alpha-office: it owns the a-* platforms and is the consumer of the adoption
# (adoptions belong to the consumer). Other organisations' drafts answer 404, as if absent.
ADOPTION = "{adoption}"
DEPENDENCY = "{dependency}"
P = "/api/v1/platforms"
NEW_PLATFORM = {"name": "New thing", "summary": "Does things.", "owner": "alpha-office"}
ALL = (401, 403, 200, 403, 200, 403, 200)
CREATED = (401, 403, 201, 403, 201, 403, 201)
DELETED = (401, 403, 204, 403, 204, 403, 204)
HIDDEN = (401, 404, 200, 404, 200, 404, 200)
REFUSED = (401, 403, 409, 403, 409, 403, 409)
ADMINS_ONLY = (401, 403, 403, 403, 403, 403, 201)

API_TABLE = [
    ("create platform", "post", f"{P}/", NEW_PLATFORM, CREATED),
    ("replace platform", "put", f"{P}/a-live/", {**NEW_PLATFORM, "phase": "beta"}, ALL),
    ("change platform", "patch", f"{P}/a-live/", {"summary": "Changed."}, ALL),
    ("delete platform", "delete", f"{P}/a-spare/", None, DELETED),
    ("delete a platform in use", "delete", f"{P}/a-used/", None, REFUSED),
    ("submit a draft", "post", f"{P}/a-draft/submit/", None, HIDDEN),
    ("submit a published platform", "post", f"{P}/a-live/submit/", None, REFUSED),
    ("publish", "post", f"{P}/a-review/publish/", None, (401, 404, 403, 404, 200, 404, 200)),
    ("publish a draft", "post", f"{P}/a-draft/publish/", None, (401, 404, 403, 404, 409, 404, 409)),
    (
        "reject",
        "post",
        f"{P}/a-review/reject/",
        {"reason": "Add a contact."},
        (401, 404, 403, 404, 200, 404, 200),
    ),
    ("retire", "post", f"{P}/a-live/retire/", {"retiring": True}, ALL),
    (
        "record adoption",
        "post",
        "/api/v1/adoptions/",
        {"platform": "c-live", "organisation": "alpha-office", "use_case": "Fees"},
        CREATED,
    ),
    ("replace adoption", "put", f"/api/v1/adoptions/{ADOPTION}/", {"status": "piloting"}, ALL),
    ("change adoption", "patch", f"/api/v1/adoptions/{ADOPTION}/", {"notes": "Pilot."}, ALL),
    ("end adoption", "post", f"/api/v1/adoptions/{ADOPTION}/end/", {}, ALL),
    ("delete adoption", "delete", f"/api/v1/adoptions/{ADOPTION}/", None, DELETED),
    (
        "record dependency",
        "post",
        "/api/v1/dependencies/",
        {"platform": "a-live", "depends_on": "a-used", "kind": "data"},
        CREATED,
    ),
    ("delete dependency", "delete", f"/api/v1/dependencies/{DEPENDENCY}/", None, DELETED),
    (
        "create organisation",
        "post",
        "/api/v1/organisations/",
        {"slug": "new-agency", "name": "New Agency", "kind": "executive_agency"},
        ADMINS_ONLY,
    ),
    (
        "create capability",
        "post",
        "/api/v1/capabilities/",
        {"slug": "new-need", "name": "New need"},
        ADMINS_ONLY,
    ),
    (
        "create standard",
        "post",
        "/api/v1/standards/",
        {"slug": "new-standard", "name": "New standard"},
        ADMINS_ONLY,
    ),
]

# (name, how it is done, the platform it is done to, whether it happened for each actor).
# Department users are staff (to sign in) and act through their memberships only.
YES, NO = True, False
ADMIN_TABLE = [
    ("submit_for_review", "action", "a-draft", (NO, NO, YES, NO, YES, NO, YES)),
    ("publish", "action", "a-review", (NO, NO, NO, NO, YES, NO, YES)),
    ("retire", "action", "a-live", (NO, NO, YES, NO, YES, NO, YES)),
    ("change", "change_form", "a-live", (NO, NO, YES, NO, YES, NO, YES)),
]
EFFECTS = {
    "submit_for_review": lambda p: p.state == Platform.State.IN_REVIEW,
    "publish": lambda p: p.state == Platform.State.PUBLISHED,
    "retire": lambda p: p.phase == Platform.Phase.RETIRED,
    "change": lambda p: p.summary == "Changed in the admin.",
}


def _cases(table):
    return [
        pytest.param(row, actor, expected, id=f"{row[0]}-{actor}")
        for row in table
        for actor, expected in zip(ACTORS, row[-1], strict=True)
    ]


# --- the world -------------------------------------------------------------------------------


@pytest.fixture
def world():
    owner = OrganisationFactory(slug="alpha-office", name="Alpha Office")
    other = OrganisationFactory(slug="beta-board", name="Beta Board")
    third = OrganisationFactory(slug="gamma-group", name="Gamma Group")
    live = PublishedPlatformFactory(slug="a-live", owner=owner)
    PublishedPlatformFactory(slug="a-spare", owner=owner)
    used = PublishedPlatformFactory(slug="a-used", owner=owner)
    DraftPlatformFactory(slug="a-draft", owner=owner)
    InReviewPlatformFactory(slug="a-review", owner=owner)
    theirs = PublishedPlatformFactory(slug="c-live", owner=third)
    AdoptionFactory(platform=used, organisation=third)
    return {
        "adoption": AdoptionFactory(platform=theirs, organisation=owner).pk,
        "dependency": DependencyFactory(platform=live, depends_on=theirs).pk,
        "users": {
            "anonymous": None,
            "no_organisation": UserFactory(),
            "editor_of_owner": editor_of(owner),
            "editor_of_other": editor_of(other),
            "reviewer_of_owner": reviewer_of(owner),
            "reviewer_of_other": reviewer_of(other),
            "superuser": AdminUserFactory(),
        },
    }


def _counts():
    models = (Platform, Adoption, Dependency, Organisation, Capability, Standard)
    return {model.__name__: model.objects.count() for model in models}


# --- the API ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("row", "actor", "expected"), _cases(API_TABLE))
def test_api_write(world, row, actor, expected):
    _name, method, url, body, _statuses = row
    url = url.format(adoption=world["adoption"], dependency=world["dependency"])
    before = _counts()
    client = client_for(world["users"][actor])
    response = getattr(client, method)(url, body, format="json")
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response.json()["status"] == expected
        assert _counts() == before  # a refusal stores nothing


# Imports are multipart, so they have their own table: (format, owner, expected per actor).
BACKSTAGE = b"""apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: imported-thing
  description: Imported.
spec:
  type: service
  lifecycle: production
  owner: group:team
"""
IMPORTS = [
    ("apply an import", {"dry_run": "false"}, CREATED),
    ("dry-run an import", {}, ALL),
    ("import creating organisations", {"create_organisations": "true"}, ADMINS_ONLY[:-1] + (200,)),
]


@pytest.mark.parametrize(
    ("fields", "actor", "expected"),
    [
        pytest.param(fields, actor, expected, id=f"{name}-{actor}")
        for name, fields, statuses in IMPORTS
        for actor, expected in zip(ACTORS, statuses, strict=True)
    ],
)
def test_api_import(world, fields, actor, expected):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = _counts()
    data = {
        "file": [SimpleUploadedFile("catalog-info.yaml", BACKSTAGE)],
        "format": "backstage",
        "owner": "alpha-office",
        **fields,
    }
    response = client_for(world["users"][actor]).post("/api/v1/imports/", data)
    assert response.status_code == expected, response.content
    if expected != 201:
        assert _counts() == before  # a refusal, or a dry run, stores nothing
    else:
        assert Platform.objects.get(slug="imported-thing").owner.slug == "alpha-office"


@pytest.mark.parametrize("actor", ACTORS)
def test_anyone_may_compare_a_draft(world, actor):
    before = _counts()
    response = client_for(world["users"][actor]).post(
        "/api/v1/platforms/similar/", {"name": "Something new"}, format="json"
    )
    assert response.status_code == 200
    assert _counts() == before


# --- the admin -------------------------------------------------------------------------------


def _admin_client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _change_form_data(platform: Platform, superuser) -> dict:
    """What the change page posts, read as an administrator (a refused actor cannot open it)."""
    page = _admin_client(superuser).get(
        reverse("admin:platforms_platform_change", args=[platform.pk])
    )
    return {**admin_page_data(page), "summary": "Changed in the admin."}


@pytest.mark.parametrize(("row", "actor", "expected"), _cases(ADMIN_TABLE))
def test_admin_write(world, row, actor, expected):
    name, how, slug, _effects = row
    platform = Platform.objects.get(slug=slug)
    user = world["users"][actor]
    if how == "action":
        url = reverse("admin:platforms_platform_changelist")
        data = {"action": name, "_selected_action": [platform.pk]}
    else:
        url = reverse("admin:platforms_platform_change", args=[platform.pk])
        data = _change_form_data(platform, world["users"]["superuser"])
    response = _admin_client(user).post(url, data)
    assert response.status_code in (200, 302, 403)
    platform.refresh_from_db()
    assert EFFECTS[name](platform) is expected


# --- drafts never leak -----------------------------------------------------------------------

MARKER = "zebracorn"  # in the draft's slug, name and summary: it must appear in no response


@pytest.fixture
def draft_world(world):
    owner = Organisation.objects.get(slug="alpha-office")
    consumer = Organisation.objects.get(slug="gamma-group")
    draft = DraftPlatformFactory(
        slug=f"{MARKER}-draft", name=f"Secret {MARKER}", summary=f"The {MARKER}.", owner=owner
    )
    live = Platform.objects.get(slug="a-live")
    base = Platform.objects.get(slug="c-live")
    # Its own links to public records: a published platform depends on it, it depends on one,
    # an organisation adopts it, and a retiring platform names it as the replacement.
    DependencyFactory(platform=live, depends_on=draft)
    DependencyFactory(platform=draft, depends_on=base)
    AdoptionFactory(platform=draft, organisation=consumer, use_case=MARKER)
    PublishedPlatformFactory(slug="a-old", owner=owner, phase="retiring", replaced_by=draft)
    return draft


PUBLIC_URLS = [
    "/api/v1/platforms/",
    "/api/v1/platforms/?format=csv",
    f"/api/v1/platforms/?q={MARKER}",
    "/api/v1/platforms/?q=secret",
    "/api/v1/platforms/?state=draft",
    "/api/v1/platforms/?owner=alpha-office&page_size=100",
    "/api/v1/platforms/?adopted_by=gamma-group",
    "/api/v1/platforms/?has_adopters=true",
    "/api/v1/platforms/?ordering=-reuse_count",
    "/api/v1/platforms/a-live/",
    "/api/v1/platforms/a-live/dependencies/",
    "/api/v1/platforms/a-live/dependencies/?format=csv",
    "/api/v1/platforms/a-live/dependents/",
    "/api/v1/platforms/a-live/history/",
    "/api/v1/platforms/c-live/dependents/",
    "/api/v1/platforms/c-live/adoptions/",
    "/api/v1/platforms/a-old/",
    "/api/v1/platforms/a-old/history/",
    "/api/v1/organisations/alpha-office/platforms/",
    "/api/v1/organisations/alpha-office/platforms/?format=csv",
    "/api/v1/organisations/gamma-group/adoptions/",
    "/api/v1/organisations/gamma-group/adoptions/?format=csv",
    "/api/v1/organisations/",
    "/api/v1/organisations/?format=csv",
    "/api/v1/adoptions/",
    "/api/v1/adoptions/?format=csv",
    "/api/v1/adoptions/?organisation=gamma-group",
    "/api/v1/dependencies/",
    "/api/v1/dependencies/?format=csv",
    "/api/v1/dependencies/?platform=a-live",
    "/api/v1/dependencies/?depends_on=c-live",
    "/api/v1/search/",
    f"/api/v1/search/?q={MARKER}",
    "/api/v1/search/?q=secret",
    "/api/v1/search/?owner=alpha-office&page_size=100",
    "/api/v1/search/?state=draft",
    "/api/v1/platforms/?q=secret&format=csv",
    "/api/v1/platforms/a-live/similar/?limit=50",
    "/api/v1/platforms/a-old/similar/?limit=50",
    "/api/v1/platforms/c-live/similar/?limit=50",
    "/api/v1/catalogue.jsonld",
    "/api/v1/exports/platforms.csv",
    "/api/v1/exports/platforms.json",
    "/api/v1/exports/organisations.csv",
    "/api/v1/exports/organisations.json",
    "/api/v1/exports/adoptions.csv",
    "/api/v1/exports/adoptions.json",
]
HIDDEN_URLS = [
    "/api/v1/platforms/{slug}/",
    "/api/v1/platforms/{slug}/adoptions/",
    "/api/v1/platforms/{slug}/dependencies/",
    "/api/v1/platforms/{slug}/dependents/",
    "/api/v1/platforms/{slug}/history/",
    "/api/v1/platforms/{slug}/similar/",
    "/api/v1/adoptions/{adoption}/",
    "/api/v1/adoptions/{adoption}/history/",
    "/api/v1/dependencies/{dependency}/",
]
OUTSIDERS = ("anonymous", "no_organisation", "editor_of_other", "reviewer_of_other")


@pytest.mark.parametrize("actor", OUTSIDERS)
def test_drafts_never_leak(world, draft_world, actor):
    client = client_for(world["users"][actor])
    for url in PUBLIC_URLS:
        response = client.get(url)
        assert response.status_code == 200, url
        # CSV lists are streamed.
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert MARKER not in body.decode().lower(), url

    adoption = Adoption.objects.get(platform=draft_world).pk
    dependency = Dependency.objects.get(depends_on=draft_world).pk
    for template in HIDDEN_URLS:
        hidden = client.get(
            template.format(slug=draft_world.slug, adoption=adoption, dependency=dependency)
        )
        absent = client.get(template.format(slug="no-such-thing", adoption=0, dependency=0))
        assert hidden.status_code == absent.status_code == 404, template
        assert hidden.json() == absent.json()  # "exists but hidden" reads as "does not exist"


@pytest.mark.parametrize("actor", OUTSIDERS)
def test_similar_platforms_never_show_a_draft(world, draft_world, actor):
    """Described in the draft's own words, or in those of the platform it replaces: the draft is
    not offered, and the published platform it replaces does not name it."""
    client = client_for(world["users"][actor])
    old = Platform.objects.get(slug="a-old")
    for draft in (
        {"name": draft_world.name, "summary": draft_world.summary},
        {"name": old.name, "summary": old.summary},
    ):
        response = client.post("/api/v1/platforms/similar/?limit=50", draft, format="json")
        assert response.status_code == 200, response.content
        assert MARKER not in response.content.decode().lower()
    assert "a-old" in [r["slug"] for r in response.json()["results"]]


@pytest.mark.parametrize("actor", OUTSIDERS)
def test_draft_counts_never_leak(world, draft_world, actor):
    client = client_for(world["users"][actor])
    owner = client.get("/api/v1/organisations/alpha-office/").json()
    assert owner["owned_platform_count"] == 4  # a-live, a-spare, a-used, a-old: not the draft
    consumer = client.get("/api/v1/organisations/gamma-group/").json()
    assert consumer["adoption_count"] == 1  # a-used only, not the draft
    listed = client.get("/api/v1/platforms/?format=csv").streaming_content  # CSV is streamed
    rows = csv.DictReader(io.StringIO(b"".join(listed).decode()))
    assert {row["slug"] for row in rows} == {"a-live", "a-spare", "a-used", "a-old", "c-live"}
    old = client.get("/api/v1/platforms/a-old/").json()
    assert old["replaced_by"] is None


@pytest.mark.parametrize("actor", ["editor_of_owner", "reviewer_of_owner", "superuser"])
def test_the_owner_does_see_its_draft(world, draft_world, actor):
    """The other side of the leak test, so that it cannot pass by seeing nothing."""
    client = client_for(world["users"][actor])
    assert MARKER in client.get("/api/v1/platforms/").content.decode().lower()
    assert MARKER in client.get("/api/v1/platforms/a-live/dependencies/").content.decode()
    assert client.get("/api/v1/platforms/a-old/").json()["replaced_by"]["slug"] == draft_world.slug
    assert client.get(f"/api/v1/platforms/{draft_world.slug}/history/").status_code == 200
