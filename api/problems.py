"""Errors as RFC 9457 problem details: ``application/problem+json`` with type, title, status, detail.

Every error the API gives goes through ``exception_handler``: DRF's own (bad JSON,
no token, a throttle), the parameter checks of api.params and the booking services'
domain errors (raised as ``Problem``). Field errors stay readable by a program in
the ``errors`` member (an extension RFC 9457 allows).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://shala.invalid/problems/"  # names, not pages: RFC 9457 allows a non-resolvable URI


class Problem(exceptions.APIException):
    """An error with a problem type of ours; ``detail`` is the message for the client."""

    def __init__(self, detail: str, *, status_code: int, kind: str, title: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.kind = kind
        self.title = title


def problem_body(*, status_code: int, title: str, detail: str, kind: str = "", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind if kind else "about:blank",
        "title": title,
        "status": status_code,
        "detail": detail,
    }
    body.update(extra)
    return body


def _flatten(detail: Any) -> str:
    if isinstance(detail, list):
        return " ".join(_flatten(d) for d in detail)
    if isinstance(detail, dict):
        return " ".join(f"{k}: {_flatten(v)}" for k, v in detail.items())
    return str(detail)


def _titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        401: _("Not authenticated"),
        403: _("Not permitted"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        409: _("Conflict"),
        415: _("Unsupported media type"),
        422: _("Cannot be done"),
        429: _("Too many requests"),
    }


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, its body turned into problem details."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: Django's 500 page, and the error is logged
    code = response.status_code
    if isinstance(exc, Problem):
        body = problem_body(status_code=code, title=exc.title, detail=str(exc.detail), kind=exc.kind)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else ""
        body = problem_body(
            status_code=code,
            title=_titles().get(code, _("Error")),
            detail=_flatten(detail),
            kind=exc.default_code if isinstance(exc, exceptions.APIException) else "",
        )
        if isinstance(exc, exceptions.ValidationError) and isinstance(detail, dict):
            body["errors"] = {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
    if code == status.HTTP_429_TOO_MANY_REQUESTS and isinstance(exc, exceptions.Throttled) and exc.wait:
        body["retry_after"] = int(exc.wait) + 1
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def not_found(detail: str) -> Problem:
    return Problem(detail, status_code=404, kind="not_found", title=_("Not found"))


def bad_request(detail: str) -> Problem:
    return Problem(detail, status_code=400, kind="invalid", title=_("Bad request"))


def conflict(detail: str, kind: str = "conflict") -> Problem:
    return Problem(detail, status_code=409, kind=kind, title=_("Conflict"))


def forbidden(detail: str) -> Problem:
    return Problem(detail, status_code=403, kind="permission_denied", title=_("Not permitted"))


def unprocessable(detail: str, kind: str = "booking_refused") -> Problem:
    return Problem(detail, status_code=422, kind=kind, title=_("Cannot be done"))


def documented(*codes: int) -> dict:
    """drf-spectacular ``responses`` entries: these statuses answer problem details."""
    from drf_spectacular.utils import OpenApiResponse

    from api.serializers import ProblemSerializer

    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description="Problem details (RFC 9457).")
        for code in codes
    }
