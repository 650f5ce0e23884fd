"""The therapy pages as clients and therapists use them, and who may see what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from bookings import services
from bookings.models import Booking, TimeProposal
from schedules.models import AvailabilityOverride, AvailabilityRule, Location, Practitioner, Room, TherapyType
from schedules.slots import slots_for
from tests.bookings.conftest import availability_post
from tests.factories import (
    AvailabilityRuleFactory,
    LocationFactory,
    RoomFactory,
    TherapistFactory,
    TherapistSettingsFactory,
    TherapyDurationFactory,
    TherapyTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")


@dataclass
class Practice:
    location: Location
    room: Room
    kind: TherapyType
    ana: Practitioner  # firm
    ben: Practitioner  # requests
    carla: User
    david: User


def _therapist(name: str, location: Location, approval: str) -> Practitioner:
    therapist = TherapistFactory(public_name=name, user__time_zone="Europe/Madrid")
    TherapistSettingsFactory(practitioner=therapist, approval=approval, min_notice_hours=2)
    for weekday in range(7):
        AvailabilityRuleFactory(
            practitioner=therapist, weekday=weekday, start_time=time(9), end_time=time(13), location=location
        )
    return therapist


@pytest.fixture
def practice() -> Practice:
    location = LocationFactory(time_zone="Europe/Madrid")
    room, _other = RoomFactory(location=location, name="Room 1"), RoomFactory(location=location, name="Room 2")
    ana = _therapist("Ana Ruiz", location, "firm")
    ben = _therapist("Ben Ortiz", location, "request")
    kind = TherapyTypeFactory(
        title="Massage",
        slug="massage",
        therapists=[ana, ben],
        rooms=[room, _other],
        requirements="Arrive ten minutes early.",
        intake_questions="Any injuries?",
    )
    TherapyDurationFactory(therapy_type=kind, minutes=60)
    TherapyDurationFactory(therapy_type=kind, minutes=90)
    return Practice(
        location,
        room,
        kind,
        ana,
        ben,
        UserFactory(display_name="Carla", time_zone="Europe/Madrid"),
        UserFactory(display_name="David", time_zone="Europe/Madrid"),
    )


def _day(days: int = 3) -> date:
    return timezone.localdate(timezone.now(), MADRID) + timedelta(days=days)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=MADRID)


def _book(p: Practice, client: User, therapist: Practitioner, start: datetime) -> Booking:
    return services.book_therapy(
        client=client, therapy_type=p.kind, minutes=60, practitioner=therapist, starts_at=start
    )


# --- client flow --------------------------------------------------------------------------


def test_it_lists_therapies_with_their_lengths_and_therapists(client, practice, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client.get(reverse("bookings:therapy_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Massage" in html and "60 min" in html and "90 min" in html and "Ana Ruiz" in html


def test_it_marks_free_days_and_shows_a_days_times_in_the_viewers_zone(client, practice):
    viewer = UserFactory(time_zone="America/New_York")
    client.force_login(viewer)
    day = _day()
    response = client.get(
        reverse("bookings:therapy_type", args=["massage"]),
        {"minutes": 60, "therapist": practice.ana.slug, "day": day.isoformat(), "month": day.strftime("%Y-%m")},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-testid="free-day" data-day="{day.isoformat()}"' in html  # marked free
    assert "America/New_York" in html
    ny_first = _at(day, 9).astimezone(ZoneInfo("America/New_York")).strftime("%H:%M")  # 03:00
    assert f">{ny_first}<" in html.replace("\n", "")
    assert "Arrive ten minutes early." in html


def test_a_day_of_time_off_is_not_marked_free(client, practice):
    day = _day(4)
    AvailabilityOverride.objects.create(
        practitioner=practice.ana, kind="blocked", starts_at=_at(day, 0), ends_at=_at(day + timedelta(days=1), 0)
    )
    response = client.get(
        reverse("bookings:therapy_type", args=["massage"]),
        {"minutes": 60, "therapist": practice.ana.slug, "month": day.strftime("%Y-%m")},
    )
    html = response.content.decode()
    assert f'data-testid="free-day" data-day="{day.isoformat()}"' not in html
    assert 'data-testid="free-day"' in html  # other days of the month still are


def test_a_client_books_a_firm_session_with_intake_answers(client, practice):
    client.force_login(practice.carla)
    start = _at(_day(), 10)
    url = reverse("bookings:book_therapy", args=["massage"])
    page = client.get(url, {"start": start.isoformat(), "minutes": 60, "therapist": practice.ana.pk})
    assert page.status_code == 200 and "Any injuries?" in page.content.decode()
    token = page.context["form"].initial["token"]
    response = client.post(
        url,
        {
            "start": start.isoformat(),
            "minutes": 60,
            "therapist": practice.ana.pk,
            "token": token,
            "note": "First time",
            "q0": "Left knee",
        },
    )
    booking = Booking.objects.get(client=practice.carla)
    assert response.status_code == 302 and response["Location"] == booking.get_absolute_url()
    assert booking.status == "confirmed" and booking.starts_at == start
    assert booking.intake == {"Any injuries?": "Left knee"}
    detail = client.get(booking.get_absolute_url()).content.decode()
    assert "Confirmed" in detail and "Ana Ruiz" in detail


def test_a_request_says_it_waits_for_the_therapist(client, practice):
    client.force_login(practice.carla)
    start = _at(_day(), 10)
    response = client.post(
        reverse("bookings:book_therapy", args=["massage"]),
        {"start": start.isoformat(), "minutes": 60, "therapist": practice.ben.pk, "token": "t1"},
        follow=True,
    )
    html = response.content.decode()
    assert "Requested — waiting for" in html and "Ben Ortiz" in html
    assert Booking.objects.get(client=practice.carla).status == "requested"


def test_a_taken_time_is_refused_with_the_next_free_times(client, practice):
    start = _at(_day(), 10)
    _book(practice, practice.david, practice.ana, start)
    client.force_login(practice.carla)
    response = client.post(
        reverse("bookings:book_therapy", args=["massage"]),
        {"start": start.isoformat(), "minutes": 60, "therapist": practice.ana.pk, "token": "t2"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "no longer free" in html and 'data-testid="alternative"' in html
    assert not Booking.objects.filter(client=practice.carla).exists()


def test_bad_input_on_the_booking_page_is_a_message_not_an_error(client, practice):
    client.force_login(practice.carla)
    url = reverse("bookings:book_therapy", args=["massage"])
    for params in ({"start": "not-a-date", "minutes": 60, "therapist": practice.ana.pk}, {"minutes": "x"}, {}):
        response = client.get(url, params)
        assert response.status_code == 302
    assert client.get(reverse("bookings:therapy_type", args=["nope"])).status_code == 404
    assert client.get(reverse("bookings:therapy_type", args=["massage"]), {"month": "2026-99"}).status_code == 200


def test_a_series_lists_collisions_before_booking(client, practice):
    client.force_login(practice.carla)
    first = _at(_day(), 10)
    _book(practice, practice.david, practice.ana, first + timedelta(weeks=1))  # the second date collides
    url = reverse("bookings:book_therapy", args=["massage"])
    common = {"start": first.isoformat(), "minutes": 60, "therapist": practice.ana.pk, "repeat": "1", "count": 3}
    plan = client.post(url, {**common, "token": "s1"})
    assert plan.status_code == 200 and "1 date is not free" in plan.content.decode()
    form = plan.context["series_form"]
    choices = {name: field.initial for name, field in form.fields.items()}
    assert choices["o1"] != (first + timedelta(weeks=1)).isoformat()  # an alternative is offered instead
    response = client.post(url, {**common, "token": "s1", "confirm_series": "1", **choices})
    assert response.status_code == 302
    booked = Booking.objects.filter(client=practice.carla).order_by("starts_at")
    assert booked.count() == 3 and len({b.series_id for b in booked}) == 1


def test_a_client_reschedules_from_the_calendar(client, practice):
    booking = _book(practice, practice.carla, practice.ana, _at(_day(), 10))
    client.force_login(practice.carla)
    url = reverse("bookings:reschedule", args=[booking.reference])
    day = _day(5)
    page = client.get(url, {"day": day.isoformat(), "month": day.strftime("%Y-%m")})
    assert page.status_code == 200 and 'data-testid="time"' in page.content.decode()
    response = client.post(url, {"start": _at(day, 11).isoformat()})
    booking.refresh_from_db()
    assert response.status_code == 302 and booking.starts_at == _at(day, 11)


def test_a_client_accepts_a_proposed_time_with_one_click(client, practice):
    booking = _book(practice, practice.carla, practice.ben, _at(_day(), 10))
    (proposal,) = services.propose_times(booking=booking, actor=practice.ben.user, starts=[_at(_day(), 12)])
    client.force_login(practice.carla)
    assert "accept" in client.get(booking.get_absolute_url()).content.decode()
    response = client.post(reverse("bookings:proposal", args=[proposal.pk]))
    booking.refresh_from_db()
    assert response.status_code == 302
    assert booking.status == "confirmed" and booking.starts_at == _at(_day(), 12)


# --- therapist side -------------------------------------------------------------------------


def test_a_therapist_sets_weekly_hours_and_clients_see_them_at_once(client, practice):
    client.force_login(practice.ana.user)
    form = availability_post(
        ("0", "15:00", "18:00", str(practice.location.pk)),
        ("0", "08:00", "10:00", str(practice.location.pk)),
        spare=1,
        slot_step_minutes="60",
    )
    response = client.post(reverse("bookings:therapist_availability"), form)
    assert response.status_code == 302
    assert AvailabilityRule.objects.filter(practitioner=practice.ana).count() == 2
    monday = _day(7) - timedelta(days=_day(7).weekday())
    found = slots_for(
        practice.kind,
        minutes=60,
        practitioner_ids=[practice.ana.pk],
        first_day=monday,
        last_day=monday,
        now=timezone.now(),
    )[0].slots
    assert [s.start.astimezone(MADRID).hour for s in found] == [8, 9, 15, 16, 17]


def test_overlapping_ranges_on_one_day_are_refused_on_the_page(client, practice):
    client.force_login(practice.ana.user)
    form = availability_post(("2", "09:00", "12:00", ""), ("2", "11:00", "14:00", ""))
    response = client.post(reverse("bookings:therapist_availability"), form)
    assert response.status_code == 200 and "overlap" in response.content.decode()
    assert AvailabilityRule.objects.filter(practitioner=practice.ana).count() == 7  # unchanged


def test_a_therapist_adds_time_off_and_is_told_of_sessions_inside_it(client, practice):
    day = _day()
    _book(practice, practice.carla, practice.ana, _at(day, 10))
    client.force_login(practice.ana.user)
    response = client.post(
        reverse("bookings:therapist_add_override"),
        {"kind": "blocked", "start_date": day.isoformat(), "end_date": day.isoformat(), "note": "Ill"},
        follow=True,
    )
    html = response.content.decode()
    assert "1 booked session(s) fall in this time off" in html
    override = AvailabilityOverride.objects.get(practitioner=practice.ana)
    assert override.starts_at == _at(day, 0) and override.ends_at == _at(day + timedelta(days=1), 0)
    found = slots_for(
        practice.kind, minutes=60, practitioner_ids=[practice.ana.pk], first_day=day, last_day=day, now=timezone.now()
    )
    assert found[0].slots == []


def test_the_week_calendar_shows_hours_sessions_requests_and_time_off(client, practice):
    day = _day()
    _book(practice, practice.carla, practice.ben, _at(day, 10))
    AvailabilityOverride.objects.create(
        practitioner=practice.ben, kind="blocked", starts_at=_at(day, 12), ends_at=_at(day, 13)
    )
    client.force_login(practice.ben.user)
    html = client.get(reverse("bookings:therapist_calendar"), {"week": day.isoformat()}).content.decode()
    for kind in ("hours", "request", "time_off"):
        assert f'data-kind="{kind}"' in html
    assert "Carla" in html


def test_a_therapist_answers_requests_from_the_inbox(client, practice):
    one = _book(practice, practice.carla, practice.ben, _at(_day(), 9))
    two = _book(practice, practice.david, practice.ben, _at(_day(), 11))
    client.force_login(practice.ben.user)
    inbox = client.get(reverse("bookings:therapist_requests")).content.decode()
    assert one.reference in inbox and two.reference in inbox
    client.post(reverse("bookings:therapist_approve", args=[one.reference]))
    client.post(reverse("bookings:therapist_decline", args=[two.reference]), {"reason": ""})  # a reason is required
    two.refresh_from_db()
    assert two.status == "requested"
    client.post(
        reverse("bookings:therapist_propose", args=[two.reference]),
        {"time1": _at(_day(), 12).strftime("%Y-%m-%dT%H:%M"), "message": "Noon?"},
    )
    one.refresh_from_db()
    assert one.status == "confirmed"
    proposal = TimeProposal.objects.get(booking=two)
    assert proposal.starts_at == _at(_day(), 12) and proposal.message == "Noon?"


def test_private_notes_are_seen_only_by_the_sessions_therapist(client, practice):
    booking = _book(practice, practice.carla, practice.ana, _at(_day(), 10))
    client.force_login(practice.ana.user)
    url = reverse("bookings:therapist_session", args=[booking.reference])
    client.post(url, {"therapist_note": "Tight shoulders, go gently"})
    assert "Tight shoulders" in client.get(url).content.decode()
    client.force_login(practice.carla)
    assert "Tight shoulders" not in client.get(booking.get_absolute_url()).content.decode()
    client.force_login(practice.ben.user)
    assert client.get(url).status_code == 404


def test_a_therapist_cancels_with_a_reason_and_no_fee(client, practice):
    booking = _book(practice, practice.carla, practice.ana, _at(_day(), 10))
    client.force_login(practice.ana.user)
    url = reverse("bookings:therapist_cancel", args=[booking.reference])
    client.post(url, {"reason": ""})
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    client.post(url, {"reason": "I am ill"})
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.fee_charged == 0 and booking.occupancy_id is None


# --- who sees what ---------------------------------------------------------------------------


def test_clients_see_and_change_only_their_own_sessions(client, practice):
    mine = _book(practice, practice.carla, practice.ben, _at(_day(), 10))
    (proposal,) = services.propose_times(booking=mine, actor=practice.ben.user, starts=[_at(_day(), 12)])
    client.force_login(practice.david)
    for url in (
        mine.get_absolute_url(),
        reverse("bookings:reschedule", args=[mine.reference]),
        reverse("bookings:proposal", args=[proposal.pk]),
        reverse("bookings:cancel", args=[mine.reference]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("bookings:proposal", args=[proposal.pk])).status_code == 404
    assert client.post(reverse("bookings:cancel_series", args=[mine.reference])).status_code == 404
    proposal.refresh_from_db()
    assert proposal.state == "open"


def test_therapists_see_only_their_own_calendar_and_clients(client, practice):
    anas = _book(practice, practice.carla, practice.ana, _at(_day(), 10))
    bens = _book(practice, practice.david, practice.ben, _at(_day(), 11))
    client.force_login(practice.ana.user)
    sessions = client.get(reverse("bookings:therapist_sessions")).content.decode()
    # David's e-mail, not his name: the therapist's own (Faker) name in the menu could be "David …".
    assert anas.reference in sessions and bens.reference not in sessions and practice.david.email not in sessions
    for name in (
        "therapist_session",
        "therapist_approve",
        "therapist_decline",
        "therapist_propose",
        "therapist_cancel",
    ):
        method = client.get if name == "therapist_session" else client.post
        assert method(reverse(f"bookings:{name}", args=[bens.reference])).status_code == 404, name
    other_override = AvailabilityOverride.objects.create(
        practitioner=practice.ben, kind="blocked", starts_at=_at(_day(), 0), ends_at=_at(_day(), 1)
    )
    assert client.post(reverse("bookings:therapist_remove_override", args=[other_override.pk])).status_code == 404
    bens.refresh_from_db()
    assert bens.status == "requested" and AvailabilityOverride.objects.filter(pk=other_override.pk).exists()


def test_therapist_pages_are_for_therapists_only(client, practice):
    urls = [reverse(f"bookings:{n}") for n in ("therapist_calendar", "therapist_availability", "therapist_requests")]
    for url in urls:
        assert client.get(url).status_code == 302  # to the log-in page
    client.force_login(practice.carla)
    for url in urls:
        assert client.get(url).status_code == 403


def test_staff_see_therapy_bookings_in_admin(client, practice):
    booking = _book(practice, practice.carla, practice.ana, _at(_day(), 10))
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    html = client.get(reverse("admin:bookings_booking_changelist")).content.decode()
    assert booking.reference in html and "Massage · Ana Ruiz" in html


def test_the_month_calendar_query_count_does_not_grow_with_therapists(client, practice):
    url = reverse("bookings:therapy_type", args=["massage"])
    client.get(url)  # warm up sessions, content types
    with CaptureQueriesContext(connection) as two:
        client.get(url)
    for i in range(5):
        extra = _therapist(f"Extra {i}", practice.location, "firm")
        practice.kind.therapists.add(extra)
    with CaptureQueriesContext(connection) as seven:
        client.get(url)
    assert len(seven) == len(two) <= 12


def test_a_day_off_shows_no_working_hours_and_a_short_break_cuts_them(client, practice):
    day = _day(7) - timedelta(days=_day(7).weekday() - 1)  # next week's Tuesday: Wednesday is in the same week
    AvailabilityOverride.objects.create(
        practitioner=practice.ana, kind="blocked", starts_at=_at(day, 0), ends_at=_at(day + timedelta(days=1), 0)
    )
    AvailabilityOverride.objects.create(
        practitioner=practice.ana,
        kind="blocked",
        starts_at=_at(day + timedelta(days=1), 10),
        ends_at=_at(day + timedelta(days=1), 11),
    )
    client.force_login(practice.ana.user)
    response = client.get(reverse("bookings:therapist_calendar"), {"week": day.isoformat()})
    by_day = {d.day: d.entries for d in response.context["days"]}
    assert [e.kind for e in by_day[day]] == ["time_off"]
    next_day = day + timedelta(days=1)
    hours = [(e.start, e.end) for e in by_day[next_day] if e.kind == "hours"]
    assert hours == [(_at(next_day, 9), _at(next_day, 10)), (_at(next_day, 11), _at(next_day, 13))]


def test_spare_rows_left_empty_on_the_hours_form_are_skipped(client, practice):
    client.force_login(practice.ana.user)
    page = client.get(reverse("bookings:therapist_availability"))
    spare = page.context["formset"].forms[-1]
    assert 'value="" selected' in str(spare["weekday"])  # nothing chosen until the therapist chooses
    form = availability_post(("4", "10:00", "12:00", ""), spare=2)
    assert client.post(reverse("bookings:therapist_availability"), form).status_code == 302
    assert list(AvailabilityRule.objects.filter(practitioner=practice.ana).values_list("weekday", flat=True)) == [4]


def test_a_therapists_profile_page_leads_to_booking_with_them(client, practice, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        html = client.get(practice.ana.get_absolute_url()).content.decode()
    booking_link = reverse("bookings:therapy_type", args=["massage"]) + f"?therapist={practice.ana.slug}"
    assert booking_link in html and "60 min" in html and "90 min" in html
    page = client.get(booking_link)
    assert page.context["chosen"] == practice.ana.slug


def test_the_month_view_counts_sessions_requests_and_time_off(client, practice, django_assert_max_num_queries):
    day = _day(7) - timedelta(days=_day(7).weekday() - 2)  # a Wednesday: it and Thursday share a week row
    _book(practice, practice.carla, practice.ben, _at(day, 10))
    _book(practice, practice.david, practice.ben, _at(day, 11))
    off = day + timedelta(days=1)
    AvailabilityOverride.objects.create(
        practitioner=practice.ben, kind="blocked", starts_at=_at(off, 0), ends_at=_at(off + timedelta(days=1), 0)
    )
    client.force_login(practice.ben.user)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("bookings:therapist_calendar"), {"view": "month", "week": day.isoformat()})
    cells = {d.day: d for week in response.context["weeks"] for d in week}
    assert (cells[day].requests, cells[day].sessions, cells[day].working) == (2, 0, True)
    assert cells[off].time_off and not cells[off].working
    assert "2 requests" in response.content.decode()
