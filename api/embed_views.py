"""The embeddable timetable: the week's classes in a page a studio's own website shows in an <iframe>.

Only the sites in EMBED_ALLOWED_SITES may frame it (Content-Security-Policy
``frame-ancestors``; the rest of the site stays unframeable). It needs no cookie: it
reads no session and sets none, so it works inside a third-party page whose browser
blocks third-party cookies. Its links open Shala in a new tab (``<base target>``),
where the visitor logs in and books; the week links stay inside the frame.
"""

from __future__ import annotations

from datetime import timedelta

from csp import constants as csp
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from accounts.http import ViewerRequest
from config.params import query_date
from schedules import cache as timetable_cache
from schedules import selectors
from schedules.forms import TimetableFilterForm, filter_choices
from schedules.templatetags.timetable import week_grid


@require_safe
@xframe_options_exempt  # frame-ancestors below says who may frame it
def timetable(request: ViewerRequest) -> HttpResponse:
    """The week's grid, from the timetable's own cache (schedules.cache) when it is there."""
    zone = request.viewer_zone
    version = timetable_cache.timetable_version()
    form = TimetableFilterForm(request.GET or None, choices=filter_choices(version))
    form.is_valid()  # invalid filter values are dropped, never a 500
    filters = form.filters()
    now = timezone.now()
    today = timezone.localdate(now, zone)
    week_start = selectors.week_start_of(query_date(request.GET.get("week"), today))
    key = timetable_cache.grid_key(
        version=version,
        week_start=week_start,
        today=today,
        zone=zone,
        language=translation.get_language(),
        filters=filters,
    )
    grid = timetable_cache.get_grid(key)
    if grid is None:
        days = selectors.timetable_week(week_start=week_start, zone=zone, filters=filters)
        grid = week_grid(days, today, now, zone)
        timetable_cache.set_grid(key, grid, timetable_cache.grid_timeout(days, now))
    query = request.GET.copy()
    query.pop("week", None)
    response = render(
        request,
        "api/embed_timetable.html",
        {
            "grid": grid,
            "week_start": week_start,
            "week_end": week_start + timedelta(days=6),
            "prev_week": week_start - timedelta(days=7),
            "next_week": week_start + timedelta(days=7),
            "filter_query": query.urlencode(),
            "viewer_zone": zone,
            "site_url": settings.SITE_URL,
        },
    )
    response._csp_replace = {"frame-ancestors": list(settings.EMBED_ALLOWED_SITES) or [csp.NONE]}  # type: ignore[attr-defined]  # django-csp reads it
    response["Cache-Control"] = "public, max-age=60"
    return response
