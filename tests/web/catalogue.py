"""A small catalogue for the page tests, at any size: the same shape with more of everything."""

from __future__ import annotations

from dataclasses import dataclass, field

from platforms import search
from platforms.models import Adoption, Dependency, Platform
from tests.factories import (
    AdoptionFactory,
    CapabilityFactory,
    DependencyFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    RetiredPlatformFactory,
    StandardFactory,
)


@dataclass
class Catalogue:
    department: object
    agency: object
    payments: object
    notifications: object
    pay: Platform
    notify: Platform
    verify: Platform
    one_login: Platform
    draft: Platform
    extra: list[Platform] = field(default_factory=list)


def build_catalogue(size: int = 1) -> Catalogue:
    """Four named platforms (one retired, replaced by another), another organisation's draft, and
    ``size`` times more of everything: platforms, adopters, dependencies."""
    department = OrganisationFactory(name="Government Digital Service", slug="gds")
    agency = OrganisationFactory(
        name="Land Registry Agency", slug="land-registry-agency", parent=department
    )
    other = OrganisationFactory(name="Other Department", slug="other-department")
    payments = CapabilityFactory(name="Payments", slug="payments")
    notifications = CapabilityFactory(name="Notifications", slug="notifications")
    identity = CapabilityFactory(name="Identity and access", slug="identity")
    oidc = StandardFactory(name="OpenID Connect", slug="openid-connect")

    pay = PublishedPlatformFactory(
        name="GOV.UK Pay",
        slug="govuk-pay",
        summary="Take card payments online and by telephone.",
        owner=department,
        is_open_source=True,
        licence="MIT",
        service_url="https://www.payments.service.gov.uk/",
    )
    pay.capabilities.add(payments)
    notify = PublishedPlatformFactory(
        name="GOV.UK Notify",
        slug="govuk-notify",
        summary="Send emails, text messages and letters to the public.",
        owner=department,
    )
    notify.capabilities.add(notifications)
    one_login = PublishedPlatformFactory(
        name="GOV.UK One Login",
        slug="govuk-one-login",
        summary="Let people sign in and prove their identity.",
        owner=department,
    )
    one_login.capabilities.add(identity)
    one_login.standards.add(oidc)
    verify = RetiredPlatformFactory(
        name="GOV.UK Verify",
        slug="govuk-verify",
        summary="Prove your identity online (closed).",
        owner=department,
        replaced_by=one_login,
    )
    verify.capabilities.add(identity)
    draft = DraftPlatformFactory(
        name="Secret payments draft",
        slug="secret-draft",
        summary="Another organisation's unpublished payments work.",
        owner=other,
    )
    draft.capabilities.add(payments)

    extra = []
    for n in range(size):
        adopter = OrganisationFactory(
            name=f"Borough Council {n}", slug=f"borough-council-{n}", parent=department
        )
        AdoptionFactory(platform=pay, organisation=adopter)
        AdoptionFactory(platform=notify, organisation=adopter, status=Adoption.Status.EXPLORING)
        AdoptionFactory(platform=verify, organisation=adopter)
        platform = PublishedPlatformFactory(
            name=f"Case tracker {n}",
            slug=f"case-tracker-{n}",
            summary="Track casework and send notifications.",
            owner=agency,
        )
        platform.capabilities.add(notifications, payments)
        platform.standards.add(oidc)
        AdoptionFactory(platform=platform, organisation=other)
        DependencyFactory(platform=platform, depends_on=notify, kind=Dependency.Kind.RUNTIME)
        extra.append(platform)
    AdoptionFactory(platform=one_login, organisation=agency)
    search.reindex_all()
    return Catalogue(
        department, agency, payments, notifications, pay, notify, verify, one_login, draft, extra
    )
