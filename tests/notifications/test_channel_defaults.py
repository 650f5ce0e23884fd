"""Staff set the channels new accounts start with; people change theirs in their profile."""

import pytest
from django.urls import reverse

from notifications.models import ChannelDefaults
from notifications.services import channels_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_new_accounts_start_with_the_studios_defaults(settings):
    settings.SMS_ENABLED = True
    ChannelDefaults.objects.update(email=False, sms=True)
    user = UserFactory(phone="+34600111222")
    user.refresh_from_db()
    assert (user.notify_email, user.notify_sms, user.notify_whatsapp) == (False, True, False)
    assert channels_for(user) == ["inapp", "sms"]


def test_changing_the_defaults_leaves_existing_accounts_alone():
    before = UserFactory()
    ChannelDefaults.objects.update(email=False)
    before.save()
    before.refresh_from_db()
    assert before.notify_email is True


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
