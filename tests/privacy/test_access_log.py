"""The access log: who read a client's therapy data, written on every read, never edited."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from privacy.models import AccessKind, AccessLogEntry
from tests.privacy.conftest import INTAKE_TEXT, NOTE_TEXT

pytestmark = pytest.mark.django_db


def _session_page(studio) -> str:
    return reverse("bookings:therapist_session", args=[studio["therapy"].reference])


def _record_page(studio) -> str:
    return reverse("privacy:client_record", args=[studio["client"].pk])


def test_it_logs_the_therapist_reading_a_session(client, studio):
    client.force_login(studio["therapist"])
    html = client.get(_session_page(studio), REMOTE_ADDR="203.0.113.7").content.decode()
    assert INTAKE_TEXT in html and NOTE_TEXT in html
    rows = AccessLogEntry.objects.order_by("kind")
    assert [(r.viewer, r.client, r.kind, r.object_id, r.page, r.ip_address, r.reason) for r in rows] == [
        (
            studio["therapist"],
            studio["client"],
            kind,
            str(studio["therapy"].pk),
            "bookings:therapist_session",
            "203.0.113.7",
            "",
        )
        for kind in (AccessKind.INTAKE, AccessKind.NOTE)
    ]


def test_it_asks_the_owner_for_a_reason_before_showing_anything(client, studio):
    client.force_login(studio["owner"])
    page = client.get(_record_page(studio)).content.decode()
    assert NOTE_TEXT not in page and INTAKE_TEXT not in page and 'data-testid="reason-form"' in page
    short = client.post(_record_page(studio), {"reason": "  "}).content.decode()
    assert NOTE_TEXT not in short
    assert not AccessLogEntry.objects.exists()

    shown = client.post(_record_page(studio), {"reason": "Complaint  about the session\n of 3 May"}).content.decode()
    assert NOTE_TEXT in shown and INTAKE_TEXT in shown
    assert set(AccessLogEntry.objects.values_list("viewer", "kind", "reason")) == {
        (studio["owner"].pk, AccessKind.INTAKE, "Complaint about the session of 3 May"),
        (studio["owner"].pk, AccessKind.NOTE, "Complaint about the session of 3 May"),
    }


@pytest.mark.parametrize("role", ["desk", "instructor", "therapist", "client"])
def test_nobody_else_opens_the_owners_record_page(client, studio, role):
    client.force_login(studio[role])
    response = client.post(_record_page(studio), {"reason": "Just curious, honestly"})
    assert response.status_code == 403
    assert not AccessLogEntry.objects.exists()


def test_the_service_refuses_the_desk_and_an_owner_without_reason(rf, studio):
    from django.core.exceptions import PermissionDenied

    from privacy import access

    request = rf.get("/")
    with pytest.raises(PermissionDenied):
        access.read_session_record(booking=studio["therapy"], viewer=studio["desk"], request=request)
    with pytest.raises(access.ReasonRequired):
        access.read_session_record(booking=studio["therapy"], viewer=studio["owner"], request=request)
    assert not AccessLogEntry.objects.exists()


def test_the_client_reading_their_own_record_is_not_logged(rf, studio):
    from privacy import access

    record = access.read_session_record(booking=studio["therapy"], viewer=studio["client"], request=rf.get("/"))
    assert record.note == NOTE_TEXT
    assert not AccessLogEntry.objects.exists()


def test_the_client_sees_who_looked_on_their_profile(client, studio):
    client.force_login(studio["therapist"])
    client.get(_session_page(studio))
    client.force_login(studio["owner"])
    client.post(_record_page(studio), {"reason": "Insurance question from the client"})
    client.force_login(studio["client"])
    for url in (reverse("accounts:profile"), reverse("privacy:my_data")):
        html = client.get(url).content.decode()
        assert html.count("<td>" + studio["therapist"].name + "</td>") == 2, url
        assert "Insurance question from the client" in html, url


def test_another_client_sees_nothing_of_it(client, studio):
    from tests.factories import UserFactory

    client.force_login(studio["therapist"])
    client.get(_session_page(studio))
    client.force_login(UserFactory())
    html = client.get(reverse("privacy:my_data")).content.decode()
    assert 'data-testid="access-log-empty"' in html


def test_the_database_refuses_to_edit_or_delete_a_row(client, studio):
    client.force_login(studio["therapist"])
    client.get(_session_page(studio))
    row = AccessLogEntry.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessLogEntry.objects.filter(pk=row.pk).update(reason="nothing to see")
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessLogEntry.objects.filter(pk=row.pk).delete()
    assert AccessLogEntry.objects.filter(pk=row.pk, reason="").exists()


def test_admin_offers_no_add_change_or_delete(client, studio):
    client.force_login(studio["therapist"])
    client.get(_session_page(studio))
    row = AccessLogEntry.objects.first()
    client.force_login(studio["owner"])
    assert client.get(reverse("admin:privacy_accesslogentry_changelist")).status_code == 200
    change = reverse("admin:privacy_accesslogentry_change", args=[row.pk])
    page = client.get(change)
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(change, {"reason": "edited"}).status_code == 403
    assert (
        client.post(reverse("admin:privacy_accesslogentry_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    )
    assert client.get(reverse("admin:privacy_accesslogentry_add")).status_code == 403
    row.refresh_from_db()
    assert row.reason == ""


def test_the_owner_finds_the_record_from_the_clients_admin_page_and_the_desk_does_not(client, studio):
    page = reverse("admin:accounts_user_change", args=[studio["client"].pk])
    record = reverse("privacy:client_record", args=[studio["client"].pk])
    client.force_login(studio["owner"])
    assert record in client.get(page).content.decode()
    client.force_login(studio["desk"])
    assert record not in client.get(page).content.decode()
