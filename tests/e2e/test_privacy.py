"""A client, in a browser, sees who looked at their data, downloads it, and asks to be deleted."""

from __future__ import annotations

import contextlib
import json
import re
import zipfile
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from privacy.models import AccessLogEntry, ErasureRequest, ErasureState
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.e2e

LINK = re.compile(r"https?://\S+/privacy/export/[^/\s]+/")


@pytest.fixture
def zoe(transactional_db, settings, live_server):
    settings.SITE_URL = live_server.url
    user = UserFactory(email="zoe@example.com", display_name="Zoë Client")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    therapist = UserFactory(display_name="Irene Therapist")
    AccessLogEntry.objects.create(
        viewer=therapist, client=user, kind="note", object_label="bookings.booking", object_id="1", page="x"
    )
    return user


def test_a_client_downloads_their_data_and_asks_to_be_deleted(live_server, page, zoe, tmp_path):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(zoe.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/classes/")

    page.goto(f"{live_server.url}/accounts/profile/")
    expect(page.get_by_role("heading", name="Who looked at my data")).to_be_visible()
    expect(page.get_by_test_id("access-log")).to_contain_text("Irene Therapist")
    page.get_by_role("link", name=re.compile("Your data: the full log")).click()

    page.get_by_role("button", name="E-mail me a copy of my data").click()
    expect(page.get_by_text("We are preparing a copy of your data")).to_be_visible()
    [message] = [m for m in mail.outbox if zoe.email in m.to and "ready to download" in m.subject]
    link = LINK.search(message.body)
    assert link and link.group(0).startswith(live_server.url), message.body
    # "Download is starting": goto raises, as the page does not navigate; the download is what counts.
    with page.expect_download() as download, contextlib.suppress(PlaywrightError):
        page.goto(link.group(0))
    saved = tmp_path / "my-data.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert json.loads(archive.read("profile.json"))[0]["email"] == "zoe@example.com"
        assert json.loads(archive.read("access_log.json"))[0]["who"] == "Irene Therapist"

    page.goto(f"{live_server.url}/privacy/")
    page.get_by_label("Yes, delete my account").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_test_id("erasure-pending")).to_be_visible()
    row = ErasureRequest.objects.get(client=zoe)
    assert row.state == ErasureState.PENDING
    assert row.due_at - timezone.now() > timedelta(days=13)

    page.get_by_role("button", name="Keep my account").click()
    expect(page.get_by_text("Your account will not be deleted.")).to_be_visible()
    row.refresh_from_db()
    assert row.state == ErasureState.CANCELLED
