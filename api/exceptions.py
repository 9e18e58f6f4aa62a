"""One error shape for every 4xx the API returns, whatever raised it.

``{"status": 400, "code": "invalid", "message": "A sentence.", "errors": {"field": ["..."]}}``

Domain errors (``platforms.services.CatalogueError``) keep their status, code and message; DRF and
Django exceptions are translated. Database refusals that bad input can still reach (a protected
row, a model ``ValidationError``) become 409 and 400 rather than a 500.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import set_rollback

from platforms.services import CatalogueError

# A readable sentence for the exceptions whose own detail is terse or absent.
_MESSAGES = {
    "not_authenticated": "Authentication credentials were not provided. Send 'Authorization: "
    "Token <your token>'.",
}


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (documented in the OpenAPI schema as ``Error``)."""

    status = serializers.IntegerField(help_text="The HTTP status code, repeated.")
    code = serializers.CharField(
        help_text="A stable machine-readable code, e.g. invalid, not_authenticated, "
        "permission_denied, not_found, invalid_state, conflict, stale_version, throttled."
    )
    message = serializers.CharField(help_text="A sentence a person can act on.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per-field messages (empty when the error is not about a field). "
        "'non_field_errors' holds errors about the request as a whole.",
    )


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "too_large"
    default_detail = "The request body is too large."


def refuse_unreadable_request(request) -> None:
    """Refuse, before any work, what no endpoint can answer: an oversized body (413) and a NUL
    character in the path (404) or the query (400), which PostgreSQL cannot even compare."""
    refuse_oversized_body(request)
    if "\x00" in request.path:
        raise exceptions.NotFound()
    if any("\x00" in key or "\x00" in value for key, value in _query_items(request)):
        raise exceptions.ValidationError(
            {"non_field_errors": ["The query string cannot contain NUL characters."]}
        )


def _query_items(request):
    for key, values in request.GET.lists():
        for value in values:
            yield key, value


def refuse_oversized_body(request) -> None:
    """413 for a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``, read from Content-Length before
    anything is parsed: DRF's JSON parser reads the whole stream and never applies Django's limit.
    (Django's WSGI request reads no further than Content-Length, so the header cannot lie.)"""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if limit is not None and length > limit:
        raise RequestTooLarge(
            f"The request body is {length} bytes; the most this API accepts is {limit} bytes."
        )


def error_body(status: int, code: str, message: str, errors: dict | None = None) -> dict:
    return {"status": status, "code": code, "message": message, "errors": errors or {}}


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [f"{key}: {message}" for key, value in detail.items() for message in _flatten(value)]
    if isinstance(detail, list):
        return [message for item in detail for message in _flatten(item)]
    return [str(detail)]


def _field_errors(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(field): _flatten(value) for field, value in detail.items()}
    return {"non_field_errors": _flatten(detail)}


def _validation_message(errors: dict[str, list[str]]) -> str:
    problems = [
        message if field == "non_field_errors" else f"{field}: {message}"
        for field, messages in errors.items()
        for message in messages[:1]
    ]
    return "The request is not valid. " + " ".join(
        p if p.endswith(".") else f"{p}." for p in problems
    )


class ServiceBusy(exceptions.APIException):
    status_code = 503
    default_code = "service_busy"
    default_detail = "The request took too long and was stopped. Narrow it, or try again later."


def _translate(exc: Exception) -> Exception:
    """Turn Django and database exceptions into the DRF or domain ones they mean."""
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge()
    if isinstance(exc, TooManyFieldsSent):
        return exceptions.ValidationError(
            {"non_field_errors": ["The request has too many parameters or fields."]}
        )
    if isinstance(exc, SuspiciousOperation):
        return exceptions.ValidationError({"non_field_errors": ["The request is malformed."]})
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return exceptions.ValidationError(detail)
    if isinstance(exc, OperationalError) and getattr(exc.__cause__, "pgcode", None) == "57014":
        # PostgreSQL's statement_timeout (DATABASE_STATEMENT_TIMEOUT) cancelled the query: the
        # server is overloaded or the request too broad; say so rather than fail with a 500.
        return ServiceBusy()
    if isinstance(exc, ProtectedError | RestrictedError):
        from platforms.services import Conflict

        return Conflict(
            "This record cannot be deleted: other records still refer to it. "
            "Remove or reassign them first."
        )
    return exc


def catalogue_exception_handler(exc: Exception, context: dict) -> Response | None:
    exc = _translate(exc)

    if isinstance(exc, CatalogueError):
        set_rollback()
        return Response(
            error_body(exc.status_code, exc.code, exc.message, exc.field_errors),
            status=exc.status_code,
        )

    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: let Django report a 500

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = f"{int(exc.wait)}"

    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        body = error_body(exc.status_code, "invalid", _validation_message(errors), errors)
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        detail = str(exc.detail) if not isinstance(exc.detail, list | dict) else ""
        message = _MESSAGES.get(code) or detail or str(exc.default_detail)
        body = error_body(exc.status_code, code, message)

    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)
