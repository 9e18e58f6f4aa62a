"""factory_boy factories, named by the state they build."""

import factory
from django.contrib.auth import get_user_model

from platforms.models import (
    Adoption,
    Capability,
    Dependency,
    Membership,
    Organisation,
    Platform,
    Standard,
)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Department of Example Affairs {n}")
    slug = factory.Sequence(lambda n: f"department-of-example-affairs-{n}")
    kind = Organisation.Kind.MINISTERIAL_DEPARTMENT
    status = Organisation.Status.LIVE


class CapabilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Capability
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Capability {n}")
    slug = factory.Sequence(lambda n: f"capability-{n}")


class StandardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Standard
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Standard {n}")
    slug = factory.Sequence(lambda n: f"standard-{n}")


class DraftPlatformFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Platform

    name = factory.Sequence(lambda n: f"Shared platform {n}")
    slug = factory.Sequence(lambda n: f"shared-platform-{n}")
    summary = "A shared component other organisations can reuse."
    owner = factory.SubFactory(OrganisationFactory)
    phase = Platform.Phase.BETA
    state = Platform.State.DRAFT

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        platform = super()._create(model_class, *args, **kwargs)
        # Factories bypass the services: index the new row as platform_register does (tests
        # that then change its text or capabilities reindex it themselves, as before).
        from platforms import search

        search.reindex(platform)
        return platform


class InReviewPlatformFactory(DraftPlatformFactory):
    state = Platform.State.IN_REVIEW


class PublishedPlatformFactory(DraftPlatformFactory):
    state = Platform.State.PUBLISHED
    phase = Platform.Phase.LIVE


class RetiredPlatformFactory(PublishedPlatformFactory):
    phase = Platform.Phase.RETIRED


class AdoptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Adoption

    platform = factory.SubFactory(PublishedPlatformFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    status = Adoption.Status.IN_USE

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        adoption = super()._create(model_class, *args, **kwargs)
        # Factories bypass the services: keep the stored reuse count as the services do.
        from platforms.services import recount_reuse

        recount_reuse([adoption.platform_id])
        return adoption


class DependencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dependency

    platform = factory.SubFactory(PublishedPlatformFactory)
    depends_on = factory.SubFactory(PublishedPlatformFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.gov.uk")
    password = factory.django.Password("correct horse battery staple")
    # Department editors sign in to the admin, so they are staff; rights come from memberships.
    is_staff = True


class AdminUserFactory(UserFactory):
    """A catalogue administrator: manages everything."""

    is_superuser = True


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.EDITOR


def editor_of(organisation, **kwargs):
    return MembershipFactory(organisation=organisation, role=Membership.Role.EDITOR, **kwargs).user


def reviewer_of(organisation, **kwargs):
    return MembershipFactory(
        organisation=organisation, role=Membership.Role.REVIEWER, **kwargs
    ).user


class TokenFactory(factory.django.DjangoModelFactory):
    """An API token (django-rest-knox) for a user; ``.key`` is the token in clear, which only
    exists when it is created (the database keeps a digest)."""

    class Meta:
        model = "knox.AuthToken"

    user = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        instance, key = model_class.objects.create(*args, **kwargs)
        instance.key = key
        return instance
