"""Errors as RFC 9457 problem details (``application/problem+json``): ``type`` names the
kind of problem (``urn:streetvax:problem:<code>``, listed in docs/api.md), ``title`` and
``detail`` are in the request's language (Chinese unless ``Accept-Language: en``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_type(code: str) -> str:
    return f"urn:streetvax:problem:{code}"


def _titles() -> dict[int, tuple[str, str]]:
    """Status → (code, title), in the active language."""
    return {
        400: ("bad-request", _("The request is not valid.")),
        401: ("not-authenticated", _("A valid token is required.")),
        403: ("forbidden", _("This token may not do that.")),
        404: ("not-found", _("Not found.")),
        405: ("method-not-allowed", _("Method not allowed.")),
        406: ("not-acceptable", _("This answer is only given as JSON.")),
        409: ("import-failed", _("The import failed; nothing was saved.")),
        413: ("too-large", _("The file is larger than 20 MB.")),
        415: ("unsupported-media-type", _("Send a file as multipart/form-data or rows as JSON.")),
        422: ("rejected-rows", _("The file has rejected rows; nothing was saved.")),
        429: ("rate-limited", _("Too many writes; wait and try again.")),
    }


def problem(
    status_code: int,
    detail: str = "",
    *,
    code: str | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    known_code, known_title = _titles().get(status_code, ("error", _("The request failed.")))
    body: dict[str, Any] = {
        "type": problem_type(code or known_code),
        "title": title or known_title,
        "status": status_code,
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error of an API view as a problem; nothing else escapes as HTML."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: Django's 500 handler logs it
    headers: dict[str, str] = {}
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        headers["Retry-After"] = str(max(1, int(wait + 0.999)))
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
        status_code: int = status.HTTP_401_UNAUTHORIZED
    else:
        status_code = exc.status_code
    if isinstance(exc, exceptions.ValidationError):
        return problem(status_code, _("Some parameters are not valid."), errors=exc.detail)
    detail = exc.detail if isinstance(exc.detail, str) else ""
    code, title = _titles().get(status_code, ("error", _("The request failed.")))
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.NotFound | exceptions.Throttled):
        detail = ""  # DRF's English default texts: the title says it in the right language
    return problem(status_code, str(detail), code=code, title=title, headers=headers)
