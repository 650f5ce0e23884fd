"""The ledger's pages on the site: a booking's receipt, and the desk's "take payment".

Thin: the receipt's owner check is ``selectors.booking_for_receipt`` (404 for anyone
else's booking), the payment is ``services.record_payment``, the same service as admin,
which checks the permission and the balance itself.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.http import AuthedRequest
from bookings.models import Booking
from bookings.services import NotPermitted, RequestMeta
from config.money import format_money
from payments import receipts, selectors, services
from payments.forms import TakePaymentForm


@login_required
def receipt(request: AuthedRequest, reference: str) -> HttpResponse:
    """A booking's receipt, to print: its items, payments, refunds, balance and the studio."""
    booking = selectors.booking_for_receipt(reference=reference, viewer=request.user)
    return render(request, "payments/receipt.html", {"receipt": receipts.receipt(booking), "booking": booking})


def back_to_desk(booking: Booking, zone) -> str:
    """Where the desk came from: the class's roster, or the day page for a therapy session."""
    if booking.class_session_id:
        return reverse("bookings:instructor_roster", args=[booking.class_session_id]) + f"#booking-{booking.pk}"
    day = timezone.localtime(booking.start, zone).date()
    return reverse("bookings:desk_today") + "?" + urlencode({"day": day.isoformat()})


@login_required
def desk_take_payment(request: AuthedRequest, booking_id: int) -> HttpResponse:
    """Cash, card terminal or bank transfer at the desk, for what the booking still owes."""
    if not request.user.has_perm(services.ADD_PAYMENT):
        raise PermissionDenied(_("Your role does not take payments."))
    booking = get_object_or_404(Booking.objects.with_what_and_where().select_related("client"), pk=booking_id)
    due = services.due(booking)
    form = TakePaymentForm(request.POST or None, initial={"amount": due})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_payment(
                booking=booking,
                amount=form.cleaned_data["amount"],
                method=form.cleaned_data["method"],
                note=form.cleaned_data["note"],
                actor=request.user,
                meta=RequestMeta.from_request(request),
            )
        except NotPermitted as exc:  # the service's own check (a role changed meanwhile)
            raise PermissionDenied(str(exc)) from None
        except services.PaymentError as exc:
            form.add_error(None, str(exc))
        else:
            amount = format_money(form.cleaned_data["amount"], booking.currency)
            messages.success(
                request,
                _("%(amount)s received from %(client)s (%(ref)s).")
                % {"amount": amount, "client": booking.client.name, "ref": booking.reference},
            )
            return redirect(back_to_desk(booking, request.viewer_zone))
    context = {"booking": booking, "due": due, "form": form, "back": back_to_desk(booking, request.viewer_zone)}
    status = 422 if request.method == "POST" else 200
    return render(request, "payments/desk_take_payment.html", context, status=status)
