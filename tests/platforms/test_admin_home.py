"""The admin home's headline figures read from the kept figures (``OrganisationUse``) mean what
they meant when counted over every adoption: the adoptions in use of the platforms the reader
may see (an owner's own and every use case included), and the organisations with one in use of
a platform another organisation owns. Compared with a fresh count for an administrator and for
editors of different organisations, before and after writes through the services."""

import re

import pytest
from django.db.models import Count, F
from django.urls import reverse

from platforms import insight_figures, services
from platforms.models import Adoption, Platform
from platforms.selectors.dashboard import headline_figures
from tests.factories import (
    AdminUserFactory,
    AdoptionFactory,
    DraftPlatformFactory,
    InReviewPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    editor_of,
)

pytestmark = pytest.mark.django_db


def counted_now(user) -> tuple[list, int, int]:
    """The figures as the admin home counted them over every adoption (before they were kept)."""
    visible = Platform.objects.visible_to(user)
    phases = [
        (row["phase"], row["count"])
        for row in visible.order_by("phase").values("phase").annotate(count=Count("id"))
    ]
    in_use = Adoption.objects.in_use().filter(platform__in=visible.values("id"))
    reusing = (
        in_use.exclude(organisation=F("platform__owner")).values("organisation").distinct().count()
    )
    return phases, in_use.count(), reusing


def shown(user) -> tuple[list, int, int]:
    figures = headline_figures(user=user)
    phases = [(row["phase"], row["count"]) for row in figures["platforms"]["by_phase"]]
    return phases, figures["adoptions_in_use"], figures["organisations_reusing"]


@pytest.fixture
def catalogue(org_a, org_b):
    org_c, org_d = OrganisationFactory(), OrganisationFactory()
    notify = PublishedPlatformFactory(owner=org_a, phase="live")
    pay = PublishedPlatformFactory(owner=org_b, phase="beta")
    a_draft = InReviewPlatformFactory(owner=org_a, phase="alpha")
    c_draft = DraftPlatformFactory(owner=org_c, phase="live")
    AdoptionFactory(platform=notify, organisation=org_b)
    AdoptionFactory(platform=notify, organisation=org_c, use_case="letters")
    AdoptionFactory(platform=notify, organisation=org_c, use_case="texts")  # a second use case
    AdoptionFactory(platform=notify, organisation=org_a)  # the owner's own: in use, not reuse
    AdoptionFactory(platform=notify, organisation=org_d, status=Adoption.Status.STOPPED)
    AdoptionFactory(platform=pay, organisation=org_d, status=Adoption.Status.EXPLORING)
    AdoptionFactory(platform=a_draft, organisation=org_d)  # seen by org A's editors only
    AdoptionFactory(platform=c_draft, organisation=org_b)  # seen by org C's editors only
    AdoptionFactory(platform=c_draft, organisation=org_c)
    return {"notify": notify, "pay": pay, "a_draft": a_draft, "c_draft": c_draft, "d": org_d}


@pytest.fixture
def readers(org_a, org_b, catalogue):
    org_c = catalogue["c_draft"].owner
    return {
        "administrator": AdminUserFactory(),
        "editor of A": editor_of(org_a),
        "editor of B": editor_of(org_b),
        "editor of C": editor_of(org_c),
    }


def test_the_figures_are_those_counted_over_every_adoption(readers):
    seen = {}
    for name, user in readers.items():
        seen[name] = shown(user)
        assert seen[name] == counted_now(user), name
    # What each reader sees differs where the rules say it must: 7 adoptions in use in all,
    # a draft's adoptions only for its owner's editors and the administrator.
    assert seen["administrator"][1:] == (7, 3)
    assert seen["editor of A"][1:] == (5, 3)
    assert seen["editor of B"][1:] == (4, 2)
    assert seen["editor of C"][1:] == (6, 2)
    assert ("alpha", 1) in seen["editor of A"][0]
    assert ("alpha", 1) not in seen["editor of B"][0]


def test_the_figures_follow_writes_through_the_services(readers, catalogue, org_a, org_b):
    administrator = readers["administrator"]
    services.platform_publish(actor=administrator, platform=catalogue["a_draft"])
    services.adoption_record(
        actor=administrator, platform=catalogue["pay"], organisation=org_a, use_case="fees"
    )
    services.adoption_record(
        actor=administrator, platform=catalogue["pay"], organisation=org_b, use_case="own"
    )
    ended = Adoption.objects.get(platform=catalogue["notify"], organisation=org_b)
    services.adoption_end(actor=administrator, adoption=ended)
    exploring = Adoption.objects.get(platform=catalogue["pay"], organisation=catalogue["d"])
    services.adoption_update(
        actor=administrator, adoption=exploring, data={"status": Adoption.Status.IN_USE}
    )
    gone = Adoption.objects.get(platform=catalogue["c_draft"], organisation=org_b)
    services.adoption_delete(actor=administrator, adoption=gone)
    for name, user in readers.items():
        assert shown(user) == counted_now(user), name
    assert insight_figures.stored() == insight_figures.fresh()


def test_the_page_shows_the_figures(client, readers):
    user = readers["editor of A"]
    client.force_login(user)
    html = client.get(reverse("admin:index")).content.decode()
    words = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "3 organisations use a platform another one owns (5 adoptions in use)" in words
