"""Feedback's section on the client's "My bookings" (registered in FeedbackConfig.ready)."""

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from feedback import selectors


def awaiting_feedback_panel(request: HttpRequest) -> str:
    if not isinstance(request.user, User):  # "My bookings" is for logged-in clients only
        return ""
    bookings = selectors.awaiting_feedback(client=request.user, now=timezone.now())
    if not bookings:
        return ""
    return render_to_string("feedback/_awaiting.html", {"bookings": bookings}, request=request)
