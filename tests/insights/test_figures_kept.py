"""The figures kept for the insights (``platforms.insight_figures``) always equal a fresh count
of the platforms and adoptions, after writes through every path: the services, the API, the
admin, the importer, and the bulk rebuild."""

import pytest
from django.contrib.auth.models import AnonymousUser

from platforms import insight_figures, services
from platforms.importers import run_import
from platforms.models import Adoption, Platform
from tests.api.conftest import client_for
from tests.factories import (
    AdminUserFactory,
    AdoptionFactory,
    CapabilityFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    editor_of,
    reviewer_of,
)

pytestmark = pytest.mark.django_db


def assert_kept():
    stored = insight_figures.stored()
    assert stored == insight_figures.fresh()
    return stored


@pytest.fixture
def world():
    pay, notify = CapabilityFactory(slug="payments"), CapabilityFactory(slug="notifications")
    owner, one, two = (OrganisationFactory(slug=s) for s in ("owner", "one", "two"))
    platform = PublishedPlatformFactory(slug="pay", owner=owner, phase="live")
    platform.capabilities.set([pay, notify])
    other = PublishedPlatformFactory(slug="other-pay", owner=one, phase="beta")
    other.capabilities.set([pay])
    AdoptionFactory(platform=platform, organisation=one)
    AdoptionFactory(platform=platform, organisation=two, status="exploring")
    return {"pay": pay, "notify": notify, "owner": owner, "one": one, "two": two,
            "platform": platform, "other": other}  # fmt: skip


def test_the_figures_count_what_the_catalogue_holds(world):
    use, count, organisation, _facets = assert_kept()
    pay, one = world["pay"].pk, world["one"].pk
    assert organisation[(one, 0)] == (1, 1, 1, 1)  # owns one, adopts one, reuses it, 1 in use
    assert organisation[(world["two"].pk, 0)] == (0, 1, 0, 0)  # exploring: no reuse
    assert use[(pay, one, 0)] == (2, 1)  # owns the beta one, uses the live one
    assert (pay, world["two"].pk, 0) not in use  # only exploring
    assert count[(pay, 0)] == (2, 1, 0, 2)


def test_every_service_write_keeps_the_figures(world):
    platform, one, two = world["platform"], world["one"], world["two"]
    draft = services.platform_register(
        actor=None,
        owner=two,
        name="Two pays",
        summary="Payments for two.",
        capabilities=[world["pay"]],
        phase="live",
    )
    use, *_ = assert_kept()
    assert use[(world["pay"].pk, two.pk, two.pk)] == (1, 1)  # a draft: its owner's scope
    services.platform_submit(actor=None, platform=draft)
    services.platform_publish(actor=None, platform=draft)
    assert_kept()
    adoption = services.adoption_record(actor=None, platform=draft, organisation=one)
    assert_kept()
    services.adoption_update(actor=None, adoption=adoption, data={"status": "piloting"})
    assert_kept()
    services.adoption_update(actor=None, adoption=adoption, data={"status": "in_use"})
    assert_kept()
    services.adoption_update(
        actor=None, adoption=Adoption.objects.get(organisation=two), data={"status": "in_use"}
    )
    assert_kept()
    services.adoption_end(actor=None, adoption=adoption)
    assert_kept()
    services.platform_update(
        actor=None, platform=platform, data={"capabilities": [world["notify"]], "owner": two}
    )
    assert_kept()
    services.platform_update(actor=None, platform=platform, data={"phase": "discovery"})
    assert_kept()
    services.platform_retire(actor=None, platform=world["other"], replaced_by=draft)
    assert_kept()
    services.adoption_delete(actor=None, adoption=adoption)
    lonely = services.platform_register(
        actor=None, owner=one, name="Lonely", summary="x", capabilities=[world["pay"]]
    )
    assert_kept()
    services.platform_delete(actor=None, platform=lonely)
    _, count, *_ = assert_kept()
    # The retired one counts as retired, the draft moved to everyone's scope when published.
    assert count[(world["pay"].pk, 0)] == (1, 1, 1, 2)


def test_writes_through_the_api_keep_the_figures(world):
    editor = editor_of(world["two"])
    response = client_for(editor).post(
        "/api/v1/adoptions/",
        {"platform": "pay", "organisation": "two", "status": "in_use", "use_case": "fees"},
        format="json",
    )
    assert response.status_code == 201, response.content
    use, *_ = assert_kept()
    assert use[(world["pay"].pk, world["two"].pk, 0)] == (1, 1)
    owner_editor = reviewer_of(world["owner"])
    response = client_for(owner_editor).patch(
        "/api/v1/platforms/pay/", {"phase": "retiring"}, format="json"
    )
    assert response.status_code == 200, response.content
    use, *_ = assert_kept()
    assert use[(world["pay"].pk, world["two"].pk, 0)] == (1, 0)  # no longer live


def test_writes_through_the_admin_keep_the_figures(client, world):
    client.force_login(AdminUserFactory())
    response = client.post(
        "/admin/platforms/platform/",
        {"action": "retire", "_selected_action": [world["other"].pk]},
    )
    assert response.status_code == 302
    assert Platform.objects.get(pk=world["other"].pk).phase == "retired"
    use, count, *_ = assert_kept()
    assert count[(world["pay"].pk, 0)] == (1, 1, 1, 2)
    adoption = Adoption.objects.get(organisation=world["one"])
    response = client.post(
        "/admin/platforms/adoption/",
        {"action": "end_adoptions", "_selected_action": [adoption.pk]},
    )
    assert response.status_code == 302
    use, *_ = assert_kept()
    assert (world["pay"].pk, world["one"].pk, 0) not in use


def test_an_import_keeps_the_figures_and_the_reuse_counts(world):
    rows = "slug,name,summary,owner,capabilities,phase\n"
    rows += "imported-pay,Imported pay,Takes payments.,one,payments,live\n"
    rows += "imported-notes,Imported notes,Sends notes.,two,notifications,beta\n"
    plan = run_import([("p.csv", rows.encode())], "csv", None, None, dry_run=False)
    assert plan.applied, [str(p) for p in plan.errors]
    assert Platform.objects.filter(slug__startswith="imported-").count() == 2
    use, *_ = assert_kept()
    # Imported platforms are drafts: counted in their owner's scope, not everyone's.
    assert use[(world["pay"].pk, world["one"].pk, world["one"].pk)] == (1, 1)
    # The stored reuse count of every platform is a fresh count too.
    for platform in Platform.objects.fresh_reuse_counts():
        assert platform.reuse_count == platform.fresh_reuse_count


def test_the_rebuild_gives_the_figures_the_writes_keep(world):
    AdoptionFactory(platform=world["other"], organisation=world["two"])
    kept = assert_kept()
    insight_figures.rebuild()
    assert insight_figures.stored() == kept


def _fresh_duplication(user):
    """The duplication figures counted in Python from the platforms the user may see."""
    visible = Platform.objects.visible_to(user).prefetch_related("capabilities")
    in_use = {}
    for a in Adoption.objects.filter(status="in_use"):
        in_use.setdefault(a.platform_id, set()).add(a.organisation_id)
    figures = {}
    for platform in visible:
        for capability in platform.capabilities.all():
            entry = figures.setdefault(capability.slug, {"in": 0, "retired": 0, "uses": {}})
            if platform.phase == "retired":
                entry["retired"] += 1
            elif platform.phase in ("beta", "live", "retiring"):
                entry["in"] += 1
                for organisation in in_use.get(platform.pk, set()) | {platform.owner_id}:
                    entry["uses"][organisation] = entry["uses"].get(organisation, 0) + 1
    return {
        slug: (e["in"], len(e["uses"]), sum(n > 1 for n in e["uses"].values()), e["retired"])
        for slug, e in figures.items()
        if e["in"] >= 2
    }


def test_the_duplication_figures_equal_a_fresh_count_for_every_reader(world):
    from platforms.selectors.duplication import duplicated_capabilities
    from platforms.selectors.profiles import organisation_profile

    # Drafts of two organisations meeting the same capability, adopted by a third.
    for owner in (world["one"], world["two"]):
        draft = services.platform_register(
            actor=None, owner=owner, name=f"{owner.slug} draft", summary="x", phase="live",
            capabilities=[world["pay"]],
        )  # fmt: skip
        AdoptionFactory(platform=draft, organisation=world["owner"])
    services.platform_retire(actor=None, platform=world["other"])
    readers = [
        AnonymousUser(),
        editor_of(world["one"]),
        reviewer_of(world["two"]),
        AdminUserFactory(),
    ]
    for user in readers:
        shown = {
            row["capability"]["slug"]: (
                row["platforms_in_service"],
                row["organisations"],
                row["organisations_on_several"],
                row["platforms_retired"],
            )
            for row in duplicated_capabilities(user=user)
        }
        assert shown == _fresh_duplication(user), user
        summary = organisation_profile(organisation=world["owner"], user=user)["summary"]
        visible = Platform.objects.visible_to(user)
        mine = Adoption.objects.filter(organisation=world["owner"], platform__in=visible).exclude(
            platform__owner=world["owner"]
        )
        assert summary["adoptions"] == mine.count()
        assert summary["reuses"] == mine.filter(status="in_use").count()
        assert summary["owns"] == visible.filter(owner=world["owner"]).count()
