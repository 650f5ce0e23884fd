"""The waitlist's sections on pages it does not own, registered in WaitlistConfig.ready():
the class page (schedules.panels), "My bookings" and the roster (bookings.panels)."""

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from bookings import services as booking_services
from schedules.models import ClassSession, SessionStatus
from waitlist import rules, selectors, services
from waitlist.forms import JoinWaitlistForm


def session_panel(request: HttpRequest, session: ClassSession) -> str:
    """Your place in the queue (or your offer); when the class is full, join it and other dates that week."""
    mine = selectors.live_entry(client=request.user, session_id=session.pk)
    if mine is None and not session.is_full:
        return ""
    if session.status != SessionStatus.SCHEDULED or session.starts_at <= timezone.now():
        return ""
    config = services.settings_for(session.class_type_id)
    can_join = False
    max_party = 1
    if mine is None and config.is_enabled:
        can_join = rules.is_open(now=timezone.now(), starts_at=session.starts_at, terms=config.terms())
        max_party = booking_services.policy_for(session.class_type_id).max_party_size
    return render_to_string(
        "waitlist/_session_panel.html",
        {
            "session": session,
            "mine": mine,
            "enabled": config.is_enabled,
            "can_join": can_join,
            "form": JoinWaitlistForm(max_party=max_party) if can_join else None,
            "waiting": selectors.waiting_count(session_id=session.pk),
            "alternatives": selectors.alternatives(session=session) if session.is_full else [],
        },
        request=request,
    )


def my_waitlist_panel(request: HttpRequest) -> str:
    entries = selectors.client_entries(client=request.user)
    if not entries:
        return ""
    return render_to_string("waitlist/_my_waitlist.html", {"entries": entries}, request=request)


def my_wishes_panel(request: HttpRequest) -> str:
    """The client's therapy wishes and the times kept for them, on "My bookings"."""
    wishes = selectors.client_wishes(client=request.user)
    if not wishes:
        return ""
    return render_to_string("waitlist/_my_wishes.html", {"wishes": wishes}, request=request)


def roster_panel(request: HttpRequest, session: ClassSession) -> str:
    queue = selectors.session_queue(session_id=session.pk)
    return render_to_string("admin/waitlist/_roster_queue.html", {"queue": queue, "session": session}, request=request)
