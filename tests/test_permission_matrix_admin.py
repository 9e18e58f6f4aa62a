"""The permission matrix, extended to every admin URL that accepts POST: each add, change and
delete page, each changelist action, the review buttons and the history pages, for the seven
actors of ``tests/test_permission_matrix.py``. A refused actor posts exactly what an administrator's
page would post, and the test checks what happened to the data, not the status code.

``test_every_admin_url_is_in_the_matrix`` lists the admin's URLs, so a new page that accepts POST
fails until it gets a row here (or is listed as read-only, with the reason)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLResolver, reverse
from knox.models import AuthToken

from platforms.models import (
    Adoption,
    Capability,
    Dependency,
    Membership,
    Organisation,
    Platform,
    Standard,
    Synonym,
)
from tests.conftest import admin_page_data
from tests.factories import CapabilityFactory, OrganisationFactory, StandardFactory, UserFactory
from tests.test_permission_matrix import ACTORS, world  # noqa: F401 - the shared fixture

pytestmark = pytest.mark.django_db

YES, NO = True, False
OWNER = (NO, NO, YES, NO, YES, NO, YES)  # members of the owner (or consumer), administrators
REVIEWERS = (NO, NO, NO, NO, YES, NO, YES)
ADMINS = (NO, NO, NO, NO, NO, NO, YES)
NOBODY = (NO,) * 7


@pytest.fixture
def records(world):  # noqa: F811
    """Besides ``world``: one unused record of every reference model, and a user to manage."""
    target = UserFactory(username="target", is_staff=False)
    return {
        **world,
        "organisation": OrganisationFactory(slug="delta-dept", name="Delta Department").pk,
        "capability": CapabilityFactory(slug="unused-need", name="Unused need").pk,
        "standard": StandardFactory(slug="unused-standard", name="Unused standard").pk,
        "synonym": Synonym.objects.create(term="zz-unused", expansions="nothing").pk,
        "membership": Membership.objects.create(
            user=target, organisation=Organisation.objects.get(slug="gamma-group")
        ).pk,
        "user": target.pk,
        "group": Group.objects.create(name="Readers").pk,
    }


def pk(slug):
    return lambda r: Platform.objects.get(slug=slug).pk


def key(name):
    return lambda r: r[name]


def _history_id(model, name_or_slug):
    def find(r):
        if model is Platform:
            obj = Platform.objects.get(slug=name_or_slug)
        else:
            obj = model.objects.get(pk=r[name_or_slug])
        return [obj.pk, obj.history.first().history_id]

    return find


def _form(kind, overrides):
    return (kind, overrides)


def _gone(model, name):
    return lambda r: not model.objects.filter(pk=r[name]).exists()


def _platform_gone(slug):
    return lambda r: not Platform.objects.filter(slug=slug).exists()


def _state(slug, state):
    return lambda r: Platform.objects.get(slug=slug).state == state


User = get_user_model()


def _added(model, fields):
    if model is Membership:
        return lambda r: Membership.objects.filter(organisation__slug="delta-dept").exists()
    first = next(iter(fields))
    return lambda r: model.objects.filter(**{first: fields[first]}).exists()


# (name, URL name, args from the records, what is posted, whether it happened, per actor).
# What is posted: ("form", overrides) is the administrator's page with some fields changed;
# ("raw", data) is posted as it is (actions, delete confirmations).
DELETE = ("raw", {"post": "yes"})


def action(name, model, key_or_slug):
    def data(r):
        if model is Platform:
            selected = Platform.objects.get(slug=key_or_slug).pk
        else:
            selected = r[key_or_slug]
        return {"action": name, "_selected_action": [selected], "post": "yes"}

    return ("raw", data)


TABLE = [
    # platforms
    (
        "register a platform",
        "platforms_platform_add",
        None,
        _form(
            "form",
            {
                "name": "Matrix thing",
                "slug": "matrix-thing",
                "summary": "Does it.",
                "owner": lambda r: str(Organisation.objects.get(slug="alpha-office").pk),
            },
        ),
        lambda r: Platform.objects.filter(slug="matrix-thing").exists(),
        OWNER,
    ),
    (
        "change a platform",
        "platforms_platform_change",
        pk("a-live"),
        _form("form", {"summary": "Changed in the matrix."}),
        lambda r: Platform.objects.get(slug="a-live").summary == "Changed in the matrix.",
        OWNER,
    ),
    (
        "submit button",
        "platforms_platform_change",
        pk("a-draft"),
        _form("form", {"_submit_for_review": "1"}),
        _state("a-draft", Platform.State.IN_REVIEW),
        OWNER,
    ),
    (
        "publish button",
        "platforms_platform_change",
        pk("a-review"),
        _form("form", {"_publish": "1"}),
        _state("a-review", Platform.State.PUBLISHED),
        REVIEWERS,
    ),
    (
        "delete a platform",
        "platforms_platform_delete",
        pk("a-spare"),
        DELETE,
        _platform_gone("a-spare"),
        OWNER,
    ),
    (
        "delete selected platforms",
        "platforms_platform_changelist",
        None,
        action("delete_selected", Platform, "a-spare"),
        _platform_gone("a-spare"),
        OWNER,
    ),
    (
        "submit selected platforms",
        "platforms_platform_changelist",
        None,
        action("submit_for_review", Platform, "a-draft"),
        _state("a-draft", Platform.State.IN_REVIEW),
        OWNER,
    ),
    (
        "post a platform's history form",
        "platforms_platform_simple_history",
        _history_id(Platform, "a-live"),
        _form("form", {"summary": "Changed in the matrix."}),
        lambda r: Platform.objects.get(slug="a-live").summary == "Changed in the matrix.",
        NOBODY,
    ),
    # adoptions: they belong to the consumer (alpha-office in ``world``)
    (
        "record an adoption",
        "platforms_adoption_add",
        None,
        _form(
            "form",
            {
                "platform": lambda r: str(Platform.objects.get(slug="c-live").pk),
                "organisation": lambda r: str(Organisation.objects.get(slug="alpha-office").pk),
                "status": "in_use",
                "use_case": "Matrix",
            },
        ),
        lambda r: Adoption.objects.filter(use_case="Matrix").exists(),
        OWNER,
    ),
    (
        "change an adoption",
        "platforms_adoption_change",
        key("adoption"),
        _form("form", {"notes": "Matrix note."}),
        lambda r: Adoption.objects.get(pk=r["adoption"]).notes == "Matrix note.",
        OWNER,
    ),
    (
        "delete an adoption",
        "platforms_adoption_delete",
        key("adoption"),
        DELETE,
        _gone(Adoption, "adoption"),
        OWNER,
    ),
    (
        "end selected adoptions",
        "platforms_adoption_changelist",
        None,
        action("end_adoptions", Adoption, "adoption"),
        lambda r: Adoption.objects.get(pk=r["adoption"]).status == Adoption.Status.STOPPED,
        OWNER,
    ),
    (
        "delete selected adoptions",
        "platforms_adoption_changelist",
        None,
        action("delete_selected", Adoption, "adoption"),
        _gone(Adoption, "adoption"),
        OWNER,
    ),
    (
        "post an adoption's history form",
        "platforms_adoption_simple_history",
        _history_id(Adoption, "adoption"),
        _form("form", {"notes": "Matrix note."}),
        lambda r: Adoption.objects.get(pk=r["adoption"]).notes == "Matrix note.",
        NOBODY,
    ),
    # dependencies: written by members of the depending platform's owner
    (
        "record a dependency",
        "platforms_dependency_add",
        None,
        _form(
            "form",
            {
                "platform": lambda r: str(Platform.objects.get(slug="a-live").pk),
                "depends_on": lambda r: str(Platform.objects.get(slug="a-used").pk),
                "kind": "data",
            },
        ),
        lambda r: Dependency.objects.filter(depends_on__slug="a-used").exists(),
        OWNER,
    ),
    (
        "change a dependency",
        "platforms_dependency_change",
        key("dependency"),
        _form("form", {"kind": "build"}),
        lambda r: Dependency.objects.get(pk=r["dependency"]).kind == "build",
        OWNER,
    ),
    (
        "delete a dependency",
        "platforms_dependency_delete",
        key("dependency"),
        DELETE,
        _gone(Dependency, "dependency"),
        OWNER,
    ),
    (
        "delete selected dependencies",
        "platforms_dependency_changelist",
        None,
        action("delete_selected", Dependency, "dependency"),
        _gone(Dependency, "dependency"),
        OWNER,
    ),
    (
        "post a dependency's history form",
        "platforms_dependency_simple_history",
        _history_id(Dependency, "dependency"),
        _form("form", {"kind": "build"}),
        lambda r: Dependency.objects.get(pk=r["dependency"]).kind == "build",
        NOBODY,
    ),
]

# Reference records, memberships, users and groups: catalogue administrators only.
for label, model, name, add_fields, change_field in [
    (
        "organisation",
        Organisation,
        "organisation",
        {"name": "Matrix Agency", "slug": "matrix-agency", "kind": "executive_agency"},
        ("abbreviation", "MX"),
    ),
    (
        "capability",
        Capability,
        "capability",
        {"name": "Matrix", "slug": "matrix"},
        ("description", "Matrix."),
    ),
    (
        "standard",
        Standard,
        "standard",
        {"name": "Matrix", "slug": "matrix"},
        ("description", "Matrix."),
    ),
    (
        "synonym",
        Synonym,
        "synonym",
        {"term": "matrix", "expansions": "grid"},
        ("expansions", "text message, texts"),
    ),
    (
        "membership",
        Membership,
        "membership",
        {
            "user": lambda r: str(r["user"]),
            "organisation": lambda r: str(r["organisation"]),
            "role": "reviewer",
        },
        ("role", "reviewer"),
    ),
    ("group", Group, "group", {"name": "Matrix"}, ("name", "Matrix readers")),
]:
    app = "auth" if model is Group else "platforms"
    url = f"{app}_{model._meta.model_name}"
    field, value = change_field
    TABLE += [
        (
            f"add {label}",
            f"{url}_add",
            None,
            _form("form", add_fields),
            _added(model, add_fields),
            ADMINS,
        ),
        (
            f"change {label}",
            f"{url}_change",
            key(name),
            _form("form", {field: value}),
            (lambda m, n, f, v: lambda r: getattr(m.objects.get(pk=r[n]), f) == v)(
                model, name, field, value
            ),
            ADMINS,
        ),
        (f"delete {label}", f"{url}_delete", key(name), DELETE, _gone(model, name), ADMINS),
        (
            f"delete selected {label}",
            f"{url}_changelist",
            None,
            action("delete_selected", model, name),
            _gone(model, name),
            ADMINS,
        ),
    ]

TABLE += [
    (
        "add user",
        "auth_user_add",
        None,
        _form(
            "form",
            {
                "username": "matrix",
                "password1": "a long Matrix passphrase 42",
                "password2": "a long Matrix passphrase 42",
                "usable_password": "true",
            },
        ),
        lambda r: User.objects.filter(username="matrix").exists(),
        ADMINS,
    ),
    (
        "change user",
        "auth_user_change",
        key("user"),
        _form(
            "form",
            # The page shows the date joined as two fields (a split widget).
            {
                "is_superuser": "on",
                "is_staff": "on",
                "date_joined_0": "2026-01-01",
                "date_joined_1": "09:00:00",
            },
        ),
        lambda r: User.objects.get(pk=r["user"]).is_superuser,
        ADMINS,
    ),
    (
        "change a user's password",
        "auth_user_password_change",
        key("user"),
        (
            "raw",
            {
                "password1": "a long Matrix passphrase 42",
                "password2": "a long Matrix passphrase 42",
                "usable_password": "true",
            },
        ),
        lambda r: User.objects.get(pk=r["user"]).check_password("a long Matrix passphrase 42"),
        ADMINS,
    ),
    ("delete user", "auth_user_delete", key("user"), DELETE, _gone(User, "user"), ADMINS),
    (
        "delete selected users",
        "auth_user_changelist",
        None,
        action("delete_selected", User, "user"),
        _gone(User, "user"),
        ADMINS,
    ),
    (
        "add token",
        "knox_authtoken_add",
        None,
        _form(
            "form",
            {
                "user": lambda r: str(r["user"]),
                "expiry_0": "2030-01-01",
                "expiry_1": "00:00:00",
            },
        ),
        lambda r: AuthToken.objects.filter(user_id=r["user"]).exists(),
        ADMINS,
    ),
]

# Admin URLs that never write catalogue data, and why.
READ_ONLY = {
    "index": "the dashboard",
    "app_list": "a list of models",
    "jsi18n": "translations for the scripts",
    "view_on_site": "a redirect",
    "autocomplete": "GET only: search results for the pickers",
    "platforms_platform_similar": "GET only: the similar-platforms warning",
    "login": "signs the user in; no catalogue data",
    "logout": "signs the user out",
    "password_change": "the signed-in user's own password (Django's own view)",
    "password_change_done": "a confirmation page",
}
READ_ONLY_SUFFIXES = ("_history",)  # Django's history list: a GET page
# Token lists and deletes are tested in tests/security/test_tokens.py (digests only, revocation);
# django-axes' lockout records are its own admin, for catalogue administrators only.
NOT_HERE = {
    "knox_authtoken_change",
    "knox_authtoken_delete",
    "knox_authtoken_changelist",
    # django-axes' records: see test_only_administrators_clear_a_lockout below.
    *(
        f"axes_{model}_{view}"
        for model in ("accessattempt", "accessfailurelog", "accesslog")
        for view in ("add", "change", "changelist", "delete")
    ),
}


def _admin_url_names():
    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif pattern.name:
                yield pattern.name

    return set(walk(admin.site.get_urls()))


def test_every_admin_url_is_in_the_matrix():
    covered = {row[1] for row in TABLE} | set(READ_ONLY) | NOT_HERE
    missing = {
        name for name in _admin_url_names() - covered if not name.endswith(READ_ONLY_SUFFIXES)
    }
    assert not missing, f"admin URLs with no row in the matrix: {sorted(missing)}"


def _page_data(page, overrides, records) -> dict:
    """What the administrator's page would post back, with ``overrides``."""
    data = admin_page_data(page)
    for name, value in overrides.items():
        data[name] = value(records) if callable(value) else value
    return data


def _cases():
    return [
        pytest.param(row, actor, expected, id=f"{row[0]}-{actor}")
        for row in TABLE
        for actor, expected in zip(ACTORS, row[-1], strict=True)
    ]


@pytest.mark.parametrize(("row", "actor", "expected"), _cases())
def test_admin_post(records, row, actor, expected):
    _label, url_name, args, (kind, body), happened, _expected = row
    resolved = args(records) if args else None
    url = reverse(
        f"admin:{url_name}",
        args=None if resolved is None else resolved if isinstance(resolved, list) else [resolved],
    )
    if kind == "form":
        administrator = Client()
        administrator.force_login(records["users"]["superuser"])
        page = administrator.get(url)
        assert page.status_code == 200, (url, page.status_code)
        data = _page_data(page, body, records)
    else:
        data = body(records) if callable(body) else body
    before = happened(records)
    assert before is False, "the effect must not be there before the request"

    client = Client()
    user = records["users"][actor]
    if user is not None:
        client.force_login(user)
    response = client.post(url, data)

    assert response.status_code in (200, 302, 403, 404, 405), response.status_code
    assert happened(records) is expected, (url, response.status_code)


@pytest.mark.parametrize(("actor", "cleared"), [("editor_of_owner", False), ("superuser", True)])
def test_only_administrators_clear_a_lockout(records, actor, cleared):
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.create(
        username="alice", ip_address="203.0.113.9", user_agent="test", failures_since_start=9
    )
    client = Client()
    client.force_login(records["users"][actor])
    client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists() is not cleared
