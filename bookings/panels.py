"""The booking box on the class page (registered with schedules.panels), and the hooks
through which apps built on bookings add sections to "My bookings" and the roster."""

from collections.abc import Callable

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from bookings import prices, selectors, services
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
    quote = prices.class_quote(session, 1)  # what one spot costs now: the early bird while it lasts
    return render_to_string(
        "bookings/_booking_panel.html",
        {
            "session": session,
            "existing": existing,
            "closed_reason": reason,
            "rules": rules,
            "price": quote.total,
            "early_bird": quote.early_bird,
            "form": BookClassForm(max_quantity=max_quantity) if max_quantity else None,
        },
        request=request,
    )


# --- hooks for apps built on bookings -------------------------------------------------------
#
# Bookings never imports the apps that build on it (the waitlist), yet "My bookings" and
# the roster are where their rows belong. They register a renderer at ready() time, like
# schedules.panels; the page shows whatever the renderers return, in registration order.

MyBookingsPanel = Callable[[HttpRequest], SafeString | str]
RosterPanel = Callable[[HttpRequest, ClassSession], SafeString | str]
_my_bookings_panels: list[MyBookingsPanel] = []
_roster_panels: list[RosterPanel] = []


def register_my_bookings_panel(panel: MyBookingsPanel) -> None:
    """Add a section to the client's "My bookings" page: panel(request) -> HTML or ""."""
    if panel not in _my_bookings_panels:
        _my_bookings_panels.append(panel)


def render_my_bookings_panels(request: HttpRequest) -> list[SafeString | str]:
    return [html for panel in _my_bookings_panels if (html := panel(request))]


def register_roster_panel(panel: RosterPanel) -> None:
    """Add a section under the booked list of a session's roster (admin): panel(request, session)."""
    if panel not in _roster_panels:
        _roster_panels.append(panel)


def render_roster_panels(request: HttpRequest, session: ClassSession) -> list[SafeString | str]:
    return [html for panel in _roster_panels if (html := panel(request, session))]
