"""The hooks through which the ledger takes over a booking that is paid online.

Bookings never imports payments: payments registers its checkouts at ready() time. The
class booking page asks it first: a response (Stripe's page, or the class page with an
error) or None to book as usual. A therapy booking of a pay-online type is made as a
hold (bookings.services.therapy), which the therapy page hands to it to be paid.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from bookings.models import Booking

ClassCheckout = Callable[[HttpRequest, int], HttpResponse | None]
_class_checkouts: list[ClassCheckout] = []


def register_class_checkout(checkout: ClassCheckout) -> None:
    if checkout not in _class_checkouts:
        _class_checkouts.append(checkout)


def class_checkout(request: HttpRequest, session_id: int) -> HttpResponse | None:
    for checkout in _class_checkouts:
        if (response := checkout(request, session_id)) is not None:
            return response
    return None


HeldCheckout = Callable[[HttpRequest, Booking], HttpResponse | None]
_held_checkouts: list[HeldCheckout] = []


def register_held_checkout(checkout: HeldCheckout) -> None:
    if checkout not in _held_checkouts:
        _held_checkouts.append(checkout)


def held_checkout(request: HttpRequest, booking: Booking) -> HttpResponse | None:
    """Send the client to pay for a hold made for payment (None: nothing to pay online)."""
    for checkout in _held_checkouts:
        if (response := checkout(request, booking)) is not None:
            return response
    return None
