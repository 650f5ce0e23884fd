"""Caching headers of the public API.

Answers built only from what the timetable shows (locations, class types, teachers,
sessions) are named by the *timetable version* (schedules.cache): their ETag is the
version with the request's path and query, known before any query runs, so a
conditional request answers 304 without touching the database; their body is cached
under the same version, like the timetable's week grids. Last-Modified is when this
version was first seen (a version token carries no time; a change always makes a new
one, so nothing changed since then). Answers that depend on the clock and on
therapists' calendars (free times, therapy types) carry a weak ETag of their body.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from schedules.cache import GRID_MAX_TIMEOUT, timetable_version


def _since(version: str) -> datetime:
    key = f"api:v1:version-seen:{version}"
    now = timezone.now().replace(microsecond=0)
    cache.add(key, now.timestamp(), timeout=None)
    seen = cache.get(key)
    return now if seen is None else datetime.fromtimestamp(seen, tz=timezone.get_current_timezone())


def _matches(request: Request, etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    if not header or len(header) > 2000:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


def _public(response: Response) -> Response:
    response["Cache-Control"] = f"public, max-age={settings.API_CACHE_SECONDS}"
    response["Vary"] = "Accept, Authorization, Origin"
    return response


def versioned(request: Request, build: Callable[[], Any]) -> Response:
    """The answer for this path and query under the current timetable version."""
    version = timetable_version()
    name = hashlib.sha256(f"{version}|{request.get_full_path()}".encode()).hexdigest()[:32]
    etag = quote_etag(name)
    modified = _since(version)
    if _matches(request, etag) or (
        "If-None-Match" not in request.headers
        and (since := parse_http_date_safe(request.headers.get("If-Modified-Since", ""))) is not None
        and int(modified.timestamp()) <= since
    ):
        response = Response(status=status.HTTP_304_NOT_MODIFIED)
    else:
        key = f"api:v1:body:{name}"
        data = cache.get(key)
        if data is None:
            data = build()
            cache.set(key, data, timeout=GRID_MAX_TIMEOUT)
        response = Response(data)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(modified.timestamp())
    return _public(response)


def by_content(request: Request, data: Any) -> Response:
    """A weak ETag of the body; 304 when the client already holds it."""
    body = json.dumps(data, sort_keys=True, default=str).encode()
    etag = "W/" + quote_etag(hashlib.sha256(body).hexdigest()[:32])
    response = Response(status=status.HTTP_304_NOT_MODIFIED) if _matches(request, etag) else Response(data)
    response["ETag"] = etag
    return _public(response)
