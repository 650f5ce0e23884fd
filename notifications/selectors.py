"""Reads of a person's in-app messages."""

from django.db.models import QuerySet

from accounts.models import User
from notifications.models import Channel, Notification, OutboxStatus


def inbox(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, channel=Channel.INAPP, status=OutboxStatus.SENT).order_by(
        "-created_at"
    )


def unread_count(*, user: User) -> int:
    return inbox(user=user).filter(read_at__isnull=True).count()
