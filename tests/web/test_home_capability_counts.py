"""The home page's capability tiles count, for every reader, the platforms that reader may see
meeting each capability, whatever their phase: read from the figures kept on write
(``CapabilityCount.platforms``), they equal a fresh count over ``visible_to`` after every kind
of write, and list every capability in name order, those no visible platform meets at 0."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q
from django.utils.text import slugify

from platforms import services
from platforms.importers import run_import
from platforms.models import Capability, Platform
from tests.factories import (
    AdminUserFactory,
    CapabilityFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    editor_of,
)

pytestmark = pytest.mark.django_db


def tiles(client, user) -> list[tuple[str, str, str]]:
    """``(href, name, count text)`` of each capability tile of the home page, as ``user``
    sees it."""
    client.logout()
    if user.is_authenticated:
        client.force_login(user)
    page = BeautifulSoup(client.get("/").content, "html.parser")
    return [
        (tile.a["href"], tile.a.get_text(), tile.p.get_text()) for tile in page.select(".app-tile")
    ]


def fresh_tiles(user) -> list[tuple[str, str, str]]:
    """The same tiles from a count now of the links of the platforms ``user`` may see (how the
    page counted them before the kept figures)."""
    visible = Platform.objects.visible_to(user).order_by().values("pk")
    capabilities = Capability.objects.annotate(
        n=Count("platforms", filter=Q(platforms__in=visible))
    ).order_by("name")
    return [
        (f"/capabilities/{c.slug}/", c.name, f"{c.n} platform{'' if c.n == 1 else 's'}")
        for c in capabilities
    ]


@pytest.fixture
def world():
    names = ("Payments", "Notifications", "Address lookup", "Forms", "Hosting")
    pay, notify, address, forms, hosting = (
        CapabilityFactory(name=n, slug=slugify(n)) for n in names
    )
    owner, other = OrganisationFactory(slug="owner"), OrganisationFactory(slug="other")
    live = PublishedPlatformFactory(slug="pay", owner=owner, phase="live")
    live.capabilities.set([pay, notify])
    PublishedPlatformFactory(slug="old-pay", owner=other, phase="retired").capabilities.set([pay])
    # Met only by platforms in discovery or alpha: nothing in service, still counted.
    PublishedPlatformFactory(slug="forms", owner=other, phase="discovery").capabilities.set([forms])
    DraftPlatformFactory(slug="owner-draft", owner=owner, phase="alpha").capabilities.set([address])
    DraftPlatformFactory(slug="other-draft", owner=other, phase="live").capabilities.set(
        [pay, address]
    )
    # ``hosting``: no platform at all, listed at 0.
    readers = {
        "anonymous": AnonymousUser(),
        "editor": editor_of(owner),
        "other editor": editor_of(other),
        "administrator": AdminUserFactory(),
    }
    return {"pay": pay, "notify": notify, "address": address, "forms": forms,
            "hosting": hosting, "owner": owner, "other": other, "live": live,
            "readers": readers}  # fmt: skip


def assert_tiles_fresh(client, world):
    for name, user in world["readers"].items():
        assert tiles(client, user) == fresh_tiles(user), name


def test_the_tiles_count_what_each_reader_may_see(client, world):
    assert_tiles_fresh(client, world)
    shown = {name: {n: c for _, n, c in tiles(client, user)}
             for name, user in world["readers"].items()}  # fmt: skip
    assert shown["anonymous"]["Payments"] == "2 platforms"  # live and retired; no draft
    assert shown["anonymous"]["Forms"] == "1 platform"  # in discovery
    assert shown["anonymous"]["Hosting"] == "0 platforms"
    assert shown["anonymous"]["Address lookup"] == "0 platforms"
    assert shown["editor"]["Address lookup"] == "1 platform"  # its own draft, not the other's
    assert shown["editor"]["Payments"] == "2 platforms"
    assert shown["other editor"]["Payments"] == "3 platforms"
    assert shown["administrator"]["Address lookup"] == "2 platforms"
    assert [n for _, n, _ in tiles(client, AnonymousUser())] == [
        "Address lookup", "Forms", "Hosting", "Notifications", "Payments",
    ]  # fmt: skip


def test_the_tiles_stay_fresh_after_every_kind_of_write(client, world):
    owner, pay, hosting = world["owner"], world["pay"], world["hosting"]
    # Register: a draft in discovery, seen by its owner's members and administrators only.
    draft = services.platform_register(
        actor=None, owner=owner, name="Owner hosting", summary="Hosts.", phase="discovery",
        capabilities=[hosting, pay],
    )  # fmt: skip
    assert_tiles_fresh(client, world)
    # Publish: now everyone's.
    services.platform_submit(actor=None, platform=draft)
    services.platform_publish(actor=None, platform=draft)
    assert_tiles_fresh(client, world)
    # Change phase: discovery to alpha to live and on to retired, counted all the way.
    for phase in ("alpha", "live", "retired"):
        services.platform_update(actor=None, platform=draft, data={"phase": phase})
        assert_tiles_fresh(client, world)
    # Change capabilities, and the owner of a draft (its scope moves to the new owner's).
    services.platform_update(
        actor=None, platform=world["live"], data={"capabilities": [world["forms"]]}
    )
    assert_tiles_fresh(client, world)
    owner_draft = Platform.objects.get(slug="owner-draft")
    services.platform_update(actor=None, platform=owner_draft, data={"owner": world["other"]})
    assert_tiles_fresh(client, world)
    owner_draft.capabilities.add(world["notify"])  # a single link added
    assert_tiles_fresh(client, world)
    # Delete.
    services.platform_delete(actor=None, platform=owner_draft)
    assert_tiles_fresh(client, world)
    # Import: drafts of their owners, then the same rows again changing a phase.
    rows = "slug,name,summary,owner,capabilities,phase\n"
    rows += "imported-pay,Imported pay,Takes payments.,owner,payments,alpha\n"
    rows += "imported-host,Imported host,Hosts.,other,hosting,live\n"
    plan = run_import([("p.csv", rows.encode())], "csv", None, None, dry_run=False)
    assert plan.applied, [str(p) for p in plan.errors]
    assert_tiles_fresh(client, world)
    plan = run_import(
        [("p.csv", rows.replace("payments,alpha", "hosting,live").encode())],
        "csv", None, None, dry_run=False,
    )  # fmt: skip
    assert plan.applied, [str(p) for p in plan.errors]
    assert Platform.objects.get(slug="imported-pay").phase == "live"
    assert_tiles_fresh(client, world)
    shown = {n: c for _, n, c in tiles(client, world["readers"]["editor"])}
    # The published one, retired, and its own imported draft; not the other's imported draft.
    assert shown["Hosting"] == "2 platforms"
