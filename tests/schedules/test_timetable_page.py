"""The public weekly timetable, class detail and practitioner pages."""

import re
from datetime import datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from schedules import services
from schedules.cache import GRID_MAX_TIMEOUT, bump_timetable_version, grid_timeout, timetable_version
from schedules.models import ClassSession, Level, Occupancy
from schedules.selectors import TimetableDay, week_start_of
from tests.factories import ClassTypeFactory, PractitionerFactory, RoomFactory, UserFactory

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")
URL = reverse("schedules:timetable")


def _monday_next_week():
    return week_start_of(timezone.localdate(timezone.now(), MADRID)) + timedelta(days=7)


def _session(location, *, day, at=time(7, 0), class_type=None, instructor=None, room=None, minutes=60, **kw):
    start = datetime.combine(day, at, MADRID)
    session = ClassSession(
        class_type=class_type or ClassTypeFactory(),
        location=location,
        room=room,
        instructor=instructor or PractitionerFactory(),
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        capacity=kw.pop("capacity", 10),
        price=kw.pop("price", "12.00"),
        **kw,
    )
    return services.save_class_session(session=session)


def _week(client, monday, **params):
    return client.get(URL, {"week": monday.isoformat(), **params})


def test_it_lists_the_week_by_day_with_time_teacher_room_and_spots(client, madrid, room, flow, instructor):
    monday = _monday_next_week()
    _session(madrid, day=monday + timedelta(days=2), class_type=flow, instructor=instructor, room=room)
    html = _week(client, monday).content.decode()
    assert "Vinyasa Flow" in html and "Ana García" in html and "Sala Sol" in html
    assert "07:00–08:00" in html and "10 spots left" in html


def test_it_shows_full_and_cancelled_and_online_sessions(client, madrid, room, flow):
    monday = _monday_next_week()
    full = _session(madrid, day=monday, class_type=flow, room=room, capacity=2)
    ClassSession.objects.filter(pk=full.pk).update(spots_taken=2)
    cancelled = _session(madrid, day=monday + timedelta(days=1), class_type=flow)
    services.cancel_class_session(session=cancelled, reason="Holiday")
    _session(madrid, day=monday + timedelta(days=2), class_type=ClassTypeFactory(title="Zoom Flow"), is_online=True)
    html = _week(client, monday).content.decode()
    assert ">Full<" in html and ">Cancelled<" in html and ">Online<" in html


def test_it_shows_times_in_the_viewers_zone(client, madrid, flow):
    monday = _monday_next_week()
    _session(madrid, day=monday + timedelta(days=1), class_type=flow)  # 07:00 Madrid
    client.force_login(UserFactory(time_zone="America/New_York"))
    html = _week(client, monday).content.decode()
    expected = datetime.combine(monday + timedelta(days=1), time(7), MADRID).astimezone(ZoneInfo("America/New_York"))
    assert f"{expected:%H:%M}–" in html and "07:00–" not in html


def test_an_anonymous_visitor_gets_the_zone_their_browser_reported(client, madrid, flow):
    monday = _monday_next_week()
    _session(madrid, day=monday + timedelta(days=1), class_type=flow)
    client.cookies["shala_tz"] = "Asia/Kolkata"
    html = _week(client, monday).content.decode()
    expected = datetime.combine(monday + timedelta(days=1), time(7), MADRID).astimezone(ZoneInfo("Asia/Kolkata"))
    assert f"{expected:%H:%M}–" in html


def test_a_bogus_zone_cookie_falls_back_to_the_studio_zone(client, madrid, flow):
    monday = _monday_next_week()
    _session(madrid, day=monday, class_type=flow)
    client.cookies["shala_tz"] = "Mars/Olympus_Mons"
    assert "07:00–" in _week(client, monday).content.decode()


def test_it_groups_by_the_viewers_local_day(client, madrid, flow):
    monday = _monday_next_week()
    _session(madrid, day=monday + timedelta(days=1), at=time(0, 30), class_type=flow)  # Tue 00:30 Madrid
    client.force_login(UserFactory(time_zone="Europe/London"))  # Mon 23:30 in London
    response = _week(client, monday)
    days = response.context["days"]
    assert [len(d.sessions) for d in days[:2]] == [1, 0]


@pytest.mark.parametrize("param", ["location", "class_type", "instructor", "level"])
def test_filters_narrow_the_week(client, madrid, room, param):
    monday = _monday_next_week()
    other_place = RoomFactory(name="Elsewhere").location
    yin = ClassTypeFactory(title="Deep Yin", level=Level.BEGINNER)
    power = ClassTypeFactory(title="Power Hour", level=Level.ADVANCED)
    leo, ana = PractitionerFactory(public_name="Leo"), PractitionerFactory(public_name="Ana")
    _session(madrid, day=monday, class_type=yin, instructor=ana, room=room)
    _session(other_place, day=monday + timedelta(days=1), class_type=power, instructor=leo)
    value = {"location": madrid.pk, "class_type": yin.pk, "instructor": ana.pk, "level": Level.BEGINNER}[param]
    days = _week(client, monday, **{param: value}).context["days"]
    assert [s.title for d in days for s in d.sessions] == ["Deep Yin"]


def test_bad_filter_values_are_ignored_not_an_error(client, madrid, flow):
    _session(madrid, day=_monday_next_week(), class_type=flow)
    response = client.get(URL, {"week": "not-a-date", "location": "999999", "level": "guru", "instructor": "x"})
    assert response.status_code == 200


def test_week_navigation_links_keep_the_filters(client, madrid, flow):
    monday = _monday_next_week()
    html = _week(client, monday, class_type=flow.pk).content.decode()
    nxt = (monday + timedelta(days=7)).isoformat()
    assert f"?week={nxt}&amp;class_type={flow.pk}" in html


def test_a_week_param_mid_week_snaps_to_its_monday(client):
    monday = _monday_next_week()
    response = client.get(URL, {"week": (monday + timedelta(days=3)).isoformat()})
    assert response.context["week_start"] == monday


def test_the_query_count_does_not_grow_with_the_sessions_shown(client, django_assert_max_num_queries, madrid, room):
    monday = _monday_next_week()

    def fill(n, offset):
        for i in range(n):
            _session(
                madrid,
                day=monday + timedelta(days=i % 7),
                at=time(6 + (i // 7) % 14, 0 if offset == 0 else 30),
                room=RoomFactory(location=madrid),
                minutes=25,
            )

    fill(5, 0)
    with django_assert_max_num_queries(4) as few:
        _week(client, monday)
    fill(45, 30)
    with django_assert_max_num_queries(4) as many:
        _week(client, monday)
    assert len(many.captured_queries) == len(few.captured_queries)


# --- the cached week grid (schedules.cache) --------------------------------------------------


def _grid(client, monday, **params):
    """The page below the filters (whose dropdowns name every teacher and class)."""
    return _week(client, monday, **params).content.decode().partition("</form>")[2]


def test_a_second_request_gets_the_grid_from_the_cache_without_queries(client, madrid, room, flow, instructor):
    monday = _monday_next_week()
    _session(madrid, day=monday, class_type=flow, instructor=instructor, room=room)
    with CaptureQueriesContext(connection) as first:
        html = _week(client, monday).content.decode()
    with CaptureQueriesContext(connection) as second:
        again = _week(client, monday).content.decode()
    assert len(first.captured_queries) >= 2 and len(second.captured_queries) == 0
    # The language switcher's CSRF token is masked afresh on every response; the rest is the same.
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub("", again) == token.sub("", html) and "Vinyasa Flow" in again


def test_spots_taken_changed_by_update_show_after_a_version_bump(client, madrid, flow):
    monday = _monday_next_week()
    session = _session(madrid, day=monday, class_type=flow)
    assert "10 spots left" in _week(client, monday).content.decode()
    # What bookings.services does: an UPDATE, which sends no signal ...
    ClassSession.objects.filter(pk=session.pk).update(spots_taken=F("spots_taken") + 3)
    assert "10 spots left" in _week(client, monday).content.decode()  # ... so the cached grid stands
    bump_timetable_version()  # ... until it bumps the version
    html = _week(client, monday).content.decode()
    assert "7 spots left" in html and "10 spots left" not in html


def test_a_new_instructor_saved_on_a_session_shows_at_once(client, madrid, flow, instructor):
    monday = _monday_next_week()
    session = _session(madrid, day=monday, class_type=flow, instructor=instructor)
    assert "Ana García" in _grid(client, monday)
    session.instructor = PractitionerFactory(public_name="Leo Martín")
    session.save()
    grid = _grid(client, monday)
    assert "Leo Martín" in grid and "Ana García" not in grid


def test_renaming_what_a_card_shows_shows_at_once(client, madrid, room, flow, instructor):
    monday = _monday_next_week()
    _session(madrid, day=monday, class_type=flow, instructor=instructor, room=room)
    _week(client, monday)
    for obj, field, value in [
        (flow, "title", "Slow Flow"),
        (room, "name", "Sala Luna"),
        (madrid, "name", "Gràcia"),
        (instructor, "public_name", "Ana G."),
    ]:
        setattr(obj, field, value)
        obj.save()
        assert value in _grid(client, monday)


def test_a_deleted_session_leaves_the_grid(client, madrid, flow):
    monday = _monday_next_week()
    session = _session(madrid, day=monday, class_type=flow)
    assert 'data-testid="session"' in _week(client, monday).content.decode()
    Occupancy.objects.filter(class_session=session).delete()
    session.delete()
    assert 'data-testid="session"' not in _week(client, monday).content.decode()


def test_each_viewer_zone_and_filter_gets_its_own_grid(client, madrid, flow):
    monday = _monday_next_week()
    _session(madrid, day=monday + timedelta(days=1), class_type=flow)  # 07:00 Madrid
    other = _session(madrid, day=monday + timedelta(days=2), class_type=ClassTypeFactory(title="Deep Yin"))
    assert "07:00–" in _grid(client, monday)
    client.cookies["shala_tz"] = "Asia/Kolkata"
    kolkata = datetime.combine(monday + timedelta(days=1), time(7), MADRID).astimezone(ZoneInfo("Asia/Kolkata"))
    grid = _grid(client, monday)
    assert f"{kolkata:%H:%M}–" in grid and "07:00–" not in grid
    grid = _grid(client, monday, class_type=other.class_type_id)
    assert "Deep Yin" in grid and "Vinyasa Flow" not in grid


def test_a_filter_value_that_is_not_an_option_is_dropped(client, madrid, flow):
    monday = _monday_next_week()
    _session(madrid, day=monday, class_type=flow)
    html = _week(client, monday, location="999999", instructor="x").content.decode()
    assert "Vinyasa Flow" in html


def test_a_change_in_a_transaction_bumps_again_when_it_commits(django_capture_on_commit_callbacks):
    before = timetable_version()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        bump_timetable_version()
        inside = timetable_version()
    assert inside != before and len(callbacks) == 1 and timetable_version() not in {before, inside}


def test_the_grid_expires_when_its_next_session_ends():
    now = timezone.now()

    def day(*ends):
        return TimetableDay(
            day=now.date(), sessions=[SimpleNamespace(ends_at=now + timedelta(seconds=s)) for s in ends]
        )

    assert grid_timeout([day(-30, 95.2, 400)], now) == 96  # the "Past" badge of the 95.2 s one is due then
    assert grid_timeout([day(-30)], now) == GRID_MAX_TIMEOUT  # all over already: nothing will change
    assert grid_timeout([day(), day(10_000)], now) == GRID_MAX_TIMEOUT


def test_a_class_that_has_ended_shows_as_past(client, madrid, flow, time_machine):
    today = timezone.localdate(timezone.now(), MADRID)
    time_machine.move_to(datetime.combine(today, time(12), MADRID))  # noon: the 00:00 class is over
    _session(madrid, day=today, at=time(0, 0), class_type=flow, minutes=1)
    html = _week(client, week_start_of(today)).content.decode()
    assert "session-card past" in html and ">Past<" in html and "spots left" not in html


def test_the_class_detail_page_shows_what_a_client_needs(client, madrid, room, flow, instructor):
    flow.description = "Breath and movement."
    flow.save()
    s = _session(madrid, day=_monday_next_week(), class_type=flow, instructor=instructor, room=room)
    html = client.get(s.get_absolute_url()).content.decode()
    assert "Breath and movement." in html and "Ana García" in html and "10 of 10 free" in html and "€12.00" in html
    assert instructor.get_absolute_url() in html


def test_the_class_detail_page_names_the_studio_time_when_zones_differ(client, madrid, flow):
    s = _session(madrid, day=_monday_next_week(), class_type=flow)
    client.force_login(UserFactory(time_zone="America/New_York"))
    assert "That is 07:00 local time at the studio" in client.get(s.get_absolute_url()).content.decode()


def test_an_unknown_class_is_a_404(client):
    assert client.get(reverse("schedules:session", args=[987654])).status_code == 404


def test_the_directory_lists_teachers_and_therapists(client):
    PractitionerFactory(public_name="Ana Teacher", is_instructor=True)
    PractitionerFactory(public_name="Marta Therapist", is_instructor=False, is_therapist=True)
    PractitionerFactory(public_name="Gone Away", is_active=False)
    html = client.get(reverse("schedules:practitioners")).content.decode()
    assert "Ana Teacher" in html and "Marta Therapist" in html and "Gone Away" not in html
    html = client.get(reverse("schedules:practitioners"), {"role": "therapist"}).content.decode()
    assert "Ana Teacher" not in html and "Marta Therapist" in html


def test_a_practitioner_page_shows_bio_qualifications_and_upcoming_classes(client, madrid, flow, instructor):
    instructor.qualifications = "RYT-500\nPrenatal"
    instructor.save()
    _session(madrid, day=_monday_next_week(), class_type=flow, instructor=instructor)
    html = client.get(instructor.get_absolute_url()).content.decode()
    assert "RYT-500" in html and "Prenatal" in html and "Vinyasa Flow" in html
    assert f"instructor={instructor.pk}" in html


def test_an_inactive_practitioner_page_is_a_404(client):
    p = PractitionerFactory(is_active=False)
    assert client.get(p.get_absolute_url()).status_code == 404


def test_the_home_page_leads_to_the_timetable(client):
    assert client.get("/").url == URL


def test_seed_demo_is_idempotent():
    from django.core.management import call_command

    from accounts.models import User
    from schedules.models import ClassSchedule, Location, Practitioner

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = [m.objects.count() for m in (User, Location, Practitioner, ClassSchedule, ClassSession)]
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert [m.objects.count() for m in (User, Location, Practitioner, ClassSchedule, ClassSession)] == counts
    assert counts[4] > 50

    from bookings.models import Booking

    assert Booking.objects.count() > 0
