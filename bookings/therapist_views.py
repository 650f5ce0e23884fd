"""A therapist's own pages: calendar and availability, requests inbox, sessions and notes.

Every page is for the logged-in therapist only and shows only their own calendar
and their own clients' sessions; another therapist's session is a 404.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings import notes, services
from bookings import therapy_selectors as ts
from bookings.models import Booking, BookingStatus
from bookings.therapy_forms import (
    CancelSessionForm,
    DeclineForm,
    HoursFormSet,
    OverrideForm,
    ProposeTimesForm,
    SessionNoteForm,
    TherapistSettingsForm,
)
from config.params import month_for_week, query_date, query_month
from privacy import access
from schedules import external_calendar, therapist_calendar, therapist_settings
from schedules.models import AvailabilityRule
from schedules.recurrence import wall_time_to_utc
from schedules.slots import settings_for


def therapist_required(view):
    """Logged in, and a therapist: the practitioner is passed to the view."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        practitioner = ts.therapist_for(request.user)
        if practitioner is None:
            raise PermissionDenied(_("These pages are for therapists."))
        return view(request, practitioner, *args, **kwargs)

    return wrapper


def _meta(request: HttpRequest) -> services.RequestMeta:
    return services.RequestMeta.from_request(request)


@therapist_required
def calendar_week(request: HttpRequest, practitioner) -> HttpResponse:
    """The week: working hours, sessions, pending requests, classes and time off, in the therapist's zone."""
    cfg = settings_for(practitioner)
    zone = cfg.zone
    today = timezone.localtime(timezone.now(), zone).date()
    anchor = query_date(request.GET.get("week"), today)
    monday = anchor - timedelta(days=anchor.weekday())
    if request.GET.get("view") == "month":
        month = query_month(request.GET.get("month"), month_for_week(monday, today))
        return _calendar_month(request, practitioner, month, zone, today)
    with timezone.override(zone):
        return render(
            request,
            "bookings/therapist/calendar.html",
            {
                "practitioner": practitioner,
                "cfg": cfg,
                "days": ts.therapist_week(practitioner, monday=monday, zone=zone),
                "monday": monday,
                "previous": monday - timedelta(days=7),
                "next": monday + timedelta(days=7),
                "today": today,
                "requests": ts.open_requests(practitioner).count(),
                "time_off": ts.upcoming_time_off(practitioner),
                "override_form": OverrideForm(zone=zone),
                "zone_name": str(zone),
            },
        )


def _calendar_month(request: HttpRequest, practitioner, month: date, zone, today: date) -> HttpResponse:
    return render(
        request,
        "bookings/therapist/month.html",
        {
            "weeks": ts.therapist_month(practitioner, month=month, zone=zone),
            "month": month,
            "previous": (month - timedelta(days=1)).replace(day=1),
            "next": (month + timedelta(days=32)).replace(day=1),
            "today": today,
            "zone_name": str(zone),
        },
    )


@therapist_required
def availability(request: HttpRequest, practitioner) -> HttpResponse:
    """Weekly hours (several ranges a day, per location) and booking settings."""
    cfg = settings_for(practitioner)
    rules = AvailabilityRule.objects.filter(practitioner=practitioner).select_related("location")
    initial = [{"weekday": r.weekday, "start": r.start_time, "end": r.end_time, "location": r.location} for r in rules]
    if request.method == "POST":
        formset = HoursFormSet(request.POST, prefix="hours")
        settings_form = TherapistSettingsForm(request.POST, instance=cfg, prefix="cfg")
        if formset.is_valid() and settings_form.is_valid():
            try:
                therapist_settings.save_therapist_setup(
                    practitioner=practitioner,
                    settings_data={name: settings_form.cleaned_data[name] for name in settings_form.Meta.fields},
                    hours=[f.as_range() for f in formset.forms if _kept(f)],
                    actor=request.user,
                )
            except ValidationError as exc:
                therapist_settings.show_errors(exc, settings_form=settings_form, hours_formset=formset)
            else:
                messages.success(request, _("Saved. Clients see the new hours right away."))
                return redirect("bookings:therapist_availability")
    else:
        formset = HoursFormSet(initial=initial, prefix="hours")
        settings_form = TherapistSettingsForm(instance=cfg, prefix="cfg")
    return render(
        request,
        "bookings/therapist/availability.html",
        {
            "formset": formset,
            "settings_form": settings_form,
            "zone_name": str(cfg.zone),
            "cfg": cfg,
            "calendar_unreadable": external_calendar.UNREADABLE,
        },
    )


def _kept(form) -> bool:
    return bool(form.cleaned_data) and not form.cleaned_data.get("DELETE")


@therapist_required
@require_POST
def add_override(request: HttpRequest, practitioner) -> HttpResponse:
    zone = settings_for(practitioner).zone
    form = OverrideForm(request.POST, zone=zone)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect("bookings:therapist_calendar")
    data = form.cleaned_data
    try:
        _override, booked = therapist_calendar.add_override(
            practitioner=practitioner,
            kind=data["kind"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            location=data.get("location"),
            note=data.get("note", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("bookings:therapist_calendar")
    messages.success(request, _("Saved. Clients see it right away."))
    if booked:
        messages.warning(
            request,
            _("%(n)d booked session(s) fall in this time off: cancel or move them from your sessions list.")
            % {"n": booked},
        )
    week = timezone.localtime(data["starts_at"], zone).date().isoformat()
    return redirect(f"{reverse('bookings:therapist_calendar')}?week={week}")


@therapist_required
@require_POST
def remove_override(request: HttpRequest, practitioner, pk: int) -> HttpResponse:
    if not therapist_calendar.remove_override(practitioner=practitioner, pk=pk):
        raise Http404(_("No such entry."))
    messages.success(request, _("Removed."))
    return redirect("bookings:therapist_calendar")


@therapist_required
def requests_inbox(request: HttpRequest, practitioner) -> HttpResponse:
    zone = settings_for(practitioner).zone
    with timezone.override(zone):
        return render(
            request,
            "bookings/therapist/requests.html",
            {
                "requests": ts.open_requests(practitioner),
                "decline_form": DeclineForm(),
                "propose_form": ProposeTimesForm(zone=zone),
                "zone_name": str(zone),
            },
        )


def _session(practitioner, reference: str) -> Booking:
    try:
        return ts.therapist_booking(practitioner=practitioner, reference=reference)
    except Booking.DoesNotExist:
        raise Http404(_("No such session.")) from None


@therapist_required
@require_POST
def approve(request: HttpRequest, practitioner, reference: str) -> HttpResponse:
    booking = _session(practitioner, reference)
    try:
        services.approve_request(booking=booking, actor=request.user, meta=_meta(request))
    except services.SlotTaken as exc:
        messages.error(request, _("%(msg)s Another session was confirmed there: suggest other times.") % {"msg": exc})
        return redirect("bookings:therapist_requests")
    except services.BookingError as exc:
        messages.error(request, str(exc))
        return redirect("bookings:therapist_requests")
    messages.success(request, _("Approved: %(client)s is booked.") % {"client": booking.client.name})
    return redirect("bookings:therapist_requests")


@therapist_required
@require_POST
def decline(request: HttpRequest, practitioner, reference: str) -> HttpResponse:
    booking = _session(practitioner, reference)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tell the client why."))
        return redirect("bookings:therapist_requests")
    try:
        services.decline_request(
            booking=booking, actor=request.user, reason=form.cleaned_data["reason"], meta=_meta(request)
        )
    except services.BookingError as exc:
        messages.error(request, str(exc))
        return redirect("bookings:therapist_requests")
    messages.success(request, _("Declined; the client has been told."))
    return redirect("bookings:therapist_requests")


@therapist_required
@require_POST
def propose(request: HttpRequest, practitioner, reference: str) -> HttpResponse:
    """Alternatives for a request, or a new time for a confirmed session."""
    booking = _session(practitioner, reference)
    form = ProposeTimesForm(request.POST, zone=settings_for(practitioner).zone)
    back = "bookings:therapist_requests" if booking.status == BookingStatus.REQUESTED else "bookings:therapist_sessions"
    if not form.is_valid():
        # "Enter at least one time.", or what is wrong with one (e.g. a date too far out).
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(back)
    try:
        services.propose_times(
            booking=booking,
            actor=request.user,
            starts=form.starts(),
            message=form.cleaned_data["message"],
            meta=_meta(request),
        )
    except services.BookingError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(request, _("Sent: the client can accept with one click."))
    return redirect(back)


@therapist_required
def sessions(request: HttpRequest, practitioner) -> HttpResponse:
    """Upcoming sessions (or one day: ?day=today or a date), with client contact and intake."""
    zone = settings_for(practitioner).zone
    day_param = request.GET.get("day")
    qs = ts.upcoming_sessions(practitioner)
    day = timezone.localtime(timezone.now(), zone).date() if day_param == "today" else query_date(day_param, None)
    if day:
        start = wall_time_to_utc(day, time.min, zone)
        qs = ts.sessions_between(practitioner, start, start + timedelta(days=1))
    with timezone.override(zone):
        return render(
            request,
            "bookings/therapist/sessions.html",
            {"sessions": qs, "day": day, "zone_name": str(zone), "propose_form": ProposeTimesForm(zone=zone)},
        )


@therapist_required
def session_detail(request: HttpRequest, practitioner, reference: str) -> HttpResponse:
    booking = _session(practitioner, reference)
    zone = settings_for(practitioner).zone
    if request.method == "POST":
        form = SessionNoteForm(request.POST)
        if form.is_valid():
            notes.save_therapist_note(booking=booking, actor=request.user, text=form.cleaned_data["therapist_note"])
            messages.success(request, _("Notes saved."))
            return redirect("bookings:therapist_session", reference=reference)
    # Read (and logged) through privacy.access, never straight off the booking.
    record = access.read_session_record(booking=booking, viewer=request.user, request=request)
    if request.method != "POST":
        form = SessionNoteForm(initial={"therapist_note": record.note})
    with timezone.override(zone):
        return render(
            request,
            "bookings/therapist/session.html",
            {
                "booking": booking,
                "record": record,
                "note_form": form,
                "cancel_form": CancelSessionForm(),
                "propose_form": ProposeTimesForm(zone=zone),
                "history": ts.client_sessions_with(practitioner, booking.client_id).exclude(pk=booking.pk)[:10],
                "zone_name": str(zone),
                "can_mark": booking.status == BookingStatus.CONFIRMED and booking.starts_at <= timezone.now(),
            },
        )


@therapist_required
@require_POST
def mark(request: HttpRequest, practitioner, reference: str) -> HttpResponse:
    booking = _session(practitioner, reference)
    to = request.POST.get("to")
    if to not in (BookingStatus.COMPLETED, BookingStatus.NO_SHOW):
        messages.error(request, _("Choose completed or no-show."))
    elif booking.starts_at > timezone.now():
        messages.error(request, _("The session has not started yet."))
    else:
        try:
            services.set_status(booking=booking, to=to, actor=request.user, meta=_meta(request))
            messages.success(request, _("Saved."))
        except services.BookingError as exc:
            messages.error(request, str(exc))
    return redirect("bookings:therapist_session", reference=reference)


@therapist_required
@require_POST
def cancel(request: HttpRequest, practitioner, reference: str) -> HttpResponse:
    booking = _session(practitioner, reference)
    form = CancelSessionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A reason is required: the client reads it."))
        return redirect("bookings:therapist_session", reference=reference)
    try:
        services.therapist_cancel(
            booking=booking, actor=request.user, reason=form.cleaned_data["reason"], meta=_meta(request)
        )
    except services.BookingError as exc:
        messages.error(request, str(exc))
        return redirect("bookings:therapist_session", reference=reference)
    messages.success(request, _("Cancelled; the client gets a full refund and has been told."))
    return redirect("bookings:therapist_sessions")
