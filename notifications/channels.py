"""Delivery channels behind one interface: send(notification) -> outcome status.

E-mail goes through Django's e-mail backend (SMTP in production) with a plain-text
and an HTML part and, for bookings, an .ics invitation. In-app messages are the
outbox row itself. SMS and WhatsApp are skipped unless their provider is configured.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from notifications.ics import CalendarEvent, calendar_bytes
from notifications.models import Channel, Notification, OutboxStatus


class PermanentError(Exception):
    """Retrying will not help (no address, template missing): mark the row failed."""


def message_context(notification: Notification) -> dict:
    """The template context: stored data, with ``*_at`` values as datetimes in the recipient's zone."""
    user = notification.recipient
    data = {}
    for key, value in notification.context.items():
        if key.endswith("_at") and isinstance(value, str):
            value = timezone.localtime(datetime.fromisoformat(value), user.zone)
        data[key] = value
    return {
        **data,
        "recipient": user,
        "site_url": settings.SITE_URL,
        "studio_name": settings.STUDIO_NAME,
        "zone": user.zone,
    }


def render(notification: Notification, part: str) -> str:
    """Render templates/notifications/<kind>/<part> in the recipient's zone and language."""
    user = notification.recipient
    with timezone.override(user.zone), translation.override(user.language or settings.LANGUAGE_CODE):
        return render_to_string(f"notifications/{notification.kind}/{part}", message_context(notification)).strip()


def _send_email(notification: Notification) -> str:
    user = notification.recipient
    if not user.email:
        raise PermanentError("The recipient has no e-mail address.")
    try:
        subject = " ".join(render(notification, "subject.txt").split())
        text = render(notification, "body.txt")
    except TemplateDoesNotExist as exc:
        raise PermanentError(f"No template for {notification.kind}: {exc}") from exc
    message = EmailMultiAlternatives(
        subject=f"[{settings.STUDIO_NAME}] {subject}",
        body=text,
        to=[user.email],
        headers={"X-Shala-Notification": str(notification.pk)},
    )
    with contextlib.suppress(TemplateDoesNotExist):
        message.attach_alternative(render(notification, "body.html"), "text/html")
    calendar = notification.context.get("calendar")
    if calendar:
        method = notification.context.get("calendar_method", "REQUEST")
        ics = calendar_bytes([CalendarEvent.from_dict(calendar)], method=method, stamp=notification.created_at)
        message.attach("invite.ics", ics, f"text/calendar; charset=utf-8; method={method}")
    message.send(fail_silently=False)
    return OutboxStatus.SENT


def send(notification: Notification) -> str:
    match notification.channel:
        case Channel.EMAIL:
            return _send_email(notification)
        case Channel.INAPP:
            return OutboxStatus.SENT  # the row is the message; the bell shows it
        case Channel.SMS | Channel.WHATSAPP:
            return OutboxStatus.SKIPPED  # providers come with their own configuration (docs/configuration.md)
    raise PermanentError(f"Unknown channel {notification.channel!r}.")
