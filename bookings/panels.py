"""The booking box on the class page (registered with schedules.panels)."""

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from bookings import selectors, services
from bookings.forms import BookClassForm
from schedules.models import ClassSession


def booking_panel(request: HttpRequest, session: ClassSession) -> str:
    rules = services.policy_for(session.class_type_id)
    existing = selectors.active_booking_for(client=request.user, session_id=session.pk)
    reason = None
    try:
        services.check_bookable(session, rules, 1, timezone.now())
    except services.BookingError as exc:
        reason = str(exc)
    max_quantity = min(rules.max_party_size, session.spots_left)
    return render_to_string(
        "bookings/_booking_panel.html",
        {
            "session": session,
            "existing": existing,
            "closed_reason": reason,
            "rules": rules,
            "form": BookClassForm(max_quantity=max_quantity) if max_quantity else None,
        },
        request=request,
    )
