"""The visibility rule written in SQL (``platforms.selectors._sql.visible_platforms``, used by every
raw statement) keeps exactly the platforms ``PlatformQuerySet.visible_to`` keeps, for every kind of
reader, on whichever database the suite runs on (SQLite and PostgreSQL)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from platforms.models import Membership, Platform
from platforms.selectors._sql import (
    TABLES,
    visible_platform_ids,
    visible_platforms,
    visible_scopes,
)
from tests.factories import (
    AdminUserFactory,
    DraftPlatformFactory,
    InReviewPlatformFactory,
    MembershipFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    UserFactory,
    editor_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    """Three organisations (one the child of another), each with a published platform, a draft
    and one in review."""
    alpha = OrganisationFactory(slug="alpha")
    beta = OrganisationFactory(slug="beta")
    alpha_agency = OrganisationFactory(slug="alpha-agency", parent=alpha)
    for organisation in (alpha, beta, alpha_agency):
        name = organisation.slug
        PublishedPlatformFactory(owner=organisation, slug=f"{name}-published")
        DraftPlatformFactory(owner=organisation, slug=f"{name}-draft")
        InReviewPlatformFactory(owner=organisation, slug=f"{name}-in-review")
    return {"alpha": alpha, "beta": beta, "alpha-agency": alpha_agency}


def _inactive(user):
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


# Each reader, and the slugs it may see besides the three published platforms (written out, so
# that the comparison with ``visible_to`` cannot pass on data that tells nobody apart).
READERS = {
    "anonymous": (lambda orgs: AnonymousUser(), []),
    "signed in, no membership": (lambda orgs: UserFactory(is_staff=False), []),
    "staff, no membership": (lambda orgs: UserFactory(is_staff=True), []),
    "editor of one organisation": (
        lambda orgs: editor_of(orgs["alpha"]),
        ["alpha-draft", "alpha-in-review"],
    ),
    "editor of two organisations": (
        lambda orgs: (
            MembershipFactory(
                organisation=orgs["beta"],
                user=editor_of(orgs["alpha"]),
                role=Membership.Role.REVIEWER,
            ).user
        ),
        ["alpha-draft", "alpha-in-review", "beta-draft", "beta-in-review"],
    ),
    "inactive editor": (
        lambda orgs: _inactive(editor_of(orgs["beta"])),
        ["beta-draft", "beta-in-review"],
    ),
    "catalogue administrator": (
        lambda orgs: AdminUserFactory(),
        [f"{o}-{s}" for o in ("alpha", "beta", "alpha-agency") for s in ("draft", "in-review")],
    ),
    "superuser, not staff": (
        lambda orgs: AdminUserFactory(is_staff=False),
        [f"{o}-{s}" for o in ("alpha", "beta", "alpha-agency") for s in ("draft", "in-review")],
    ),
    "inactive superuser": (
        lambda orgs: _inactive(AdminUserFactory()),
        [f"{o}-{s}" for o in ("alpha", "beta", "alpha-agency") for s in ("draft", "in-review")],
    ),
}
PUBLISHED = ["alpha-published", "beta-published", "alpha-agency-published"]


def _slugs(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    return sorted(Platform.objects.filter(pk__in=ids).values_list("slug", flat=True))


def _kept(alias, condition, params, extra=""):
    """The slugs of the platforms (aliased ``alias``) meeting ``condition``."""
    table = TABLES["platform"]
    return _slugs(f"SELECT {alias}.id FROM {table} {alias} WHERE {condition}{extra}", params)  # noqa: S608


def _orm_slugs(queryset):
    return sorted(queryset.values_list("slug", flat=True))


@pytest.fixture(params=list(READERS))
def reader(request, catalogue):
    make, unpublished = READERS[request.param]
    return make(catalogue), sorted(PUBLISHED + unpublished)


def test_the_condition_keeps_the_rows_visible_to_keeps(reader):
    user, expected = reader
    condition, params = visible_platforms(user, "x")
    kept = _kept("x", condition, params)
    assert kept == _orm_slugs(Platform.objects.visible_to(user))
    assert kept == expected


def test_the_unpublished_half_keeps_the_unpublished_rows_visible_to_keeps(reader):
    user, expected = reader
    condition, params = visible_platforms(user, "p", unpublished_only=True)
    kept = _kept("p", condition, params)
    visible = Platform.objects.visible_to(user).exclude(state=Platform.State.PUBLISHED)
    assert kept == _orm_slugs(visible)
    assert kept == [slug for slug in expected if slug not in PUBLISHED]


def test_the_condition_with_a_named_placeholder_keeps_the_same_rows(reader):
    user, expected = reader
    condition, params = visible_platforms(user, "p", placeholder="%(reader)s")
    named = {"reader": params[0]} if params else {}
    kept = _kept("p", condition, {**named, "floor": 0}, " AND p.id > %(floor)s")
    assert kept == expected


def test_the_visible_ids_are_the_visible_rows(reader):
    user, expected = reader
    sql, params = visible_platform_ids(user)
    assert _slugs(sql, params) == expected


def test_the_scopes_kept_are_those_of_the_visible_platforms(reader):
    """The kept figures' scope (0 for a published platform, else its owner) passes
    ``visible_scopes`` exactly for the platforms the reader may see."""
    user, expected = reader
    condition, params = visible_scopes(user, "s.scope")
    sql = (
        f"SELECT s.id FROM (SELECT p.id, CASE WHEN p.state = 'published' THEN 0 "  # noqa: S608
        f"ELSE p.owner_id END AS scope FROM {TABLES['platform']} p) s WHERE {condition}"
    )
    assert _slugs(sql, params) == expected


def test_the_text_names_no_reader_so_statements_can_be_kept_on_it(catalogue):
    """Two members get the same text (their ids are parameters), as two anonymous readers do."""
    first, second = editor_of(catalogue["alpha"]), editor_of(catalogue["beta"])
    assert visible_platforms(first)[0] == visible_platforms(second)[0]
    assert visible_platforms(first)[1] == [first.pk]
    assert visible_platforms(AnonymousUser()) == visible_platforms(AnonymousUser())


def test_an_alias_that_is_not_a_name_is_refused():
    with pytest.raises(ValueError, match="alias"):
        visible_platforms(AnonymousUser(), "p; DROP TABLE x")
