"""Coarse, per-request permissions. The fine rules (who may edit which platform) live in
``platforms.rules`` and are enforced by the services, which answer 403 themselves."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsCatalogueAdminOrReadOnly(BasePermission):
    """Reads for everyone; writes only for catalogue administrators (superusers), e.g. the
    organisation register and the capability and standard taxonomies."""

    message = "Only catalogue administrators can change this."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated and request.user.is_superuser)
