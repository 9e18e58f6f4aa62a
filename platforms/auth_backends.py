"""Django's model permissions backend, reading a user's permissions and their memberships in one
query, not three."""

from __future__ import annotations

from django.contrib.auth import backends
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast

ROLE = "role"
PERMISSION = "perm"


def load_access(user) -> None:
    """Read what a signed-in member may do, once per request, in ONE query: their Django
    permissions (their own and their groups', as ``ModelBackend`` reads them) and their
    memberships (``platforms.rules.roles_of``). Every admin page asks both (the permissions for
    its navigation, the memberships for the rows), which cost an editor two queries a page.
    Both are kept on the user object, which lives for one request, where Django's backend and
    ``roles_of`` look first. Does nothing for an anonymous user or a superuser (neither needs
    the read), or when both are known already."""
    from platforms.models import Membership

    if not (user.is_authenticated and user.is_active) or user.is_superuser:
        return
    need_roles = getattr(user, "_catalogue_roles", None) is None
    need_permissions = not hasattr(user, "_perm_cache")
    if not (need_roles or need_permissions):
        return
    model_backend = backends.ModelBackend()
    text = CharField()

    def rows(queryset, kind: str, first: str, second: str):
        # Three columns of text on both databases, so that the parts can be one UNION.
        return (
            queryset.order_by()
            .annotate(
                access_kind=Value(kind, output_field=text),
                access_first=Cast(F(first), output_field=text),
                access_second=Cast(F(second), output_field=text),
            )
            .values_list("access_kind", "access_first", "access_second")
        )

    parts = [rows(Membership.objects.filter(user=user), ROLE, "organisation_id", "role")]
    for permissions in (
        model_backend._get_user_permissions(user),
        model_backend._get_group_permissions(user),
    ):
        parts.append(rows(permissions, PERMISSION, "content_type__app_label", "codename"))
    roles: dict[int, str] = {}
    permissions: set[str] = set()
    for kind, first, second in parts[0].union(*parts[1:], all=True):
        if kind == ROLE:
            roles[int(first)] = second
        else:
            permissions.add(f"{first}.{second}")
    if need_roles:
        user._catalogue_roles = roles  # where platforms.rules.roles_of keeps them
    if need_permissions:
        user._perm_cache = permissions  # where Django's ModelBackend keeps them


class ModelBackend(backends.ModelBackend):
    """Django's ``ModelBackend``, with a user's own permissions, their groups' and their
    memberships read together (one UNION, :func:`load_access`) instead of one query each: every
    admin page asks, for its navigation, so an editor's admin pages each cost two queries less.
    Superusers are answered as Django does."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            load_access(user_obj)
        return user_obj._perm_cache
