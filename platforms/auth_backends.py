"""Django's model permissions backend, reading a user's permissions in one query, not two."""

from __future__ import annotations

from django.contrib.auth import backends


class ModelBackend(backends.ModelBackend):
    """Django's ``ModelBackend``, with a user's own permissions and their groups' read together
    (a UNION) instead of one query each: every admin page asks, for its navigation, so an
    editor's admin pages each cost one query less. Superusers are answered as Django does."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            fields = ("content_type__app_label", "codename")
            own = self._get_user_permissions(user_obj).order_by().values_list(*fields)
            groups = self._get_group_permissions(user_obj).order_by().values_list(*fields)
            user_obj._perm_cache = {f"{app}.{name}" for app, name in own.union(groups)}
        return user_obj._perm_cache
