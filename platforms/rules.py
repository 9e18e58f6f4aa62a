"""Who may do what, in one place (the table in DESIGN.md). The admin, the API and the services ask
these functions; none of them decides on its own.

Catalogue administrators are superusers. ``is_staff`` only lets a department's editors and reviewers
sign in to the admin; what they may touch there comes from their memberships.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from platforms.models import Adoption, Membership, Organisation, Platform

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser


def roles_of(user: User) -> dict[int, str]:
    """{organisation id: role} for the user's memberships. Read once and kept on the user object,
    which lives for one request, so permission checks on a page of rows cost one query."""
    if not user.is_authenticated:
        return {}
    roles = getattr(user, "_catalogue_roles", None)
    if roles is None:
        roles = dict(Membership.objects.filter(user=user).values_list("organisation_id", "role"))
        user._catalogue_roles = roles
    return roles


def role_in(user: User, organisation_id: int) -> str | None:
    """The user's role in the organisation, or None."""
    return roles_of(user).get(organisation_id)


def can_act_for(user: User, organisation: Organisation | int) -> bool:
    """May register and edit records on behalf of this organisation."""
    if not user.is_authenticated:
        return False
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    return user.is_superuser or role_in(user, org_id) is not None


def can_edit_platform(user: User, platform: Platform) -> bool:
    return can_act_for(user, platform.owner_id)


def can_review_platform(user: User, platform: Platform) -> bool:
    """Publish or reject: reviewers of the owner, and staff."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or role_in(user, platform.owner_id) == Membership.Role.REVIEWER


def can_edit_adoption(user: User, adoption: Adoption) -> bool:
    """Adoptions belong to the consumer: its members record and end them."""
    return can_act_for(user, adoption.organisation_id)


def can_view_platform(user: User, platform: Platform) -> bool:
    return platform.is_published or can_edit_platform(user, platform)
