"""Calendar feeds read by two parsers: the same event as the invitations, cancelled ones kept.

A subscribed calendar only learns that an event is gone if the feed says so
(STATUS:CANCELLED); an event that silently drops out stays in many apps as it was.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from bookings import services
from notifications import services as notification_services
from schedules import services as schedule_services
from tests.bookings.conftest import upcoming_class
from tests.factories import PractitionerFactory, UserFactory
from tests.notifications.calendars import Calendar, read
from tests.notifications.calendars import invitations as invitations_to
from tests.notifications.test_invitations import STUDIO, request_session

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lotus_studio")]


def _feed(client, user) -> Calendar:
    response = client.get(reverse("bookings:feed", args=[notification_services.feed_token(user=user)]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    return read(response.content)


def test_a_clients_feed_marks_a_cancelled_booking_cancelled_under_the_invitations_uid(
    client, smtp_inbox, carla, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        kept = services.book_class(client=carla, session_id=upcoming_class(days=3).pk, quantity=1)
        gone = services.book_class(client=carla, session_id=upcoming_class(days=4).pk, quantity=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking(booking=gone, actor=carla)
    cancel_invite = invitations_to(smtp_inbox, carla.email)[-1]
    feed = _feed(client, carla)
    assert feed.method == "" and feed.uids == {kept.ics_uid, gone.ics_uid}
    cancelled = feed.event(gone.ics_uid)
    assert cancelled.status == "CANCELLED"
    assert (cancelled.uid, cancelled.sequence) == (cancel_invite.event.uid, cancel_invite.event.sequence)
    assert feed.event(kept.ics_uid).status == "CONFIRMED"
    for event in feed.events:
        assert event.organizer == STUDIO
        assert [a.address for a in event.attendees] == [f"mailto:{carla.email}"]


def test_a_therapy_session_is_the_same_event_in_each_partys_feed_and_invitations(
    client, smtp_inbox, osteopathy, carla, django_capture_on_commit_callbacks
):
    _kind, noor = osteopathy
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.approve_request(booking=request_session(osteopathy, carla), actor=noor.user)
    for person, role in ((carla, "REQ-PARTICIPANT"), (noor.user, "CHAIR")):
        invite = invitations_to(smtp_inbox, person.email)[-1].event
        event = _feed(client, person).event(booking.ics_uid)
        assert (event.uid, event.sequence, event.status, event.url) == (
            invite.uid,
            invite.sequence,
            "CONFIRMED",
            invite.url,
        )
        assert event.organizer == STUDIO
        assert [(a.address, a.role) for a in event.attendees] == [(f"mailto:{person.email}", role)]
    therapist_page = reverse("bookings:therapist_session", args=[booking.reference])
    assert _feed(client, noor.user).event(booking.ics_uid).url.endswith(therapist_page)

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking(booking=booking, actor=carla, reason="Sick")
    for person in (carla, noor.user):
        invite = invitations_to(smtp_inbox, person.email)[-1].event
        event = _feed(client, person).event(booking.ics_uid)
        assert (event.status, event.sequence) == ("CANCELLED", invite.sequence)


def test_a_teachers_feed_and_the_timetable_show_one_class_under_one_uid_cancelled_ones_marked(client):
    teacher = PractitionerFactory()
    taught = upcoming_class(instructor=teacher)
    called_off = upcoming_class(days=5, instructor=teacher)
    schedule_services.cancel_class_session(session=called_off, reason="Holiday")
    upcoming_class(days=6)  # someone else's class
    mine = _feed(client, teacher.user)
    timetable = read(client.get(reverse("bookings:studio_feed")).content)
    assert len(mine.uids) == 2 and mine.uids < timetable.uids
    assert {mine.event(uid).status for uid in mine.uids} == {"CONFIRMED", "CANCELLED"}
    for uid in mine.uids:
        assert mine.event(uid).status == timetable.event(uid).status
        assert mine.event(uid).start in {taught.starts_at, called_off.starts_at}
        assert [(a.address, a.role) for a in mine.event(uid).attendees] == [(f"mailto:{teacher.user.email}", "CHAIR")]
    assert all(e.organizer == STUDIO and e.attendees == () for e in timetable.events)


def test_a_personal_feed_reads_a_fixed_number_of_queries(
    client, osteopathy, carla, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    _kind, noor = osteopathy
    for days in (3, 4, 5, 6):
        booking = services.book_class(client=carla, session_id=upcoming_class(days=days).pk, quantity=1)
    services.cancel_booking(booking=booking, actor=carla)
    approved = services.approve_request(booking=request_session(osteopathy, carla), actor=noor.user)
    url = reverse("bookings:feed", args=[notification_services.feed_token(user=carla)])
    with django_assert_max_num_queries(3):
        assert len(read(client.get(url).content).events) == 5
    services.cancel_booking(booking=approved, actor=carla)
    url = reverse("bookings:feed", args=[notification_services.feed_token(user=noor.user)])
    with django_assert_max_num_queries(5):
        assert read(client.get(url).content).event(approved.ics_uid).status == "CANCELLED"
    UserFactory()  # nobody else's bookings are in either feed


def test_the_add_to_calendar_file_is_the_invitations_event_published_for_its_owner(
    client, smtp_inbox, carla, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.book_class(client=carla, session_id=upcoming_class(days=3).pk, quantity=1)
    invite = invitations_to(smtp_inbox, carla.email)[-1].event
    client.force_login(carla)
    downloaded = read(client.get(reverse("bookings:ics", args=[booking.reference])).content)
    assert downloaded.method == "PUBLISH"
    event = downloaded.event(booking.ics_uid)
    assert (event.uid, event.sequence, event.url) == (invite.uid, invite.sequence, invite.url)
    assert event.status == "CONFIRMED"
    assert event.organizer == STUDIO and event.attendees == invite.attendees
