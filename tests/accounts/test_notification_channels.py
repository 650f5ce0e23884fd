"""The channels a person gets messages on are written by accounts' service only.

The person themself, staff whose role changes accounts, or the system (the studio's
defaults applied at sign-up by notifications' handler); nobody else.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from accounts.services import NotPermitted, set_notification_channels
from tests.factories import UserFactory, staff_with

pytestmark = pytest.mark.django_db


def _channels(user: User) -> tuple[bool, bool, bool]:
    user = User.objects.get(pk=user.pk)
    return user.notify_email, user.notify_sms, user.notify_whatsapp


def test_a_person_sets_their_own_channels_and_only_what_changed_is_written():
    marta = UserFactory(notify_email=True, notify_sms=False, notify_whatsapp=False, display_name="Marta")
    with CaptureQueriesContext(connection) as queries:
        changed = set_notification_channels(user=marta, actor=marta, email=True, sms=True, whatsapp=False)
    assert changed == ["notify_sms"]
    assert _channels(marta) == (True, True, False)
    (update,) = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert '"notify_sms"' in update and '"display_name"' not in update and '"notify_email"' not in update


def test_nothing_is_written_when_nothing_changes():
    marta = UserFactory(notify_email=True, notify_sms=False, notify_whatsapp=False)
    with CaptureQueriesContext(connection) as queries:
        assert set_notification_channels(user=marta, actor=None, email=True, sms=False, whatsapp=False) == []
    assert queries.captured_queries == []


@pytest.mark.parametrize("perms", [(), ("accounts.view_user",)], ids=["another-person", "view-only-staff"])
def test_someone_else_cannot_change_a_persons_channels(perms):
    marta = UserFactory(notify_email=True, notify_sms=False)
    with pytest.raises(NotPermitted):
        set_notification_channels(user=marta, actor=staff_with(*perms), email=False, sms=True, whatsapp=False)
    assert _channels(marta) == (True, False, False)


def test_staff_whose_role_changes_accounts_may():
    marta = UserFactory(notify_email=True, notify_sms=False)
    set_notification_channels(
        user=marta, actor=staff_with("accounts.change_user"), email=False, sms=True, whatsapp=False
    )
    assert _channels(marta) == (False, True, False)
