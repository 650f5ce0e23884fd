"""The one call other apps make: notify(recipient, kind, context, dedupe_key).

It writes outbox rows in the caller's transaction, one per channel the recipient
receives this kind of message on, and queues delivery for after the commit. If the
broker is down then, nothing is lost: the sweep task finds the rows (DESIGN
invariant 4).
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from config import params
from notifications.models import Channel, Notification, OutboxStatus

log = logging.getLogger(__name__)


def channels_for(recipient: User) -> list[str]:
    """The channels a person gets messages on: their choices, limited to configured providers."""
    chosen: list[str] = [Channel.INAPP, Channel.EMAIL]
    if getattr(recipient, "notify_sms", False) and recipient.phone and settings.SMS_ENABLED:
        chosen.append(Channel.SMS)
    if getattr(recipient, "notify_whatsapp", False) and recipient.phone and settings.WHATSAPP_ENABLED:
        chosen.append(Channel.WHATSAPP)
    if not getattr(recipient, "notify_email", True):
        chosen.remove(Channel.EMAIL)
    return chosen


@dataclass(frozen=True)
class Message:
    recipient: User
    kind: str
    context: dict
    dedupe_key: str
    channels: tuple[str, ...] | None = None  # None: the recipient's own choice


def notify(
    *,
    recipient: User,
    kind: str,
    context: dict,
    dedupe_key: str,
    channels: list[str] | None = None,
) -> list[Notification]:
    """Queue message ``kind`` for ``recipient``; a key already used sends nothing new.

    ``context`` must be JSON: datetimes as ISO strings in keys ending ``_at`` (they
    are shown in the recipient's zone), a calendar event under ``"calendar"``.
    """
    return send_all([Message(recipient, kind, context, dedupe_key, tuple(channels) if channels else None)])


def send_all(messages: list[Message]) -> list[Notification]:
    """notify() for a few messages of one change (client and instructor): one INSERT."""
    rows = [_row(m, channel) for m in messages for channel in (m.channels or channels_for(m.recipient))]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    keys = [r.dedupe_key for r in rows if r.status == OutboxStatus.PENDING]
    if keys:
        transaction.on_commit(lambda: _enqueue(keys))
    return rows


def _row(message: Message, channel: str) -> Notification:
    """An outbox row; in-app messages need no delivery, so they are born sent."""
    inapp = channel == Channel.INAPP
    return Notification(
        recipient=message.recipient,
        channel=channel,
        kind=message.kind,
        context=message.context,
        dedupe_key=f"{message.dedupe_key}:{channel}",
        status=OutboxStatus.SENT if inapp else OutboxStatus.PENDING,
        sent_at=timezone.now() if inapp else None,
        attempts=1 if inapp else 0,
    )


def notify_many(messages: list[Message], *, batch_size: int = 1000) -> int:
    """notify() for many people at once (reminders, daily agendas): one INSERT per batch.

    Returns how many rows were new; keys already used are skipped by the database.
    """
    rows = [_row(m, channel) for m in messages for channel in (m.channels or channels_for(m.recipient))]
    keys = [r.dedupe_key for r in rows]
    existing = set()
    for start in range(0, len(keys), batch_size):
        existing |= set(
            Notification.objects.filter(dedupe_key__in=keys[start : start + batch_size]).values_list(
                "dedupe_key", flat=True
            )
        )
    new = [r for r in rows if r.dedupe_key not in existing]
    Notification.objects.bulk_create(new, ignore_conflicts=True, batch_size=batch_size)
    new_keys = [r.dedupe_key for r in new if r.status == OutboxStatus.PENDING]
    if new_keys:
        transaction.on_commit(lambda: _enqueue(new_keys))
    return len(new)


# Keys per delivery task: one publish for a booking's few messages, and a reminder
# sweep's thousands go out in a few hundred publishes instead of one each.
ENQUEUE_CHUNK = 50


class PublishPause:
    """After a failed publish, this process leaves deliveries to the sweep for a while.

    The rows are committed and pending either way; the pause only spares the requests
    that follow the broker's timeout each (settings.BROKER_RETRY_AFTER).
    """

    def __init__(self) -> None:
        self._until = 0.0  # monotonic

    def active(self) -> bool:
        return time.monotonic() < self._until

    def start(self) -> None:
        self._until = time.monotonic() + settings.BROKER_RETRY_AFTER

    def reset(self) -> None:
        self._until = 0.0


publish_pause = PublishPause()


def _enqueue(keys: list[str]) -> None:
    """Queue delivery by key, one task per chunk: no database read after the commit.

    Publishing is the slow part of a booking request after its queries (kombu builds
    and sends a message per call), so a change's messages share one task. With the
    broker down the change is committed already and the rows are pending: the
    one-minute sweep sends them, so a failure here is logged, never raised.
    """
    from notifications.tasks import deliver_notifications

    if publish_pause.active():
        log.debug("Broker down a moment ago: %d notification(s) left for the sweep.", len(keys))
        return
    for start in range(0, len(keys), ENQUEUE_CHUNK):
        chunk = keys[start : start + ENQUEUE_CHUNK]
        try:
            deliver_notifications.delay(keys=chunk)
        except Exception:  # the broker is down: the sweep will deliver it
            publish_pause.start()
            log.warning(
                "Could not queue %d notification(s); the sweep will send them. Not trying the broker for %g s.",
                len(keys) - start,
                settings.BROKER_RETRY_AFTER,
                exc_info=True,
            )
            return


# --- delivery ---------------------------------------------------------------------------

# A worker that claimed a row and died: after this, another may claim it again.
CLAIM_LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 8


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes between attempts, at most six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def claim(pk: int, *, now=None) -> bool:
    """Take one due row for sending; the row count says who won (a task or the sweep)."""
    now = now or timezone.now()
    return bool(
        Notification.objects.filter(pk=pk, status=OutboxStatus.PENDING, next_attempt_at__lte=now).update(
            status=OutboxStatus.SENDING,
            claimed_at=now,
        )
    )


def claim_due_batch(*, limit: int = 200, now=None) -> list[int]:
    """Claim up to ``limit`` due rows; concurrent sweeps skip each other's rows (SKIP LOCKED)."""
    now = now or timezone.now()
    with transaction.atomic():
        Notification.objects.filter(status=OutboxStatus.SENDING, claimed_at__lt=now - CLAIM_LEASE).update(
            status=OutboxStatus.PENDING,
            next_attempt_at=now,
        )
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        Notification.objects.filter(pk__in=ids).update(status=OutboxStatus.SENDING, claimed_at=now)
    return ids


def deliver_claimed(pk: int) -> str:
    """Send a row this process has claimed and record the outcome."""
    from notifications import channels

    notification = Notification.objects.select_related("recipient").get(pk=pk)
    now = timezone.now()
    try:
        outcome = channels.send(notification)
    except channels.PermanentError as exc:
        _finish(notification, status=OutboxStatus.FAILED, error=str(exc))
        return OutboxStatus.FAILED
    except Exception as exc:
        attempts = notification.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            _finish(notification, status=OutboxStatus.FAILED, error=repr(exc), attempts=attempts)
            return OutboxStatus.FAILED
        Notification.objects.filter(pk=pk).update(
            status=OutboxStatus.PENDING,
            attempts=attempts,
            last_error=repr(exc)[:2000],
            next_attempt_at=now + backoff(attempts),
            claimed_at=None,
        )
        return OutboxStatus.PENDING
    _finish(notification, status=outcome, attempts=notification.attempts + 1)
    return outcome


def _finish(notification: Notification, *, status: str, error: str = "", attempts: int | None = None) -> None:
    Notification.objects.filter(pk=notification.pk).update(
        status=status,
        sent_at=timezone.now() if status == OutboxStatus.SENT else None,
        last_error=error[:2000],
        attempts=attempts if attempts is not None else notification.attempts,
    )


def deliver(pk: int | None = None, *, key: str | None = None) -> str | None:
    """Claim and send one row (by id or de-duplication key); None when someone else has it."""
    if pk is None:
        pk = Notification.objects.filter(dedupe_key=key).values_list("pk", flat=True).first()
        if pk is None:
            return None  # the transaction that wrote it rolled back
    if not claim(pk):
        return None
    return deliver_claimed(pk)


def sweep(*, limit: int = 200) -> int:
    """Send what is due and was not sent (broker was down, a worker died). Returns how many."""
    ids = claim_due_batch(limit=limit)
    for pk in ids:
        deliver_claimed(pk)
    return len(ids)


class NotPermitted(PermissionDenied):
    """The actor's role does not allow this (the admin hides the action too)."""


RETRY = "notifications.change_notification"


def retry_now(*, notification_ids: list[int], actor: User) -> int:
    """Staff send failed or waiting messages again at the next sweep, attempts reset.

    Needs the permission to change the outbox (reading it is not enough: a retry sends
    mail to clients). Returns how many rows were queued.
    """
    if not actor.has_perm(RETRY):
        raise NotPermitted(gettext("Your role does not allow retrying messages."))
    return Notification.objects.filter(
        pk__in=notification_ids, status__in=[OutboxStatus.FAILED, OutboxStatus.PENDING]
    ).update(status=OutboxStatus.PENDING, next_attempt_at=timezone.now(), attempts=0, claimed_at=None)


def mark_read(*, recipient: User, pk: int | None = None) -> int:
    """Mark one (or all) of a person's in-app messages read."""
    qs = Notification.objects.filter(recipient=recipient, channel=Channel.INAPP, read_at__isnull=True)
    if pk is not None:
        qs = qs.filter(pk=pk)
    return qs.update(read_at=timezone.now())


# --- calendar feed tokens -----------------------------------------------------------------


def feed_token(*, user: User, create: bool = True) -> str | None:
    """The person's feed secret, made on first use."""
    from notifications.models import CalendarFeedToken

    row = CalendarFeedToken.objects.filter(user=user).first()
    if row is None and create:
        row, _ = CalendarFeedToken.objects.get_or_create(user=user, defaults={"token": secrets.token_urlsafe(32)})
    return row.token if row else None


def regenerate_feed_token(*, user: User) -> str:
    """A new secret; the old URL stops working at once."""
    from notifications.models import CalendarFeedToken

    token = secrets.token_urlsafe(32)
    CalendarFeedToken.objects.update_or_create(user=user, defaults={"token": token})
    return token


def revoke_feed_token(*, user: User) -> None:
    from notifications.models import CalendarFeedToken

    CalendarFeedToken.objects.filter(user=user).delete()


def user_for_feed_token(token: str) -> User | None:
    """The feed's owner, or None for a token that is wrong, revoked, or not a token at all.

    The token comes from a URL anyone can type: one with a NUL would make PostgreSQL
    answer with an error rather than "not found", so only a token's alphabet is looked up.
    """
    from notifications.models import CalendarFeedToken

    if not params.is_token(token):
        return None
    row = CalendarFeedToken.objects.select_related("user").filter(token=token, user__is_active=True).first()
    return row.user if row else None
