"""Reads about money shared by the admin, the desk, the client's pages and the beat tasks."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import Case, CharField, DecimalField, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Concat, Greatest
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.models import Booking
from notifications.models import Notification
from payments.balance import OWES_FEE_ONLY

MONEY = DecimalField(max_digits=12, decimal_places=2)
VIEW_PAYMENT = "payments.view_payment"


def with_balance(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """Annotate ``balance_due``: payments.balance.balance_due in SQL, for listing and filtering."""
    kept = F("amount_paid") - F("amount_refunded") - F("amount_refund_pending")
    owed = Case(
        When(status__in=[str(s) for s in OWES_FEE_ONLY], then=F("fee_charged")), default=F("total"), output_field=MONEY
    )
    return bookings.annotate(balance_due=Greatest(owed - kept, Value(Decimal("0.00")), output_field=MONEY))


def owing_before(*, now: datetime, until: datetime, status: str) -> QuerySet[Booking]:
    """Bookings in ``status`` that start in (now, until] and still owe money, not yet told so.

    "Told" is the balance reminder's in-app row (payments.messages.balance_due_key), so a
    repeat run reads nothing it has sent already.
    """
    told = Notification.objects.filter(
        dedupe_key=Concat(
            Value("booking:"), Cast(OuterRef("pk"), CharField()), Value(":balance_due:inapp"), output_field=CharField()
        )
    )
    starts = Q(class_session__starts_at__gt=now, class_session__starts_at__lte=until) | Q(
        starts_at__gt=now, starts_at__lte=until
    )
    bookings = Booking.objects.filter(status=status).filter(starts).with_what_and_where().select_related("client")
    return with_balance(bookings).filter(Q(balance_due__gt=0)).exclude(Exists(told)).order_by("pk")


def may_see_receipts(viewer: User) -> bool:
    """Staff whose role reads the ledger (owner, front desk) may open any client's receipt."""
    return viewer.is_authenticated and viewer.is_staff and viewer.has_perm(VIEW_PAYMENT)


def booking_for_receipt(*, reference: str, viewer: User) -> Booking:
    """The booking whose receipt ``viewer`` may read: their own, or any for staff who read payments.

    Http404 otherwise, the same answer as for a reference that does not exist, so another
    client's booking cannot be told apart from none.
    """
    qs = Booking.objects.with_what_and_where().select_related("client")
    if not may_see_receipts(viewer):
        qs = qs.filter(client_id=viewer.pk)
    booking = qs.filter(reference=reference).first()
    if booking is None:
        raise Http404(_("No such booking."))
    return booking
