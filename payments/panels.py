"""The "Waiting for your payment" section of My bookings (bookings.panels hook): a Pay now per held booking."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from bookings.models import Booking, BookingStatus
from payments import stripe_api
from payments.holds import awaiting_payment


def awaiting_payment_panel(request: HttpRequest) -> str:
    if not request.user.is_authenticated or not stripe_api.enabled():
        return ""  # with payment off, the page costs what it did
    held = list(
        Booking.objects.filter(
            awaiting_payment(), client=request.user, status=BookingStatus.PENDING, hold_until__gt=timezone.now()
        )
        .with_what_and_where()
        .order_by("hold_until")
    )
    if not held:
        return ""
    return render_to_string("payments/_awaiting_payment.html", {"held": held}, request=request)
