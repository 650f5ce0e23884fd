"""Client pages for therapy sessions: choose, pick a day and a time, confirm; reschedule;
accept a proposed time. Thin: parse, call one service or selector, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthedRequest
from bookings import checkout_hooks, selectors, services
from bookings import therapy_selectors as ts
from bookings.models import Booking, TimeProposal
from bookings.therapy_forms import SeriesConfirmForm, TherapyBookingForm
from config.params import query_date, query_datetime, query_int, query_month, query_slug
from schedules.models import TherapyType
from schedules.slots import settings_for


def therapy_list(request: HttpRequest) -> HttpResponse:
    return render(request, "bookings/therapy/list.html", {"kinds": ts.therapy_types()})


def _kind(slug: str) -> TherapyType:
    try:
        return ts.therapy_type(slug)
    except TherapyType.DoesNotExist:
        raise Http404(_("No such therapy.")) from None


def _choice(kind: TherapyType, request: HttpRequest):
    """The duration and therapist chosen in the query string (defaults: shortest, anyone)."""
    durations = list(kind.durations.all())
    therapists = list(kind.therapists.all())
    minutes = query_int(request.GET.get("minutes"), durations[0].minutes) if durations else None
    duration = next((d for d in durations if d.minutes == minutes), durations[0] if durations else None)
    chosen = query_slug(request.GET.get("therapist"))
    chosen_therapists = [t for t in therapists if t.slug == chosen] or therapists
    return durations, duration, therapists, chosen if len(chosen_therapists) == 1 and chosen else "", chosen_therapists


def therapy_type(request: HttpRequest, slug: str) -> HttpResponse:
    """Steps 1 to 3: duration and therapist, a day in the month calendar, a time that day."""
    kind = _kind(slug)
    durations, duration, therapists, chosen, pool = _choice(kind, request)
    zone = timezone.get_current_timezone()
    today = timezone.localdate()
    day = query_date(request.GET.get("day"), None)
    month = query_month(request.GET.get("month"), day or today)
    cal = None
    if duration and pool:
        cal = ts.booking_calendar(kind=kind, minutes=duration.minutes, therapists=pool, month=month, day=day, zone=zone)
    return _render_calendar(
        request,
        "bookings/therapy/type.html",
        "bookings/therapy/_calendar_times.html",
        {
            "kind": kind,
            "durations": durations,
            "duration": duration,
            "therapists": therapists,
            "chosen": chosen,
            "cal": cal,
            "query": urlencode({"minutes": duration.minutes if duration else "", "therapist": chosen}),
            "zone_name": str(zone),
        },
    )


def _render_calendar(request: HttpRequest, page: str, partial: str, context: dict) -> HttpResponse:
    """The whole page, or only its calendar and times when htmx asks for another day or month.

    The partial keeps the page around it (and the keyboard focus) where it is; a history
    restore (htmx going back to a page it has not cached) wants the whole page.
    """
    htmx = bool(request.headers.get("HX-Request")) and not request.headers.get("HX-History-Restore-Request")
    response = render(request, partial if htmx else page, {**context, "htmx": htmx})
    patch_vary_headers(response, ["HX-Request"])  # a cache must not hand the partial to a full page load
    return response


@login_required
def book_therapy(request: AuthedRequest, slug: str) -> HttpResponse:
    """Step 4: notes and intake answers, then confirm (or plan a series first)."""
    kind = _kind(slug)
    source = request.POST if request.method == "POST" else request.GET
    form = TherapyBookingForm(
        source if request.method == "POST" else None,
        initial={k: source.get(k) for k in ("start", "minutes", "therapist")},
        questions=kind.question_list,
    )
    therapist = _therapist_of(kind, source.get("therapist"))
    start = query_datetime(source.get("start"))
    if therapist is None or start is None:
        messages.error(request, _("Please choose a time first."))
        return redirect(kind.get_absolute_url())
    duration = kind.durations.filter(minutes=query_int(source.get("minutes"), None)).first()
    if duration is None:
        messages.error(request, _("Please choose a length first."))
        return redirect(kind.get_absolute_url())
    context = {
        "kind": kind,
        "form": form,
        "therapist": therapist,
        "start": start,
        "duration": duration,
        "terms": ts.booking_terms(client=request.user, practitioner=therapist, starts_at=start),
    }
    if request.method != "POST" or not form.is_valid():
        return render(request, "bookings/therapy/confirm.html", context)
    data = form.cleaned_data
    if data.get("repeat"):
        return _plan_series(
            request, kind, duration.minutes, therapist, start, int(data["repeat"]), data, form, context["terms"]
        )
    try:
        booking = services.book_therapy(
            client=request.user,
            therapy_type=kind,
            minutes=duration.minutes,
            practitioner=therapist,
            starts_at=start,
            note=data["note"],
            intake=form.intake(),
            idempotency_key=data["token"],
            meta=services.RequestMeta.from_request(request),
        )
    except services.SlotTaken as exc:
        context["taken"] = exc
        return render(request, "bookings/therapy/confirm.html", context, status=409)
    except services.BookingError as exc:
        messages.error(request, str(exc))
        return redirect(kind.get_absolute_url())
    if booking.status == "pending" and (to_pay := checkout_hooks.held_checkout(request, booking)) is not None:
        return to_pay
    if booking.status == "requested":
        messages.info(request, _("Requested — waiting for the therapist. The time is held for you."))
    else:
        messages.success(request, _("You're booked! Your reference is %(ref)s.") % {"ref": booking.reference})
    return redirect(booking.get_absolute_url())


def _plan_series(request, kind, minutes, therapist, start, interval, data, form, terms) -> HttpResponse:
    zone = timezone.get_current_timezone()
    try:
        items = services.plan_series(
            therapy_type=kind,
            minutes=minutes,
            practitioner=therapist,
            first=start,
            interval_weeks=interval,
            count=data["count"],
        )
    except services.BookingError as exc:
        messages.error(request, str(exc))
        return redirect(kind.get_absolute_url())
    series_form = SeriesConfirmForm(request.POST if "confirm_series" in request.POST else None, items=items, zone=zone)
    context = {
        "kind": kind,
        "therapist": therapist,
        "minutes": minutes,
        "form": form,
        "series_form": series_form,
        "items": items,
        "collisions": sum(1 for i in items if not i.free),
        # The confirm page's terms for the first session: the series is requests or firm alike.
        "terms": terms,
    }
    if "confirm_series" not in request.POST or not series_form.is_valid():
        return render(request, "bookings/therapy/series.html", context)
    chosen = series_form.chosen()
    try:
        series = services.book_series(
            client=request.user,
            therapy_type=kind,
            minutes=minutes,
            practitioner=therapist,
            starts=chosen,
            interval_weeks=interval,
            note=data["note"],
            intake=form.intake(),
            meta=services.RequestMeta.from_request(request),
        )
    except services.BookingError as exc:
        messages.error(request, str(exc))
        return render(request, "bookings/therapy/series.html", context, status=409)
    messages.success(request, _("%(n)d sessions booked in a series.") % {"n": series.count})
    return redirect("bookings:mine")


def _therapist_of(kind: TherapyType, pk):
    return next((t for t in kind.therapists.all() if str(t.pk) == str(pk)), None)


def _own_therapy_booking(request: AuthedRequest, reference: str) -> Booking:
    try:
        booking = selectors.client_booking(client=request.user, reference=reference)
    except Booking.DoesNotExist:
        raise Http404(_("No such booking.")) from None
    if not booking.is_therapy:
        raise Http404(_("No such session."))
    return booking


@login_required
def reschedule(request: AuthedRequest, reference: str) -> HttpResponse:
    """Move a confirmed session: the same calendar, the booking's own time not counted as busy."""
    booking = _own_therapy_booking(request, reference)
    if request.method == "POST":
        start = query_datetime(request.POST.get("start"))
        if start is None:
            messages.error(request, _("Please choose a time."))
            return redirect("bookings:reschedule", reference=reference)
        try:
            services.reschedule(
                booking=booking, starts_at=start, actor=request.user, meta=services.RequestMeta.from_request(request)
            )
        except services.SlotTaken as exc:
            messages.error(request, str(exc))
            return redirect("bookings:reschedule", reference=reference)
        except services.BookingError as exc:
            messages.error(request, str(exc))
            return redirect(booking.get_absolute_url())
        messages.success(request, _("Your session has been moved."))
        return redirect(booking.get_absolute_url())
    zone = timezone.get_current_timezone()
    day = query_date(request.GET.get("day"), None)
    month = query_month(request.GET.get("month"), day or timezone.localdate())
    cal = ts.booking_calendar(
        kind=booking.kind,
        minutes=booking.duration_minutes,
        therapists=[booking.therapist],
        month=month,
        day=day,
        zone=zone,
        ignore_occupancy_ids=(booking.occupancy_id,) if booking.occupancy_id else (),
    )
    cfg = settings_for(booking.therapist.pk)
    return _render_calendar(
        request,
        "bookings/therapy/reschedule.html",
        "bookings/therapy/_reschedule_times.html",
        {"booking": booking, "cal": cal, "zone_name": str(zone), "notice_hours": cfg.min_notice_hours, "query": "r=1"},
    )


@login_required
def proposal(request: AuthedRequest, pk: int) -> HttpResponse:
    """A time the therapist proposed: one click accepts it (only for its own client)."""
    try:
        found = ts.client_proposal(client=request.user, pk=pk)
    except TimeProposal.DoesNotExist:
        raise Http404(_("No such proposal.")) from None
    if request.method == "POST":
        try:
            booking = services.accept_proposal(
                proposal=found, client=request.user, meta=services.RequestMeta.from_request(request)
            )
        except services.BookingError as exc:
            messages.error(request, str(exc))
            return redirect(found.booking.get_absolute_url())
        messages.success(request, _("Done: your session is confirmed for the new time."))
        return redirect(booking.get_absolute_url())
    others = found.booking.proposals.filter(state="open").exclude(pk=found.pk)
    return render(request, "bookings/therapy/proposal.html", {"proposal": found, "others": others})


@login_required
@require_POST
def cancel_series(request: AuthedRequest, reference: str) -> HttpResponse:
    booking = _own_therapy_booking(request, reference)
    try:
        count = services.cancel_rest_of_series(
            booking=booking, actor=request.user, meta=services.RequestMeta.from_request(request)
        )
    except services.BookingError as exc:
        messages.error(request, str(exc))
        return redirect(booking.get_absolute_url())
    messages.success(request, _("%(n)d sessions cancelled.") % {"n": count})
    return redirect(reverse("bookings:mine"))
