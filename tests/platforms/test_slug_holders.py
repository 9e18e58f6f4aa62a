"""Which platform holds a slug is one rule (``services.platform_slug_holders``): a published
platform, or one of the same owner's, drafts included; another organisation's draft holds
nothing and is never named. Every path that gives a platform a slug must agree on it: registering
with a slug, registering without one (the slug made from the name), renaming, the admin form's
check, and an import's plan and its write. One table of catalogues, each asked on every path."""

from __future__ import annotations

import dataclasses

import pytest

from platforms import services
from platforms.importers import run_import
from platforms.models import Platform
from tests.factories import (
    DraftPlatformFactory,
    InReviewPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    editor_of,
)

pytestmark = pytest.mark.django_db

WANTED = "ferry-pay"
NAME = "Ferry PAY"  # the name a slug is made from: "ferry-pay" (Backstage: "Ferry-Pay")
# Another organisation's unpublished platforms, which Beta may never learn of.
SECRET = "Secret Ferry Plan"
SECRET_OWNER = "Alpha Office"


@dataclasses.dataclass
class Case:
    id: str
    catalogue: list[tuple[str, str, str]]  # (owner: alpha/beta/gamma, state, slug)
    taken_by: str | None  # the platform a refusal of "ferry-pay" names, if any
    generated: str  # the slug Beta's new "Ferry PAY" gets
    renamed: tuple[str, str] | None = None  # (from, to): a platform's slug changed since


CASES = [
    Case("nothing", [], None, "ferry-pay"),
    Case("another's draft", [("alpha", "draft", "ferry-pay")], None, "ferry-pay"),
    Case("another's in review", [("alpha", "in_review", "ferry-pay")], None, "ferry-pay"),
    Case(
        "another's published",
        [("gamma", "published", "ferry-pay")],
        "gamma:ferry-pay",
        "ferry-pay-2",
    ),
    Case("own draft", [("beta", "draft", "ferry-pay")], "beta:ferry-pay", "ferry-pay-2"),
    Case("own published", [("beta", "published", "ferry-pay")], "beta:ferry-pay", "ferry-pay-2"),
    Case(
        "published and another's draft",
        [("alpha", "draft", "ferry-pay"), ("gamma", "published", "ferry-pay")],
        "gamma:ferry-pay",
        "ferry-pay-2",
    ),
    Case(
        "own draft and a published twin",
        [("beta", "draft", "ferry-pay"), ("gamma", "published", "ferry-pay")],
        "gamma:ferry-pay",  # the published one is named first
        "ferry-pay-2",
    ),
    Case(
        "the -2 published too",
        [("gamma", "published", "ferry-pay"), ("gamma", "published", "ferry-pay-2")],
        "gamma:ferry-pay",
        "ferry-pay-3",
    ),
    Case(
        "the -2 another's draft",
        [("beta", "draft", "ferry-pay"), ("alpha", "draft", "ferry-pay-2")],
        "beta:ferry-pay",
        "ferry-pay-2",
    ),
    Case(
        "the -2 own, the -3 another's draft",
        [("gamma", "published", "ferry-pay"), ("beta", "draft", "ferry-pay-2")]
        + [("alpha", "draft", "ferry-pay-3")],
        "gamma:ferry-pay",
        "ferry-pay-3",
    ),
    Case(
        "published, renamed away",
        [("gamma", "published", "ferry-pay")],
        None,
        "ferry-pay",
        renamed=("ferry-pay", "old-ferry-pay"),
    ),
    Case(
        "own draft, renamed to it",
        [("beta", "draft", "old-ferry-pay")],
        "beta:ferry-pay",
        "ferry-pay-2",
        renamed=("old-ferry-pay", "ferry-pay"),
    ),
    Case(
        "another's draft, renamed to it",
        [("alpha", "draft", "old-ferry-pay")],
        None,
        "ferry-pay",
        renamed=("old-ferry-pay", "ferry-pay"),
    ),
    # Slugs are told apart as the database's unique constraints tell them: exactly.
    Case("published in another case", [("gamma", "published", "Ferry-Pay")], None, "ferry-pay"),
]


@pytest.fixture
def catalogue(request):
    case: Case = request.param
    owners = {
        "alpha": OrganisationFactory(name=SECRET_OWNER, slug="alpha-office"),
        "beta": OrganisationFactory(name="Beta Board", slug="beta-board"),
        "gamma": OrganisationFactory(name="Gamma Group", slug="gamma-group"),
    }
    factories = {
        "draft": DraftPlatformFactory,
        "in_review": InReviewPlatformFactory,
        "published": PublishedPlatformFactory,
    }
    platforms = {}
    for owner, state, slug in case.catalogue:
        unpublished_elsewhere = owner == "alpha"
        name = f"{SECRET} {slug}" if unpublished_elsewhere else f"{owner.title()} {slug}"
        platforms[f"{owner}:{slug}"] = factories[state](owner=owners[owner], name=name, slug=slug)
    if case.renamed:
        old, new = case.renamed
        (platform,) = [p for p in platforms.values() if p.slug == old]
        services.platform_update(actor=None, platform=platform, data={"slug": new})
        platforms[f"{platform.owner.slug.split('-')[0]}:{new}"] = platform
    spare = DraftPlatformFactory(owner=owners["beta"], name="Beta Spare", slug="beta-spare")
    return case, owners, platforms, spare


def _assert_names_no_secret(text: str) -> None:
    assert SECRET not in text
    assert SECRET_OWNER not in text


def _refusal(call) -> str:
    """The error text of a refused write, "" when it succeeded."""
    try:
        call()
    except services.Conflict as error:
        text = f"{error} {error.field_errors}"
        _assert_names_no_secret(text)
        return str(error)
    return ""


def _backstage(name: str, title: str) -> bytes:
    return (
        f"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n"
        f"  title: {title}\n  description: Pay for ferries.\n"
        "spec:\n  type: service\n  lifecycle: production\n  owner: group:ferries\n"
    ).encode()


@pytest.mark.parametrize("catalogue", CASES, ids=[c.id for c in CASES], indirect=True)
def test_every_path_agrees_on_who_holds_a_slug_and_names_no_other_organisations_draft(
    catalogue,
):
    case, owners, platforms, spare = catalogue
    beta = owners["beta"]
    editor = editor_of(beta)
    holder = platforms.get(case.taken_by)
    expected = (
        f"The slug '{WANTED}' is taken by {holder.name} ({holder.owner.name}): choose another slug."
        if holder
        else ""
    )

    # The one function.
    held = services.platform_slug_holders({beta.pk: [WANTED]}).get((WANTED, beta.pk))
    assert (held and held.pk) == (holder and holder.pk)
    # The admin form's check, before anything is saved.
    assert services.platform_slug_refusal(slug=WANTED, owner=beta) == expected

    # The single-platform writes: registering with the slug, and renaming to it.
    with_slug = {"owner": beta, "name": NAME, "summary": "Pay for ferries.", "slug": WANTED}
    assert _refusal(lambda: services.platform_register(actor=editor, **with_slug)) == expected
    Platform.objects.filter(owner=beta, name=NAME).delete()  # make room for the next paths

    def rename():
        services.platform_update(actor=editor, platform=spare, data={"slug": WANTED})

    assert _refusal(rename) == expected
    Platform.objects.filter(pk=spare.pk).update(slug="beta-spare")

    # The import: its plan (a dry run), then its write, as Beta's editor.
    files = [("catalog-info.yaml", _backstage("Ferry-Pay", NAME))]
    plan = run_import(files, "backstage", "beta-board", editor, dry_run=True)
    _assert_names_no_secret(" ".join(str(p) for p in plan.problems))
    assert not plan.errors
    assert [item.slug for item in plan.created] == [case.generated]
    written = run_import(files, "backstage", "beta-board", editor, dry_run=False)
    assert [item.slug for item in written.created] == [case.generated]
    imported = Platform.objects.get(owner=beta, name=NAME)
    assert imported.slug == case.generated

    # Registering without a slug: made from the name, as the import made it.
    Platform.objects.filter(pk=imported.pk).delete()
    registered = services.platform_register(
        actor=editor, owner=beta, name=NAME, summary="Pay for ferries."
    )
    assert registered.slug == case.generated


def test_an_import_write_moves_a_wished_slug_taken_meanwhile_by_the_same_rule():
    """Between an import's plan and its write the catalogue may change: a slug that is only a
    wish (not the row's identity) then moves to the next free one, past the slugs the same
    batch gives out, and never because of another organisation's draft."""
    alpha = OrganisationFactory(name=SECRET_OWNER, slug="alpha-office")
    beta = OrganisationFactory(name="Beta Board", slug="beta-board")
    gamma = OrganisationFactory(name="Gamma Group", slug="gamma-group")
    first = Platform(owner=beta, name=NAME, slug="ferry-pay", summary="Pay for ferries.")
    second = Platform(owner=beta, name="Ferry Pay 2", slug="ferry-pay-2", summary="Again.")
    third = Platform(owner=beta, name="Quay", slug="quay", summary="Quays.")
    batch = services.ImportBatch(new_platforms=[(p, [], []) for p in (first, second, third)])
    batch.flexible_slugs = {id(first), id(second), id(third)}
    # Meanwhile: "ferry-pay" published elsewhere, "quay" a draft of another organisation.
    PublishedPlatformFactory(owner=gamma, slug="ferry-pay")
    DraftPlatformFactory(owner=alpha, name=SECRET, slug="quay")

    services.catalogue_import(actor=None, batch=batch)

    slugs = dict(Platform.objects.filter(owner=beta).values_list("name", "slug"))
    assert slugs == {NAME: "ferry-pay-3", "Ferry Pay 2": "ferry-pay-2", "Quay": "quay"}
