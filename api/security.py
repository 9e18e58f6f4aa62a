"""Who is asking, and how often: the client address behind the configured proxies, the throttles
that count by it in the shared cache, and the token endpoint's refusal of a locked-out sign-in.

The counts live in Django's default cache (the database, or Redis when configured: see
``CACHES`` in the settings), so every worker and every server counts the same requests.
"""

from __future__ import annotations

from csp.constants import UNSAFE_INLINE
from rest_framework import renderers
from rest_framework.exceptions import Throttled
from rest_framework.throttling import (
    AnonRateThrottle,
    BaseThrottle,
    SimpleRateThrottle,
    UserRateThrottle,
)


def client_ip(request) -> str:
    """The client's address: the connection's own, or, behind ``NUM_PROXIES`` proxies, the
    address the outermost trusted proxy saw (counted from the right of X-Forwarded-For, so a
    client cannot choose it). The API's throttles and the sign-in lockout (django-axes) use this
    one definition."""
    return BaseThrottle().get_ident(request) or ""


class SignedInRateThrottle(UserRateThrottle):
    """``API_THROTTLE_USER`` for signed-in users only: anonymous callers are counted once, by
    ``AnonRateThrottle``, not a second time by address under the users' scope (each count is a
    read and a write of the shared store)."""

    def get_cache_key(self, request, view) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)


class SimilarAnonThrottle(AnonRateThrottle):
    """Comparing a draft reads every candidate's text: anonymous callers get fewer of them
    (``API_THROTTLE_SIMILAR_ANON``)."""

    scope = "similar_anon"


class LoginRateThrottle(SimpleRateThrottle):
    """Password attempts at the token endpoint, per client address, whoever they name
    (``API_THROTTLE_LOGIN``): the lockout counts per username, this counts per address."""

    scope = "login"

    def get_cache_key(self, request, view) -> str | None:
        if request.method != "POST":
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SignInLockedOut(Throttled):
    default_detail = "Too many failed sign-in attempts for this username from this address."
    default_code = "locked_out"

    def __init__(self, minutes: int):
        super().__init__(
            wait=minutes * 60,
            detail=f"Too many failed sign-in attempts for this username from this address: "
            f"try again in {minutes} minutes.",
        )


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's HTML pages for people exploring the API, under the site's Content-Security-Policy.

    Without Pygments' inline <style> (it only colours code in descriptions), and with inline style
    *attributes* allowed on these pages alone (``style-src-attr``): DRF's template positions two
    buttons with ``style="float: right"``. An attribute cannot load or run anything; <style>
    elements and scripts stay 'self' only."""

    def get_context(self, data, accepted_media_type, renderer_context):
        context = super().get_context(data, accepted_media_type, renderer_context)
        context["code_style"] = None
        return context

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_update = {"style-src-attr": [UNSAFE_INLINE]}
        return super().render(data, accepted_media_type, renderer_context)
