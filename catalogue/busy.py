"""A page whose query PostgreSQL cancelled (``statement_timeout``, ``DATABASE_STATEMENT_TIMEOUT``)
answers a 503 "Sorry, the service is busy" page, not a 500: the server is overloaded or the
request too broad, and trying again later (or narrowing it) is what the reader can do.

The API maps the same cancellation to its 503 ``service_busy`` error (api/exceptions.py); this
middleware does it once for every other page."""

from __future__ import annotations

from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

# PostgreSQL's SQLSTATE for "canceling statement due to statement timeout" (query_canceled).
QUERY_CANCELED = "57014"
RETRY_AFTER_SECONDS = 30


def is_statement_timeout(exc: BaseException) -> bool:
    """Whether ``exc`` is PostgreSQL cancelling a statement (the timeout, or a cancel request)."""
    return isinstance(exc, OperationalError) and (
        getattr(exc.__cause__, "pgcode", None) == QUERY_CANCELED
    )


class ServiceBusyMiddleware:
    """Turn a cancelled statement in any page into the 503 busy page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_statement_timeout(exception):
            return None
        # The template reads no database and no user: the connection's transaction may be the
        # one that was cancelled.
        body = loader.get_template("web/503.html").render()
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
