"""The hook through which the ledger takes over booking a class that is paid online.

Bookings never imports payments: payments registers its checkout at ready() time, and
the class booking page asks it first. It answers with a response (Stripe's page, or the
class page with an error) or None to book as usual (paid at the studio).
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
