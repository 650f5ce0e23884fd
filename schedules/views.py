"""Public timetable and practitioner pages. Thin: parse, call a selector, render."""

from datetime import timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation

from accounts.http import ViewerRequest
from config.params import query_date
from schedules import cache as timetable_cache
from schedules import selectors
from schedules.forms import TimetableFilterForm, filter_choices
from schedules.models import ClassSession, Practitioner
from schedules.panels import render_session_panels
from schedules.templatetags.timetable import week_grid


def timetable(request: ViewerRequest) -> HttpResponse:
    """The week's classes. The grid below the filters comes from the cache when it can (schedules.cache)."""
    zone = request.viewer_zone
    version = timetable_cache.timetable_version()
    form = TimetableFilterForm(request.GET or None, choices=filter_choices(version))
    form.is_valid()  # invalid filter values are dropped, never a 500
    now = timezone.now()
    today = timezone.localdate(now, zone)
    week_start = selectors.week_start_of(query_date(request.GET.get("week"), today))
    filters = form.filters()
    key = timetable_cache.grid_key(
        version=version,
        week_start=week_start,
        today=today,
        zone=zone,
        language=translation.get_language(),
        filters=filters,
    )
    days = None  # read only when the grid is not cached
    grid = timetable_cache.get_grid(key)
    if grid is None:
        days = selectors.timetable_week(week_start=week_start, zone=zone, filters=filters)
        grid = week_grid(days, today, now, zone)
        timetable_cache.set_grid(key, grid, timetable_cache.grid_timeout(days, now))
    query = request.GET.copy()
    query.pop("week", None)
    return render(
        request,
        "schedules/timetable.html",
        {
            "form": form,
            "grid": grid,
            "days": days,
            "today": today,
            "week_start": week_start,
            "week_end": week_start + timedelta(days=6),
            "prev_week": week_start - timedelta(days=7),
            "next_week": week_start + timedelta(days=7),
            "this_week": selectors.week_start_of(today),
            "filter_query": query.urlencode(),
            "viewer_zone": zone,
        },
    )


def session_detail(request: ViewerRequest, pk: int) -> HttpResponse:
    try:
        session = selectors.session_detail(session_id=pk)
    except ClassSession.DoesNotExist:
        raise Http404("No such class.") from None
    return render(
        request,
        "schedules/session_detail.html",
        {
            "session": session,
            "studio_time": timezone.localtime(session.starts_at, session.location.zone).time(),
            "other_sessions": selectors.upcoming_sessions_of_type(session=session),
            "viewer_zone": request.viewer_zone,
            "zones_differ": str(request.viewer_zone) != str(session.location.zone),
            "panels": render_session_panels(request, session),
        },
    )


def practitioner_list(request: HttpRequest) -> HttpResponse:
    role = request.GET.get("role")
    role = role if role in {"instructor", "therapist"} else None
    return render(
        request,
        "schedules/practitioner_list.html",
        {
            "practitioners": selectors.public_practitioners(role=role),
            "role": role,
        },
    )


def practitioner_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        practitioner = selectors.practitioner_profile(slug=slug)
    except Practitioner.DoesNotExist:
        raise Http404("No such teacher or therapist.") from None
    return render(
        request,
        "schedules/practitioner_detail.html",
        {
            "practitioner": practitioner,
            "class_types": selectors.practitioner_class_types(practitioner=practitioner),
            "upcoming": selectors.practitioner_upcoming_classes(practitioner=practitioner),
            "therapy_types": selectors.practitioner_therapy_types(practitioner=practitioner),
        },
    )
