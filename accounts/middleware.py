"""Pages show times in the viewer's zone (DESIGN invariant 5) and in their language."""

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from config import params

TZ_COOKIE = "shala_tz"


def viewer_zone(request: HttpRequest) -> zoneinfo.ZoneInfo:
    """The zone to show times in.

    A logged-in user's profile zone wins; an anonymous visitor gets the zone their
    browser reported (a cookie set by static/js/shala.js), else the studio default.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.zone
    # The cookie is whatever the browser sends: config.params takes only tz-database names.
    return params.query_zone(request.COOKIES.get(TZ_COOKIE)) or zoneinfo.ZoneInfo(settings.DEFAULT_VIEWER_TIME_ZONE)


class ViewerTimezoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = viewer_zone(request)
        request.viewer_zone = zone  # type: ignore[attr-defined]  # declared on accounts.http.ViewerRequest
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            # The profile's language wins over the browser's Accept-Language.
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        with timezone.override(zone):
            return self.get_response(request)
