"""The home page's figures, read from the figures kept on write (``CapabilityCount.platforms``,
``OrganisationUse``) summed over what the reader may see, are what counting them over
``visible_to`` gives, for every reader and after every kind of write:

- each capability tile: the platforms meeting it, whatever their phase; every capability in name
  order, those no visible platform meets at 0;
- the headline: the platforms, the organisations reusing one they do not own, and the reuses
  (the platforms' reuse counts summed)."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, Q
from django.utils.text import slugify

from platforms import services
from platforms.importers import run_import
from platforms.models import Adoption, Capability, Platform
from tests.factories import (
    AdminUserFactory,
    AdoptionFactory,
    CapabilityFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    editor_of,
)

pytestmark = pytest.mark.django_db


def shown(client, user) -> tuple[list[str], list[tuple[str, str, str]]]:
    """The headline's three numbers, and ``(href, name, count text)`` of each capability tile,
    of the home page as ``user`` sees it."""
    client.logout()
    if user.is_authenticated:
        client.force_login(user)
    page = BeautifulSoup(client.get("/").content, "html.parser")
    headline = [figure.get_text() for figure in page.select(".app-figure__number")]
    tiles = [
        (tile.a["href"], tile.a.get_text(), tile.p.get_text()) for tile in page.select(".app-tile")
    ]
    return headline, tiles


def counted_now(user) -> tuple[list[str], list[tuple[str, str, str]]]:
    """The same, counted now over the platforms and adoptions ``user`` may see (as the page
    counted them before the kept figures)."""
    visible = Platform.objects.visible_to(user).order_by()
    reuses = (
        Adoption.objects.in_use()
        .filter(platform__in=visible.values("pk"))
        .exclude(organisation=F("platform__owner"))
        .values("platform", "organisation")
        .distinct()
    )
    numbers = (
        visible.count(),
        len({row["organisation"] for row in reuses}),
        len(reuses),
    )
    capabilities = Capability.objects.annotate(
        n=Count("platforms", filter=Q(platforms__in=visible.values("pk")))
    ).order_by("name")
    tiles = [
        (f"/capabilities/{c.slug}/", c.name, f"{c.n} platform{'' if c.n == 1 else 's'}")
        for c in capabilities
    ]
    return [f"{n:,}" for n in numbers], tiles


@pytest.fixture
def world():
    names = ("Payments", "Notifications", "Address lookup", "Forms", "Hosting")
    pay, notify, address, forms, hosting = (
        CapabilityFactory(name=n, slug=slugify(n)) for n in names
    )
    owner, other, third = (OrganisationFactory(slug=s) for s in ("owner", "other", "third"))
    live = PublishedPlatformFactory(slug="pay", owner=owner, phase="live")
    live.capabilities.set([pay, notify])
    PublishedPlatformFactory(slug="old-pay", owner=other, phase="retired").capabilities.set([pay])
    # Met only by platforms in discovery or alpha: nothing in service, still counted.
    PublishedPlatformFactory(slug="forms", owner=other, phase="discovery").capabilities.set([forms])
    DraftPlatformFactory(slug="owner-draft", owner=owner, phase="alpha").capabilities.set([address])
    other_draft = DraftPlatformFactory(slug="other-draft", owner=other, phase="live")
    other_draft.capabilities.set([pay, address])
    # ``hosting``: no platform at all, listed at 0.
    AdoptionFactory(platform=live, organisation=other)
    AdoptionFactory(platform=live, organisation=third, use_case="letters")
    AdoptionFactory(platform=live, organisation=third, use_case="texts")  # one reuse, two uses
    AdoptionFactory(platform=live, organisation=owner)  # the owner's own: no reuse
    AdoptionFactory(platform=other_draft, organisation=third)  # seen by other's members only
    AdoptionFactory(platform=other_draft, organisation=owner, status=Adoption.Status.EXPLORING)
    readers = {
        "anonymous": AnonymousUser(),
        "editor": editor_of(owner),
        "other editor": editor_of(other),
        "administrator": AdminUserFactory(),
    }
    return {"pay": pay, "notify": notify, "address": address, "forms": forms,
            "hosting": hosting, "owner": owner, "other": other, "third": third, "live": live,
            "other_draft": other_draft, "readers": readers}  # fmt: skip


def assert_shown_as_counted_now(client, world):
    for name, user in world["readers"].items():
        assert shown(client, user) == counted_now(user), name


def test_the_figures_count_what_each_reader_may_see(client, world):
    assert_shown_as_counted_now(client, world)
    pages = {name: shown(client, user) for name, user in world["readers"].items()}
    tiles = {name: {n: c for _, n, c in page[1]} for name, page in pages.items()}
    assert tiles["anonymous"]["Payments"] == "2 platforms"  # live and retired; no draft
    assert tiles["anonymous"]["Forms"] == "1 platform"  # in discovery
    assert tiles["anonymous"]["Hosting"] == "0 platforms"
    assert tiles["anonymous"]["Address lookup"] == "0 platforms"
    assert tiles["editor"]["Address lookup"] == "1 platform"  # its own draft, not the other's
    assert tiles["editor"]["Payments"] == "2 platforms"
    assert tiles["other editor"]["Payments"] == "3 platforms"
    assert tiles["administrator"]["Address lookup"] == "2 platforms"
    assert [n for _, n, _ in pages["anonymous"][1]] == [
        "Address lookup", "Forms", "Hosting", "Notifications", "Payments",
    ]  # fmt: skip
    # Platforms, organisations reusing, reuses.
    assert pages["anonymous"][0] == ["3", "2", "2"]
    assert pages["editor"][0] == ["4", "2", "2"]
    assert pages["other editor"][0] == ["4", "2", "3"]  # third reuses its draft too
    assert pages["administrator"][0] == ["5", "2", "3"]


def test_the_figures_stay_as_counted_after_every_kind_of_write(client, world):
    owner, other, third = world["owner"], world["other"], world["third"]
    pay, hosting = world["pay"], world["hosting"]
    # Register: a draft in discovery, seen by its owner's members and administrators only.
    draft = services.platform_register(
        actor=None, owner=owner, name="Owner hosting", summary="Hosts.", phase="discovery",
        capabilities=[hosting, pay],
    )  # fmt: skip
    assert_shown_as_counted_now(client, world)
    adoption = services.adoption_record(actor=None, platform=draft, organisation=other)
    assert_shown_as_counted_now(client, world)
    # Publish: now everyone's.
    services.platform_submit(actor=None, platform=draft)
    services.platform_publish(actor=None, platform=draft)
    assert_shown_as_counted_now(client, world)
    # Change phase: discovery to alpha to live and on to retired, counted all the way.
    for phase in ("alpha", "live", "retired"):
        services.platform_update(actor=None, platform=draft, data={"phase": phase})
        assert_shown_as_counted_now(client, world)
    services.adoption_end(actor=None, adoption=adoption)
    assert_shown_as_counted_now(client, world)
    # Change capabilities, and the owner of a draft (its scope moves to the new owner's).
    services.platform_update(
        actor=None, platform=world["live"], data={"capabilities": [world["forms"]]}
    )
    assert_shown_as_counted_now(client, world)
    owner_draft = Platform.objects.get(slug="owner-draft")
    services.platform_update(actor=None, platform=owner_draft, data={"owner": other})
    assert_shown_as_counted_now(client, world)
    owner_draft.capabilities.add(world["notify"])  # a single link added
    assert_shown_as_counted_now(client, world)
    services.platform_update(actor=None, platform=world["other_draft"], data={"owner": third})
    assert_shown_as_counted_now(client, world)  # third's own now: no longer a reuse
    # Delete.
    services.platform_delete(actor=None, platform=owner_draft)
    assert_shown_as_counted_now(client, world)
    # Import: drafts of their owners, then the same rows again changing a phase.
    rows = "slug,name,summary,owner,capabilities,phase\n"
    rows += "imported-pay,Imported pay,Takes payments.,owner,payments,alpha\n"
    rows += "imported-host,Imported host,Hosts.,other,hosting,live\n"
    plan = run_import([("p.csv", rows.encode())], "csv", None, None, dry_run=False)
    assert plan.applied, [str(p) for p in plan.errors]
    assert_shown_as_counted_now(client, world)
    plan = run_import(
        [("p.csv", rows.replace("payments,alpha", "hosting,live").encode())],
        "csv", None, None, dry_run=False,
    )  # fmt: skip
    assert plan.applied, [str(p) for p in plan.errors]
    assert Platform.objects.get(slug="imported-pay").phase == "live"
    assert_shown_as_counted_now(client, world)
    tiles = {n: c for _, n, c in shown(client, world["readers"]["editor"])[1]}
    # The published one, retired, and its own imported draft; not the other's imported draft.
    assert tiles["Hosting"] == "2 platforms"
