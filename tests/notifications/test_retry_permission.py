"""Retrying sends mail to clients: the outbox's change permission, checked in the service."""

from __future__ import annotations

import pytest

from notifications import services
from notifications.models import Channel, Notification, OutboxStatus
from tests.factories import UserFactory, staff_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed() -> Notification:
    return Notification.objects.create(
        recipient=UserFactory(),
        channel=Channel.EMAIL,
        kind="booking_confirmed",
        dedupe_key="retry:test:email",
        status=OutboxStatus.FAILED,
        attempts=5,
    )


@pytest.mark.parametrize("perms", [(), ("notifications.view_notification",)], ids=["no-role", "view-only"])
def test_staff_who_may_only_read_the_outbox_cannot_retry(failed, perms):
    with pytest.raises(services.NotPermitted):
        services.retry_now(notification_ids=[failed.pk], actor=staff_with(*perms))
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (OutboxStatus.FAILED, 5)


def test_staff_who_may_change_the_outbox_retry(failed):
    assert services.retry_now(notification_ids=[failed.pk], actor=staff_with("notifications.change_notification")) == 1
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (OutboxStatus.PENDING, 0)
