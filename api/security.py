"""Who is asking, and how often: the client address behind the configured proxies, the throttles
that count by it in a store shared by every worker, and the token endpoint's refusal of a locked-out
sign-in.

Where the counts live (``counts_in_cache``): in Django's default cache when it is a real one
(Redis when ``CACHE_URL`` names it: an atomic ``add``/``incr``), otherwise, when the default cache
is the database cache, in their own table (``api.models.ThrottleCount``), one short statement per
request. Django's database cache cost four statements in a transaction per count (a read, a cull
count, a write), and under load from one address every request queued on that one row's lock.
"""

from __future__ import annotations

import hashlib

from csp.constants import UNSAFE_INLINE
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from rest_framework import renderers
from rest_framework.exceptions import Throttled
from rest_framework.throttling import (
    AnonRateThrottle as DRFAnonRateThrottle,
)
from rest_framework.throttling import (
    BaseThrottle,
    SimpleRateThrottle,
    UserRateThrottle,
)

# --- the counts ------------------------------------------------------------------------------

# One statement: a new window (count 1) for a new key or an expired one, else one more request.
# PostgreSQL and SQLite >= 3.35 (RETURNING) both run it; in autocommit it holds the row's lock for
# the statement alone.
HIT_SQL = """
INSERT INTO api_throttle_count ("key", count, expires) VALUES (%s, 1, %s)
ON CONFLICT ("key") DO UPDATE SET
    count = CASE WHEN api_throttle_count.expires > %s THEN api_throttle_count.count + 1 ELSE 1 END,
    expires = CASE WHEN api_throttle_count.expires > %s
        THEN api_throttle_count.expires ELSE excluded.expires END
RETURNING count, expires
"""
_PRUNE = "DELETE FROM api_throttle_count WHERE expires < %s"
# How often (seconds) each process deletes the expired windows: one indexed DELETE a minute keeps
# the table to about the clients of the last window, whatever the traffic.
PRUNE_EVERY = 60.0
_next_prune = 0.0


def counts_in_cache() -> bool:
    """True when the default cache is a shared store of its own (Redis, or memory in tests):
    count there. The database cache is not used for counting: the table below is cheaper."""
    backend = settings.CACHES["default"]["BACKEND"]
    return not backend.endswith(".DatabaseCache")


def prune_due(now: float) -> bool:
    """Whether this process's next count should first delete the expired windows."""
    return now >= _next_prune


def short_key(key: str) -> str:
    """The key a count is kept under."""
    # An address from X-Forwarded-For behind misconfigured proxies could be any length.
    if len(key) <= 200:
        return key
    return key[:100] + hashlib.sha256(key.encode()).hexdigest()


def count_request(key: str, duration: float, now: float) -> tuple[int, float | None]:
    """Count one request under ``key`` in its window of ``duration`` seconds: the number of
    requests in the current window, this one included, and when the window ends (None when the
    store cannot say cheaply; only asked for when the request is refused, see ``window_end``)."""
    key = short_key(key)
    if counts_in_cache():
        if cache.add(key, 1, duration):
            cache.set(f"{key}:ends", now + duration, duration)
            return 1, now + duration
        try:
            return cache.incr(key), None
        except ValueError:  # the window ended between add and incr
            cache.set(key, 1, duration)
            cache.set(f"{key}:ends", now + duration, duration)
            return 1, now + duration
    global _next_prune
    with connection.cursor() as cursor:
        if now >= _next_prune:
            _next_prune = now + PRUNE_EVERY
            cursor.execute(_PRUNE, [now])
        cursor.execute(HIT_SQL, [key, now + duration, now, now])
        count, expires = cursor.fetchone()
    return count, expires


def window_end(key: str) -> float | None:
    """When the current window of ``key`` ends, from the cache (the table returns it at once)."""
    return cache.get(f"{short_key(key)}:ends")


class CountedRateThrottle(SimpleRateThrottle):
    """DRF's rate throttle, counted with one atomic step in the shared store (a fixed window from
    the client's first request) instead of a read and a write of a list of timestamps.
    Refused requests are counted too; they cannot make the window longer."""

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        count, self.ends = count_request(self.key, self.duration, self.now)
        return count <= self.num_requests

    def wait(self) -> float:
        ends = self.ends if self.ends is not None else window_end(self.key)
        if ends is None:
            return float(self.duration)
        return max(ends - self.now, 1.0)


def client_ip(request) -> str:
    """The client's address: the connection's own, or, behind ``NUM_PROXIES`` proxies, the
    address the outermost trusted proxy saw (counted from the right of X-Forwarded-For, so a
    client cannot choose it). The API's throttles and the sign-in lockout (django-axes) use this
    one definition."""
    return BaseThrottle().get_ident(request) or ""


class AnonRateThrottle(CountedRateThrottle, DRFAnonRateThrottle):
    """``API_THROTTLE_ANON`` for anonymous callers, per client address."""


class SignedInRateThrottle(CountedRateThrottle, UserRateThrottle):
    """``API_THROTTLE_USER`` for signed-in users only: anonymous callers are counted once, by
    ``AnonRateThrottle``, not a second time by address under the users' scope (each count is a
    statement in the shared store)."""

    def get_cache_key(self, request, view) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)


class SimilarAnonThrottle(AnonRateThrottle):
    """Comparing a draft reads every candidate's text: anonymous callers get fewer of them
    (``API_THROTTLE_SIMILAR_ANON``)."""

    scope = "similar_anon"


class LoginRateThrottle(CountedRateThrottle):
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
