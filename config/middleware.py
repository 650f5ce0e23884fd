"""Database timeouts as pages a person can act on, instead of a 500.

A lock timeout means someone else holds the row this request needed (a busy class, a
long admin edit): the request was rolled back and trying again in a moment works, so
the answer is 409 "busy, please try again"; so is a deadlock or serialization failure
that was still there when the service ran its transaction a second time
(config.db_retry). A statement timeout means the database
is slow or the query too big: 503 "try again later". Every booking, therapy, waitlist
and cancellation page is covered at once; their services run in one transaction, so
nothing half-done remains.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader

from config.db_timeouts import timeout_kind
from config.params import safe_referer

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def _back_url(request: HttpRequest) -> str:
    """Where "try again" leads: the page the form was on, if it is ours; else the timetable."""
    return safe_referer(request, "schedules:timetable")


class DatabaseTimeoutMiddleware:
    """Turn a lock timeout or a deadlock into 409 "busy" and a statement timeout into 503 "try again"."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        kind = timeout_kind(exception)
        if kind is None:
            return None
        log.warning("Database %s timeout on %s %s: %s", kind, request.method, request.path, exception)
        if kind in ("lock", "conflict"):
            # The transaction was rolled back and the connection is fine: the full layout.
            return render(request, "errors/busy.html", {"back_url": _back_url(request)}, status=409)
        # The database may be struggling: like the 500 page, nothing that needs it.
        body = loader.get_template("errors/slow.html").render(
            {"STUDIO_NAME": settings.STUDIO_NAME, "back_url": _back_url(request)}
        )
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
