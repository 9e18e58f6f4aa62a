"""The organisation figures kept after each write (``OrganisationUse``: owns, adoptions, reuses,
in use) equal a fresh count where one organisation has several adoptions of the same platform
(one per use case) and an owner uses its own platform: ``reuses`` counts platforms, ``in_use``
adoptions, and neither the owner's own adoptions as adoptions of another's platform."""

import pytest

from platforms import insight_figures, services
from platforms.models import Adoption
from tests.factories import DraftPlatformFactory, OrganisationFactory, PublishedPlatformFactory

pytestmark = pytest.mark.django_db


def kept_organisations():
    _, _, organisations, *_ = insight_figures.stored()
    assert organisations == insight_figures.fresh()[2]
    return organisations


def test_several_use_cases_of_one_platform_count_one_reuse_through_every_write():
    owner, user = OrganisationFactory(slug="owner"), OrganisationFactory(slug="user")
    pay = PublishedPlatformFactory(slug="pay", owner=owner)
    for use_case in ("fees", "refunds"):
        services.adoption_record(actor=None, platform=pay, organisation=user, use_case=use_case)
    services.adoption_record(actor=None, platform=pay, organisation=owner, use_case="own")
    services.adoption_record(
        actor=None, platform=pay, organisation=user, use_case="fines", status="exploring"
    )
    figures = kept_organisations()
    # (owns, adoptions, reuses, in_use): three adoptions of another's platform, one platform
    # reused, two adoptions in use; the owner's own adoption is in use, not an adoption.
    assert figures[(user.pk, 0)] == (0, 3, 1, 2)
    assert figures[(owner.pk, 0)] == (1, 0, 0, 1)

    # One use case of two ended: the platform is still reused, one adoption fewer in use.
    refunds = Adoption.objects.get(organisation=user, use_case="refunds")
    services.adoption_end(actor=None, adoption=refunds)
    assert kept_organisations()[(user.pk, 0)] == (0, 3, 1, 1)
    services.adoption_update(actor=None, adoption=refunds, data={"status": "in_use"})
    assert kept_organisations()[(user.pk, 0)] == (0, 3, 1, 2)

    # The platform given to its user (a write of the whole platform): every adoption is now
    # the owner's own, the previous owner's one an adoption of another's platform in use.
    services.platform_update(actor=None, platform=pay, data={"owner": user})
    figures = kept_organisations()
    assert figures[(user.pk, 0)] == (1, 0, 0, 2)
    assert figures[(owner.pk, 0)] == (0, 1, 1, 1)

    services.adoption_delete(actor=None, adoption=Adoption.objects.get(use_case="fees"))
    assert kept_organisations()[(user.pk, 0)] == (1, 0, 0, 1)


def test_a_draft_s_adoptions_move_to_everyone_s_scope_when_it_is_published():
    owner, user = OrganisationFactory(slug="owner"), OrganisationFactory(slug="user")
    draft = DraftPlatformFactory(slug="draft", owner=owner, phase="live")
    for use_case in ("fees", "refunds"):
        services.adoption_record(actor=None, platform=draft, organisation=user, use_case=use_case)
    figures = kept_organisations()
    assert figures[(user.pk, owner.pk)] == (0, 2, 1, 2)  # in the owner's scope while a draft
    assert (user.pk, 0) not in figures
    services.platform_submit(actor=None, platform=draft)
    services.platform_publish(actor=None, platform=draft)
    figures = kept_organisations()
    assert figures[(user.pk, 0)] == (0, 2, 1, 2)
    assert (user.pk, owner.pk) not in figures
    assert figures[(owner.pk, 0)] == (1, 0, 0, 0)
