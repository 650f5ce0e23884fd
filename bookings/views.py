"""Client pages: book a class, see and cancel one's own bookings. Thin views."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthedRequest
from bookings import checkout_hooks, selectors, services
from bookings.forms import BookClassForm, CancelBookingForm, change_form_for
from bookings.models import Booking
from bookings.panels import render_my_bookings_panels
from config.money import format_money
from notifications import services as notification_services


def _own_booking(request: AuthedRequest, reference: str) -> Booking:
    try:
        return selectors.client_booking(client=request.user, reference=reference)
    except Booking.DoesNotExist:
        raise Http404(_("No such booking.")) from None


@login_required
@require_POST
def book_class(request: AuthedRequest, session_id: int) -> HttpResponse:
    session_url = reverse("schedules:session", args=[session_id])
    form = BookClassForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose how many spots to book."))
        return redirect(session_url)
    if (paid_online := checkout_hooks.class_checkout(request, session_id)) is not None:
        return paid_online
    try:
        booking = services.book_class(
            client=request.user,
            session_id=session_id,
            quantity=form.cleaned_data["quantity"],
            note=form.cleaned_data["note"],
            idempotency_key=form.cleaned_data["token"],
            promo_code=form.cleaned_data["promo_code"],
            meta=services.RequestMeta.from_request(request),
        )
    except services.SessionFull as exc:
        # The waitlist app serves this URL name; bookings only links to it.
        join_url = reverse("waitlist:join", args=[session_id])
        messages.warning(
            request,
            format_html(
                '{} <a href="{}" class="alert-link">{}</a> {}',
                exc,
                join_url,
                _("Join the waitlist?"),
                _("Or try another date below."),
            ),
        )
        return redirect(session_url)
    except services.BookingError as exc:
        messages.error(request, str(exc))
        return redirect(session_url)
    messages.success(request, _("You're booked! Your reference is %(ref)s.") % {"ref": booking.reference})
    return redirect(booking)


@login_required
def booking_detail(request: AuthedRequest, reference: str) -> HttpResponse:
    booking = _own_booking(request, reference)
    session = booking.class_session
    if booking.is_therapy:
        kind = booking.kind
        video_link = kind.video_link if kind.is_online else ""
        proposals = selectors.open_proposals(booking=booking)
    else:
        video_link = booking.session.video_link if booking.session.is_online else ""
        proposals = []
    return render(
        request,
        "bookings/booking_detail.html",
        {"booking": booking, "session": session, "video_link": video_link, "proposals": proposals},
    )


@login_required
def my_bookings(request: AuthedRequest) -> HttpResponse:
    upcoming, past = selectors.client_bookings(client=request.user)
    token = notification_services.feed_token(user=request.user, create=False)
    feed_url = request.build_absolute_uri(reverse("bookings:feed", args=[token])) if token else None
    return render(
        request,
        "bookings/my_bookings.html",
        {"upcoming": upcoming, "past": past, "feed_url": feed_url, "panels": render_my_bookings_panels(request)},
    )


@login_required
def cancel_booking(request: AuthedRequest, reference: str) -> HttpResponse:
    booking = _own_booking(request, reference)
    if not booking.is_active:
        messages.info(
            request, _("This booking is already %(status)s.") % {"status": booking.get_status_display().lower()}
        )
        return redirect(booking)
    form = CancelBookingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.cancel_booking(
                booking=booking,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                meta=services.RequestMeta.from_request(request),
            )
        except services.BookingError as exc:
            messages.error(request, str(exc))
            return redirect(booking)
        messages.success(
            request,
            _("Booking %(ref)s cancelled. Refund: %(refund)s; fee: %(fee)s.")
            % {
                "ref": booking.reference,
                "refund": format_money(outcome.refund, booking.currency),
                "fee": format_money(outcome.fee, booking.currency),
            },
        )
        return redirect("bookings:mine")
    return render(
        request,
        "bookings/cancel.html",
        {
            "booking": booking,
            "session": booking.class_session,
            "form": form,
            "preview": services.cancellation_preview(booking),
            "policy_summary": services.policy_summary(booking),
        },
    )


@login_required
def change_booking(request: AuthedRequest, reference: str) -> HttpResponse:
    booking = _own_booking(request, reference)
    if booking.status != "confirmed":
        messages.info(request, _("Only confirmed bookings can be changed."))
        return redirect(booking)
    form = change_form_for(booking, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_booking(
                booking=booking,
                actor=request.user,
                session_id=form.cleaned_data["session"] or None,
                quantity=form.cleaned_data["quantity"],
                meta=services.RequestMeta.from_request(request),
            )
        except services.BookingError as exc:
            messages.error(request, str(exc))
            return redirect("bookings:change", reference=booking.reference)
        messages.success(request, _("Your booking %(ref)s has been changed.") % {"ref": booking.reference})
        return redirect(booking)
    return render(request, "bookings/change.html", {"booking": booking, "session": booking.class_session, "form": form})
