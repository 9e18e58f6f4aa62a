"""The database itself refuses bad rows, whatever path they come from."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from platforms.models import Adoption, Dependency, Platform
from tests.factories import (
    AdoptionFactory,
    DependencyFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    RetiredPlatformFactory,
)

pytestmark = pytest.mark.django_db


def _refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_platform_slugs_are_unique():
    PublishedPlatformFactory(slug="govuk-notify")
    _refused(lambda: PublishedPlatformFactory(slug="govuk-notify"))


def test_only_a_retiring_or_retired_platform_can_have_a_replacement():
    replacement = PublishedPlatformFactory()
    live = PublishedPlatformFactory()
    live.replaced_by = replacement
    _refused(live.save)

    retired = RetiredPlatformFactory(replaced_by=replacement)
    assert retired.replaced_by == replacement


def test_a_platform_cannot_replace_itself():
    retired = RetiredPlatformFactory()
    retired.replaced_by = retired
    _refused(retired.save)


def test_a_platform_cannot_depend_on_itself():
    platform = PublishedPlatformFactory()
    _refused(lambda: Dependency.objects.create(platform=platform, depends_on=platform))


def test_a_dependency_is_recorded_once():
    dependency = DependencyFactory()
    _refused(
        lambda: Dependency.objects.create(
            platform=dependency.platform, depends_on=dependency.depends_on
        )
    )


def test_one_adoption_per_platform_organisation_and_use_case():
    adoption = AdoptionFactory(use_case="Renewals")
    _refused(
        lambda: Adoption.objects.create(
            platform=adoption.platform, organisation=adoption.organisation, use_case="Renewals"
        )
    )
    # The same organisation may use the same platform for another service.
    other = Adoption.objects.create(
        platform=adoption.platform, organisation=adoption.organisation, use_case="Licensing"
    )
    assert other.pk


def test_an_adoption_cannot_end_before_it_starts():
    _refused(
        lambda: AdoptionFactory(
            start_date=datetime.date(2024, 5, 1), end_date=datetime.date(2024, 4, 30)
        )
    )


def test_owner_with_platforms_cannot_be_deleted():
    platform = PublishedPlatformFactory()
    with pytest.raises(ProtectedError):
        platform.owner.delete()


def test_platform_with_adoptions_cannot_be_deleted_at_database_level():
    adoption = AdoptionFactory()
    with pytest.raises(ProtectedError):
        adoption.platform.delete()


def test_an_organisation_cannot_be_its_own_parent():
    organisation = OrganisationFactory()
    organisation.parent = organisation
    _refused(organisation.save)


def test_reuse_count_counts_other_organisations_in_use_only():
    platform = PublishedPlatformFactory()
    AdoptionFactory(platform=platform)  # another organisation, in use
    AdoptionFactory(platform=platform, organisation=platform.owner)  # the owner itself
    AdoptionFactory(platform=platform, status=Adoption.Status.EXPLORING)
    consumer = OrganisationFactory()
    AdoptionFactory(platform=platform, organisation=consumer, use_case="A")
    AdoptionFactory(platform=platform, organisation=consumer, use_case="B")

    counted = Platform.objects.with_reuse_counts().get(pk=platform.pk)
    assert counted.reuse_count == 2
