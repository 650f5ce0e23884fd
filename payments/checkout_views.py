"""The client's side of paying online, and Stripe's webhook. Thin: parse, call one service, answer."""

from __future__ import annotations

import logging

import stripe
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.http import AuthedRequest
from bookings import selectors
from bookings.forms import BookClassForm
from bookings.models import Booking, BookingStatus
from bookings.services import BookingError, RequestMeta
from payments import checkout, stripe_api, webhooks
from schedules.models import ClassSession, PaymentMode

log = logging.getLogger(__name__)
REFRESH_SECONDS = 3


def _own_booking(request: AuthedRequest, reference: str) -> Booking:
    """The client's own booking; another client's is not found (404), whoever asks."""
    try:
        return selectors.client_booking(client=request.user, reference=reference)
    except Booking.DoesNotExist:
        raise Http404(_("No such booking.")) from None


def _urls(request: HttpRequest) -> checkout.ReturnUrls:
    return checkout.ReturnUrls(base=request.build_absolute_uri("/"))


def class_checkout(request: HttpRequest, session_id: int) -> HttpResponse | None:
    """bookings.checkout_hooks: book a pay-online class through Stripe, or None to book as usual."""
    if not stripe_api.enabled():
        return None  # no query: with payment off, booking costs what it did
    session = ClassSession.objects.select_related("class_type").filter(pk=session_id).first()
    if session is None:
        return None
    terms = session.class_type
    chose_online = terms.mode_in_force == PaymentMode.ONLINE_OR_STUDIO and request.POST.get("pay") == "online"
    if not (terms.pays_online_only or chose_online):
        return None
    form = BookClassForm(request.POST)
    if not form.is_valid():
        return None  # the booking page shows its own message
    try:
        started = checkout.book_class_online(
            client=request.user,  # type: ignore[arg-type]  # behind login_required
            session_id=session_id,
            quantity=form.cleaned_data["quantity"],
            note=form.cleaned_data["note"],
            attempt_key=form.cleaned_data["token"],
            urls=_urls(request),
            meta=RequestMeta.from_request(request),
        )
    except BookingError as exc:
        messages.error(request, str(exc))
        return redirect("schedules:session", session_id)
    return redirect(started.url)


def held_checkout(request: HttpRequest, booking: Booking) -> HttpResponse | None:
    """bookings.checkout_hooks: a therapy time held for payment goes to Stripe's page."""
    if not stripe_api.enabled():
        return None
    try:
        started = checkout.pay_again(
            booking=booking,
            client=request.user,  # type: ignore[arg-type]  # behind login_required
            urls=_urls(request),
            first=True,
        )
    except BookingError as exc:
        messages.error(request, str(exc))
        return redirect("bookings:mine")
    return redirect(started.url)


@login_required
def payment_return(request: AuthedRequest, reference: str) -> HttpResponse:
    """Back from Stripe: this page never confirms; it waits for the webhook and refreshes."""
    booking = _own_booking(request, reference)
    if booking.status == BookingStatus.CONFIRMED and booking.amount_paid:
        messages.success(request, _("Payment received: you're booked! Your reference is %(ref)s.") % {"ref": reference})
        return redirect(booking)
    settled = booking.status != BookingStatus.PENDING
    return render(
        request,
        "payments/return.html",
        {"booking": booking, "settled": settled, "refresh": REFRESH_SECONDS},
    )


@login_required
def payment_cancelled(request: AuthedRequest, reference: str) -> HttpResponse:
    """Back from Stripe without paying: the hold stays until its deadline, with a "Pay now" link."""
    booking = _own_booking(request, reference)
    if booking.status == BookingStatus.PENDING:
        messages.warning(request, _("You have not paid yet. Your place is kept for a few minutes: pay now below."))
    return redirect("bookings:mine")


@login_required
@require_POST
def pay_now(request: AuthedRequest, reference: str) -> HttpResponse:
    """A new Checkout page for the client's own held booking."""
    booking = _own_booking(request, reference)
    try:
        started = checkout.pay_again(booking=booking, client=request.user, urls=_urls(request))
    except BookingError as exc:
        messages.error(request, str(exc))
        return redirect("bookings:mine")
    return redirect(started.url)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's events: the signature verified by the library, each event applied once."""
    if not stripe_api.enabled():
        raise Http404
    signature = request.headers.get("Stripe-Signature", "")
    try:
        event = stripe_api.construct_event(request.body, signature)
    except (ValueError, stripe.SignatureVerificationError):
        return HttpResponseBadRequest("bad signature")
    webhooks.process_event(event.to_dict())
    return HttpResponse("ok")
