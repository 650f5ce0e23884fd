"""Staff set the channels new accounts start with; people change theirs in their profile."""

import pytest
from django.urls import reverse

from accounts.models import User
from notifications.models import ChannelDefaults
from notifications.services import channels_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_people_who_sign_up_start_with_the_studios_defaults(client, settings):
    settings.SMS_ENABLED = True
    ChannelDefaults.objects.update(email=False, sms=True)
    password = "lotus-pose-morning-42"
    response = client.post(
        reverse("account_signup"),
        {
            "display_name": "Marta",
            "email": "marta@example.com",
            "password1": password,
            "password2": password,
            "time_zone": "Europe/Madrid",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="marta@example.com")
    assert (user.notify_email, user.notify_sms, user.notify_whatsapp) == (False, True, False)


def test_accounts_made_by_staff_keep_their_choices_and_later_changes_leave_accounts_alone():
    ChannelDefaults.objects.update(email=False, sms=True)
    made = UserFactory(notify_sms=False, notify_email=True)
    made.refresh_from_db()
    assert (made.notify_email, made.notify_sms) == (True, False)
    assert channels_for(made) == ["inapp", "email"]


def test_the_studio_starts_with_email_on_and_staff_edit_it_in_admin(client):
    defaults = ChannelDefaults.current()
    assert (defaults.email, defaults.sms, defaults.whatsapp) == (True, False, False)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:notifications_channeldefaults_change", args=[defaults.pk])
    response = client.post(url, {"email": "on", "whatsapp": "on"})
    assert response.status_code == 302
    defaults.refresh_from_db()
    assert (defaults.email, defaults.sms, defaults.whatsapp) == (True, False, True)
    assert client.get(reverse("admin:notifications_channeldefaults_add")).status_code == 403  # one row only
