"""Delivery channels behind one interface: send(notification) -> outcome status.

E-mail goes through Django's e-mail backend (SMTP in production) with a plain-text
and an HTML part and, for bookings, an .ics invitation. In-app messages are the
outbox row itself. SMS goes through Twilio and WhatsApp through Meta's Cloud API (an
approved template, settings.WHATSAPP_TEMPLATE, whose one body parameter is the text),
both with the kind's short.txt; each is skipped while its provider is not configured.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import to_locale

from notifications import providers
from notifications.ics import CalendarEvent, Person, invitation
from notifications.models import Channel, Notification, OutboxStatus
from notifications.private_data import private_context
from notifications.text import render_text


class PermanentError(Exception):
    """Retrying will not help (no address, template missing): mark the row failed."""


def _with_datetimes(data: dict, zone) -> dict:
    """``*_at`` strings become datetimes in ``zone``, also inside lists of dicts (e.g. proposed times)."""
    result = {}
    for key, value in data.items():
        if key.endswith("_at") and isinstance(value, str):
            value = timezone.localtime(datetime.fromisoformat(value), zone)
        elif isinstance(value, list):
            value = [_with_datetimes(item, zone) if isinstance(item, dict) else item for item in value]
        result[key] = value
    return result


def message_context(notification: Notification) -> dict:
    """The template context: stored data, with ``*_at`` values as datetimes in the recipient's zone,
    and what the outbox does not keep (a client's note) from its owner (notifications.private_data)."""
    user = notification.recipient
    data = {**notification.context, **private_context(notification.kind, notification.context)}
    return {
        **_with_datetimes(data, user.zone),
        "recipient": user,
        "site_url": settings.SITE_URL,
        "studio_name": settings.STUDIO_NAME,
        "zone": user.zone,
    }


def render(notification: Notification, part: str, context: dict | None = None) -> str:
    """Render templates/notifications/<kind>/<part> in the recipient's zone and language.

    A ``.txt`` part is plain text (notifications.text: nothing escaped); ``body.html`` is HTML.
    ``context``: the message's ``message_context``, when the caller renders several parts
    of one message (it reads the owners' private data once, not once per part).
    """
    user = notification.recipient
    name = f"notifications/{notification.kind}/{part}"
    if context is None:
        context = message_context(notification)
    with timezone.override(user.zone), translation.override(user.language or settings.LANGUAGE_CODE):
        text = render_text(name, context) if part.endswith(".txt") else render_to_string(name, context)
    return text.strip()


def _send_email(notification: Notification) -> str:
    user = notification.recipient
    if not user.email:
        raise PermanentError("The recipient has no e-mail address.")
    context = message_context(notification)
    try:
        subject = " ".join(render(notification, "subject.txt", context).split())
        text = render(notification, "body.txt", context)
    except TemplateDoesNotExist as exc:
        raise PermanentError(f"No template for {notification.kind}: {exc}") from exc
    message = EmailMultiAlternatives(
        subject=f"[{settings.STUDIO_NAME}] {subject}",
        body=text,
        to=[user.email],
        headers={"X-Shala-Notification": str(notification.pk)},
    )
    with contextlib.suppress(TemplateDoesNotExist):
        message.attach_alternative(render(notification, "body.html", context), "text/html")
    calendar = notification.context.get("calendar")
    if calendar:
        # The method comes from the event itself (cancelled: CANCEL), so the MIME
        # part's method= and the METHOD inside can never disagree.
        method, ics = invitation(
            CalendarEvent.from_dict(calendar), to=Person(user.email, user.name), stamp=notification.created_at
        )
        message.attach("invite.ics", ics, f"text/calendar; charset=utf-8; method={method}")
    message.send(fail_silently=False)
    return OutboxStatus.SENT


def _sms_configured() -> bool:
    return bool(
        settings.SMS_ENABLED
        and settings.TWILIO_ACCOUNT_SID
        and settings.TWILIO_AUTH_TOKEN
        and settings.TWILIO_FROM_NUMBER
    )


def _whatsapp_configured() -> bool:
    return bool(settings.WHATSAPP_ENABLED and settings.WHATSAPP_TOKEN and settings.WHATSAPP_PHONE_NUMBER_ID)


def _short_text(notification: Notification) -> str:
    """The kind's short.txt on one line (WhatsApp refuses parameters with line breaks or tabs)."""
    try:
        return " ".join(render(notification, "short.txt").split())
    except TemplateDoesNotExist as exc:
        raise PermanentError(f"No template for {notification.kind}: {exc}") from exc


def _e164(notification: Notification) -> str:
    phone = notification.recipient.phone
    if not phone:
        raise PermanentError("The recipient has no phone number.")
    if hasattr(phone, "is_valid") and not phone.is_valid():
        raise PermanentError(f"The recipient's phone number {phone} is not valid.")
    return phone.as_e164 if hasattr(phone, "as_e164") else str(phone)


def _send_sms(notification: Notification) -> str:
    if not _sms_configured():
        return OutboxStatus.SKIPPED
    if not notification.recipient.notify_sms:
        return OutboxStatus.SKIPPED  # they turned SMS off after this was queued
    to = _e164(notification)
    try:
        providers.send_sms(
            account_sid=settings.TWILIO_ACCOUNT_SID,
            auth_token=settings.TWILIO_AUTH_TOKEN,
            from_number=settings.TWILIO_FROM_NUMBER,
            to=to,
            body=_short_text(notification),
        )
    except providers.Rejected as exc:
        raise PermanentError(str(exc)) from exc
    return OutboxStatus.SENT


def _send_whatsapp(notification: Notification) -> str:
    if not _whatsapp_configured():
        return OutboxStatus.SKIPPED
    user = notification.recipient
    if not user.notify_whatsapp:
        return OutboxStatus.SKIPPED  # they turned WhatsApp off after this was queued
    to = _e164(notification).removeprefix("+")
    try:
        providers.send_whatsapp_template(
            token=settings.WHATSAPP_TOKEN,
            phone_number_id=settings.WHATSAPP_PHONE_NUMBER_ID,
            api_version=settings.WHATSAPP_API_VERSION,
            to=to,
            template=settings.WHATSAPP_TEMPLATE,
            language=to_locale(user.language or settings.LANGUAGE_CODE),
            text=_short_text(notification),
        )
    except providers.Rejected as exc:
        raise PermanentError(str(exc)) from exc
    return OutboxStatus.SENT


def send(notification: Notification) -> str:
    match notification.channel:
        case Channel.EMAIL:
            return _send_email(notification)
        case Channel.INAPP:
            return OutboxStatus.SENT  # the row is the message; the bell shows it
        case Channel.SMS:
            return _send_sms(notification)
        case Channel.WHATSAPP:
            return _send_whatsapp(notification)
    raise PermanentError(f"Unknown channel {notification.channel!r}.")
