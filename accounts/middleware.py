"""Pages show times in the viewer's zone (DESIGN invariant 5) and in their language."""

import zoneinfo
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import unquote

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

TZ_COOKIE = "shala_tz"


def viewer_zone(request: HttpRequest) -> zoneinfo.ZoneInfo:
    """The zone to show times in.

    A logged-in user's profile zone wins; an anonymous visitor gets the zone their
    browser reported (a cookie set by static/js/shala.js), else the studio default.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.zone
    name = cookie_zone_name(request.COOKIES.get(TZ_COOKIE, ""))
    return zoneinfo.ZoneInfo(name or settings.DEFAULT_VIEWER_TIME_ZONE)


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    # Read once per process: the IANA names this machine's tz database knows.
    return frozenset(zoneinfo.available_timezones())


def cookie_zone_name(raw: str) -> str | None:
    """The IANA name in the zone cookie, or None for anything else.

    shala.js writes the cookie with encodeURIComponent ("America%2FNew_York"), so it
    is decoded first. Only names from the tz database are taken: ZoneInfo() itself
    would read any path under the zoneinfo folder and fails with OSError on a
    very long value.
    """
    if not raw or len(raw) > 100:
        return None
    name = unquote(raw)
    return name if name in _known_zones() else None


class ViewerTimezoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = viewer_zone(request)
        request.viewer_zone = zone  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            # The profile's language wins over the browser's Accept-Language.
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        with timezone.override(zone):
            return self.get_response(request)
