"""Every admin screen loads for a superuser, and the timetable's custom admin behaviour works.

The smoke tests iterate ``admin.site._registry``, so a model registered later is
covered without touching this file; if the ``every_model_has_a_row`` fixture makes no
row for it, its changelist and change-page tests fail and say so.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import recurrence
from allauth.account.models import EmailAddress
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from bookings import services as booking_services
from bookings.models import Booking, PromoCode
from feedback.models import Feedback
from payments import services as payment_services
from payments.models import Method, ProviderEvent
from payments.pay_rules import InstructorPayRule
from privacy.models import AccessLogEntry, ErasureRequest
from schedules import services
from schedules import slots as therapy_slots
from schedules.models import (
    AvailabilityRule,
    Blackout,
    ClassSchedule,
    ClassSession,
    ClassType,
    Location,
    Occupancy,
    Practitioner,
    Room,
    SessionStatus,
    TaxRate,
    TherapyDuration,
    TherapyType,
)
from tests.factories import (
    BlackoutFactory,
    ClassScheduleFactory,
    ClassTypeFactory,
    LocationFactory,
    PractitionerFactory,
    RoomFactory,
    UserFactory,
    weekly,
)
from waitlist import services as waitlist_services
from waitlist.models import TherapyWish, TherapyWishOffer, WaitlistPriority

MADRID = ZoneInfo("Europe/Madrid")
REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label_lower)
REGISTERED_IDS = [model._meta.label_lower for model, _ in REGISTERED]


# --- data ------------------------------------------------------------------------------


@dataclass
class Studio:
    centro: Location
    gracia: Location
    main_room: Room
    garden_room: Room
    ana: Practitioner
    ben: Practitioner
    vinyasa: ClassType
    yin: ClassType
    schedule: ClassSchedule
    past: ClassSession  # Ben, yesterday evening
    today: ClassSession  # Ben, today at noon (local)
    soon: ClassSession  # Ben, in 3 days
    later: ClassSession  # Ben, in 10 days


def _at_local(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=MADRID)


def _now_minute() -> datetime:
    return timezone.now().replace(second=0, microsecond=0)


def add_session(
    *,
    class_type: ClassType,
    location: Location,
    room: Room | None,
    instructor: Practitioner,
    starts_at: datetime,
    minutes: int = 60,
) -> ClassSession:
    """A hand-made session, saved the way staff save one (occupancy included)."""
    session = ClassSession(
        class_type=class_type,
        location=location,
        room=room,
        instructor=instructor,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        capacity=class_type.capacity,
        price=class_type.price,
    )
    return services.save_class_session(session=session)


@pytest.fixture
def superuser(db, client) -> User:
    user = UserFactory(email="owner@example.com", is_staff=True, is_superuser=True, time_zone="Europe/Madrid")
    client.force_login(user)
    return user


@pytest.fixture
def studio(db) -> Studio:
    """Two locations, two teachers, a generated weekly class and some hand-made ones."""
    centro = LocationFactory(name="Centro", slug="centro", address="Calle Mayor 1, Madrid")
    gracia = LocationFactory(name="Gràcia", slug="gracia", address="Carrer Gran 2, Barcelona")
    main_room = RoomFactory(location=centro, name="Main hall", capacity=18)
    garden_room = RoomFactory(location=gracia, name="Garden room", capacity=8)
    ana = PractitionerFactory(public_name="Ana Ruiz", slug="ana", user=UserFactory(email="ana@example.com"))
    ben = PractitionerFactory(
        public_name="Ben Ode", slug="ben", is_therapist=True, user=UserFactory(email="ben@example.com")
    )
    vinyasa = ClassTypeFactory(title="Vinyasa", slug="vinyasa", capacity=15, price=Decimal("14.00"))
    yin = ClassTypeFactory(title="Yin", slug="yin", capacity=8, level="beginner", price=Decimal("12.00"))
    schedule = ClassScheduleFactory(
        class_type=vinyasa,
        location=centro,
        room=main_room,
        instructor=ana,
        recurrence=weekly(recurrence.MO, recurrence.WE, recurrence.FR),
        start_time=time(7, 0),
    )
    services.generate_sessions(schedule=schedule, until=timezone.localdate() + timedelta(days=21))

    today = timezone.localdate(timezone.now(), MADRID)
    now = _now_minute()

    def ben_at(starts_at: datetime) -> ClassSession:
        return add_session(class_type=yin, location=gracia, room=garden_room, instructor=ben, starts_at=starts_at)

    return Studio(
        centro=centro,
        gracia=gracia,
        main_room=main_room,
        garden_room=garden_room,
        ana=ana,
        ben=ben,
        vinyasa=vinyasa,
        yin=yin,
        schedule=schedule,
        past=ben_at(_at_local(today - timedelta(days=1), 19)),
        today=ben_at(_at_local(today, 12)),
        soon=ben_at(now + timedelta(days=3)),
        later=ben_at(now + timedelta(days=10)),
    )


@pytest.fixture
def every_model_has_a_row(studio, superuser) -> None:
    """At least one row for each registered model, so every change page has something to show."""
    assert Group.objects.exists()  # the role groups (accounts.roles), made after migrate
    paid = booking_services.book_class(
        client=UserFactory(email="client@example.com"), session_id=studio.soon.pk, quantity=1
    )
    _money(paid, superuser)
    InstructorPayRule.objects.create(instructor=studio.soon.instructor, basis="per_head", amount=Decimal("3.50"))
    # A full class with a waitlist: a cancellation made an offer to the first of two waiting.
    ClassSession.objects.filter(pk=studio.later.pk).update(capacity=1)
    booked = booking_services.book_class(client=UserFactory(), session_id=studio.later.pk, quantity=1)
    for _ in range(2):
        waitlist_services.join_waitlist(client=UserFactory(), session_id=studio.later.pk, party_size=1)
    booking_services.cancel_booking(booking=booked, actor=None)
    WaitlistPriority.objects.create(client=superuser, priority=10, note="member")
    _therapy_booking(studio)
    _therapy_wish_offer(studio)
    EmailAddress.objects.create(user=superuser, email=superuser.email, verified=True, primary=True)
    BlackoutFactory(
        starts_at=_at_local(timezone.localdate() + timedelta(days=30), 0),
        ends_at=_at_local(timezone.localdate() + timedelta(days=31), 0),
        reason="Summer break",
    )
    attempt_time = timezone.now() - timedelta(days=2)
    common = {"user_agent": "Mozilla/5.0", "ip_address": "203.0.113.9", "username": "ana@example.com"}
    AccessAttempt.objects.create(
        **common,
        get_data="",
        post_data="username=ana@example.com",
        http_accept="text/html",
        path_info="/admin/login/",
        failures_since_start=2,
        attempt_time=attempt_time,
    )
    AccessLog.objects.create(**common, http_accept="text/html", path_info="/admin/login/", attempt_time=attempt_time)
    AccessFailureLog.objects.create(
        **common, http_accept="text/html", path_info="/admin/login/", attempt_time=attempt_time, locked_out=False
    )
    AccessLogEntry.objects.create(
        viewer=superuser,
        client=paid.client,
        kind="note",
        object_label="bookings.booking",
        object_id=str(paid.pk),
        page="bookings:therapist_session",
        ip_address="203.0.113.9",
        reason="a complaint",
    )
    ErasureRequest.objects.create(
        client=paid.client, requested_by=superuser, reason="written request", due_at=timezone.now()
    )
    _prices_and_feedback(studio, paid)


def _prices_and_feedback(studio: Studio, paid: Booking) -> None:
    """A tax rate, a promo code used by one booking, and a client's feedback."""
    TaxRate.objects.create(name="IVA", percent=Decimal("21"), inclusive=True, is_default=True)
    PromoCode.objects.create(code="SPRING10", percent_off=Decimal("10"), description="Spring")
    booking_services.book_class(client=UserFactory(), session_id=studio.soon.pk, quantity=1, promo_code="spring10")
    Feedback.objects.create(booking=paid, rating=5, comment="Lovely class")


def _money(booking: Booking, staff: User) -> None:
    """Paid at the desk, part of it owed back, an online payment pending, and one provider event."""
    payment = payment_services.record_payment(booking=booking, amount=booking.total, method=Method.CASH, actor=staff)
    payment_services.record_refund(payment=payment, amount="2.00", actor=staff, reason="late start")
    # An online payment still pending, so the ledger's actions have a row to act on.
    payment_services.record_payment(booking=booking, amount="5.00", method=Method.ONLINE_CARD, actor=None)
    ProviderEvent.objects.create(provider="stripe", event_id="evt_test_1", type="charge.refunded", payload={"id": "x"})


def _therapy_booking(studio: Studio) -> None:
    """A therapy type with a duration, Ana's weekly hours, and one session booked with her."""
    massage = TherapyType.objects.create(title="Massage", slug="massage", currency="EUR")
    TherapyDuration.objects.create(therapy_type=massage, minutes=60, price=Decimal("70.00"))
    Practitioner.objects.filter(pk=studio.ana.pk).update(is_therapist=True)
    studio.ana.is_therapist = True
    massage.therapists.add(studio.ana)
    massage.rooms.add(studio.garden_room)  # at Gracia, where Ana works
    for weekday in range(7):
        AvailabilityRule.objects.create(
            practitioner=studio.ana, weekday=weekday, start_time=time(8), end_time=time(20), location=studio.gracia
        )
    day = timezone.localdate() + timedelta(days=5)
    found = therapy_slots.slots_for(
        massage, minutes=60, practitioner_ids=[studio.ana.pk], first_day=day, last_day=day, now=timezone.now()
    )
    booking_services.book_therapy(
        client=UserFactory(email="therapy-client@example.com"),
        therapy_type=massage,
        minutes=60,
        practitioner=studio.ana,
        starts_at=found[0].slots[0].start,
    )


def _therapy_wish_offer(studio: Studio) -> None:
    """A client waiting for a massage with anyone: a cancelled session's time is kept for them."""
    massage = TherapyType.objects.get(slug="massage")
    day = timezone.localdate() + timedelta(days=6)
    found = therapy_slots.slots_for(
        massage, minutes=60, practitioner_ids=[studio.ana.pk], first_day=day, last_day=day, now=timezone.now()
    )
    booking = booking_services.book_therapy(
        client=UserFactory(),
        therapy_type=massage,
        minutes=60,
        practitioner=studio.ana,
        starts_at=found[0].slots[0].start,
    )
    TherapyWish.objects.create(
        client=UserFactory(email="wish@example.com"),
        therapy_type=massage,
        minutes=60,
        earliest_date=day - timedelta(days=1),
        latest_date=day + timedelta(days=1),
        earliest_time=time(0),
        latest_time=time(23, 59),
        time_zone="Europe/Madrid",
    )
    booking_services.cancel_booking(booking=booking, actor=None)
    assert TherapyWishOffer.objects.exists()


def _admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _changelist_pks(response) -> set[int]:
    return {obj.pk for obj in response.context["cl"].result_list}


def _session_form_data(session: ClassSession, zone: ZoneInfo, **changes) -> dict:
    """The change form of a session as the admin posts it, with some fields changed."""
    values = {
        "class_type": session.class_type_id,
        "status": session.status,
        "cancel_reason": session.cancel_reason,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "location": session.location_id,
        "room": session.room_id or "",
        "instructor": session.instructor_id,
        "is_online": session.is_online,
        "video_link": session.video_link,
        "capacity": session.capacity,
        "price": session.price,
        "currency": session.currency,
        "min_participants": session.min_participants or "",
        "min_decision_hours": session.min_decision_hours,
        "keep_below_minimum": session.keep_below_minimum,
        **changes,
    }
    data = {"_save": "Save"}
    for name, value in values.items():
        if isinstance(value, datetime):
            local = value.astimezone(zone)
            data[f"{name}_0"] = local.strftime("%Y-%m-%d")
            data[f"{name}_1"] = local.strftime("%H:%M:%S")
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    return data


# --- every registered model ----------------------------------------------------------------


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=REGISTERED_IDS)
def test_it_loads_the_changelist_with_rows(client, every_model_has_a_row, model, model_admin):
    response = client.get(_admin_url(model, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=REGISTERED_IDS)
def test_it_loads_the_add_page_or_forbids_it(client, superuser, every_model_has_a_row, model, model_admin):
    request = RequestFactory().get("/")
    request.user = superuser
    expected = 200 if model_admin.has_add_permission(request) else 403

    response = client.get(_admin_url(model, "add"))

    assert response.status_code == expected


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=REGISTERED_IDS)
def test_it_loads_the_change_page_of_an_existing_row(client, every_model_has_a_row, model, model_admin):
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"add a {model._meta.label} row to the every_model_has_a_row fixture"

    response = client.get(_admin_url(model, "change", quote(obj.pk)))

    assert response.status_code == 200


def test_it_builds_occupancy_rows_for_the_dataset(studio):
    sessions = ClassSession.objects.filter(status=SessionStatus.SCHEDULED)

    assert sessions.count() > 4
    assert Occupancy.objects.filter(class_session__in=sessions).count() == sessions.count()


# --- ClassSession changelist filters ------------------------------------------------------------


def test_it_filters_sessions_starting_today(client, superuser, studio):
    response = client.get(_admin_url(ClassSession, "changelist"), {"when": "today"})

    assert response.status_code == 200
    pks = _changelist_pks(response)
    assert studio.today.pk in pks
    assert not pks & {studio.past.pk, studio.soon.pk, studio.later.pk}


def test_it_filters_sessions_in_the_next_seven_days(client, superuser, studio):
    response = client.get(_admin_url(ClassSession, "changelist"), {"when": "week"})

    assert response.status_code == 200
    pks = _changelist_pks(response)
    assert studio.soon.pk in pks
    assert not pks & {studio.past.pk, studio.later.pk}


def test_it_filters_upcoming_sessions(client, superuser, studio):
    response = client.get(_admin_url(ClassSession, "changelist"), {"when": "future"})

    assert response.status_code == 200
    pks = _changelist_pks(response)
    assert {studio.soon.pk, studio.later.pk} <= pks
    assert studio.past.pk not in pks


def test_it_filters_past_sessions(client, superuser, studio):
    response = client.get(_admin_url(ClassSession, "changelist"), {"when": "past"})

    assert response.status_code == 200
    pks = _changelist_pks(response)
    assert studio.past.pk in pks
    assert not pks & {studio.soon.pk, studio.later.pk}


def test_it_filters_sessions_flagged_by_regeneration(client, superuser, studio):
    booked = studio.schedule.sessions.order_by("starts_at").first()
    ClassSession.objects.filter(pk=booked.pk).update(spots_taken=1)  # someone booked it
    studio.schedule.start_time = time(8, 30)
    studio.schedule.save()
    services.generate_sessions(schedule=studio.schedule, until=timezone.localdate() + timedelta(days=21))

    response = client.get(_admin_url(ClassSession, "changelist"), {"conflict": "yes"})

    assert response.status_code == 200
    assert _changelist_pks(response) == {booked.pk}


def test_it_filters_sessions_by_location(client, superuser, studio):
    response = client.get(_admin_url(ClassSession, "changelist"), {"location__id__exact": studio.gracia.pk})

    assert response.status_code == 200
    assert _changelist_pks(response) == set(
        ClassSession.objects.filter(location=studio.gracia).values_list("pk", flat=True)
    )
    assert {studio.past.pk, studio.today.pk, studio.soon.pk, studio.later.pk} <= _changelist_pks(response)


def test_it_filters_sessions_by_instructor(client, superuser, studio):
    response = client.get(_admin_url(ClassSession, "changelist"), {"instructor__id__exact": studio.ana.pk})

    assert response.status_code == 200
    pks = _changelist_pks(response)
    assert pks == set(studio.schedule.sessions.values_list("pk", flat=True))
    assert pks


# --- ClassSession changelist cost ---------------------------------------------------------------

# user, 5 list-filter choice lists, 2 counts, the page, 2 for the date hierarchy = 12; plus the
# session row when the session cache has lost it (cached_db sessions; eviction, or a shared test Redis).
CHANGELIST_MAX_QUERIES = 13


@pytest.mark.parametrize("count", [5, 50])
def test_it_lists_sessions_in_a_fixed_number_of_queries(client, superuser, django_assert_max_num_queries, count):
    locations = [LocationFactory(), LocationFactory()]
    rooms = [RoomFactory(location=location) for location in locations]
    teachers = [PractitionerFactory(), PractitionerFactory()]
    class_types = [ClassTypeFactory(), ClassTypeFactory()]
    first = _now_minute() + timedelta(days=1)
    for i in range(count):
        add_session(
            class_type=class_types[i % 2],
            location=locations[i % 2],
            room=rooms[i % 2],
            instructor=teachers[i % 2],
            starts_at=first + timedelta(hours=2 * i),
        )

    with django_assert_max_num_queries(CHANGELIST_MAX_QUERIES):
        response = client.get(_admin_url(ClassSession, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == count


@pytest.mark.parametrize("rooms", [2, 8])
def test_it_lists_sessions_without_a_query_per_room(client, superuser, django_assert_max_num_queries, rooms):
    location = LocationFactory()
    class_type = ClassTypeFactory()
    first = _now_minute() + timedelta(days=1)
    for i in range(rooms):
        add_session(
            class_type=class_type,
            location=location,
            room=RoomFactory(location=location),
            instructor=PractitionerFactory(),
            starts_at=first + timedelta(hours=i),
        )

    with django_assert_max_num_queries(CHANGELIST_MAX_QUERIES):
        response = client.get(_admin_url(ClassSession, "changelist"))

    assert response.status_code == 200


# --- admin actions -------------------------------------------------------------------------


def test_it_generates_sessions_from_the_schedule_action(client, superuser):
    schedule = ClassScheduleFactory(recurrence=weekly(recurrence.TU, recurrence.TH), start_time=time(18, 30))

    response = client.post(
        _admin_url(ClassSchedule, "changelist"),
        {"action": "generate_sessions", "index": "0", "select_across": "0", "_selected_action": [schedule.pk]},
        follow=True,
    )

    assert response.status_code == 200
    sessions = ClassSession.objects.filter(schedule=schedule)
    assert sessions.count() >= 14  # two a week over the eight-week horizon
    assert Occupancy.objects.filter(class_session__in=sessions).count() == sessions.count()
    assert any("created" in str(m) for m in response.context["messages"])


def test_it_asks_for_a_reason_before_cancelling_sessions(client, superuser, studio):
    chosen = [studio.soon.pk, studio.later.pk]

    response = client.post(
        _admin_url(ClassSession, "changelist"),
        {"action": "cancel_sessions", "index": "0", "select_across": "0", "_selected_action": chosen},
    )

    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    assert ClassSession.objects.filter(pk__in=chosen, status=SessionStatus.SCHEDULED).count() == 2


def test_it_cancels_the_chosen_sessions_with_the_reason(client, superuser, studio):
    chosen = [studio.soon.pk, studio.later.pk]

    response = client.post(
        _admin_url(ClassSession, "changelist"),
        {"action": "cancel_sessions", "_selected_action": chosen, "reason": "Teacher is ill"},
    )

    assert response.status_code == 302
    cancelled = ClassSession.objects.filter(pk__in=chosen)
    assert {(s.status, s.cancel_reason) for s in cancelled} == {(SessionStatus.CANCELLED, "Teacher is ill")}
    assert not Occupancy.objects.filter(class_session__in=chosen).exists()
    assert Occupancy.objects.filter(class_session=studio.today).exists()  # the others keep their time


# --- editing a session ------------------------------------------------------------------------


def test_it_shows_an_instructor_clash_as_a_form_error(client, superuser, studio):
    target = studio.later
    before = (target.starts_at, target.ends_at)
    data = _session_form_data(
        target, superuser.zone, starts_at=studio.soon.starts_at, ends_at=studio.soon.ends_at, room=""
    )

    response = client.post(_admin_url(ClassSession, "change", target.pk), data)

    assert response.status_code == 200
    assert _form_errors(response) == [f"Instructor Ben Ode is already taken by Yin on {_span(studio.soon)}."]
    target.refresh_from_db()
    assert (target.starts_at, target.ends_at) == before
    occupancy = Occupancy.objects.get(class_session=target)
    assert (occupancy.starts_at, occupancy.ends_at) == before


def _form_errors(response) -> list[str]:
    return [html.unescape(str(e)) for e in response.context["adminform"].form.non_field_errors()]


def _span(session: ClassSession, zone: ZoneInfo = MADRID) -> str:
    """How a conflict message writes a session's time, in the viewer's zone (the superuser's: Madrid)."""
    starts, ends = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
    # A class ending after midnight (the test run late in the evening) names the next day.
    until = f"{ends:%H:%M}" if ends.date() == starts.date() else f"{ends:%a %d %b %Y %H:%M}"
    return f"{starts:%a %d %b %Y %H:%M}–{until}"


def test_it_names_the_room_and_the_class_holding_it_not_that_class_s_instructor(client, superuser, studio):
    cleo = PractitionerFactory(public_name="Cleo Sanz", slug="cleo")
    in_the_way = add_session(
        class_type=studio.vinyasa,
        location=studio.gracia,
        room=studio.garden_room,
        instructor=cleo,
        starts_at=studio.later.starts_at + timedelta(hours=3),
    )
    data = _session_form_data(studio.later, superuser.zone, starts_at=in_the_way.starts_at, ends_at=in_the_way.ends_at)

    response = client.post(_admin_url(ClassSession, "change", studio.later.pk), data)

    assert response.status_code == 200
    assert _form_errors(response) == [f"Room Gràcia · Garden room is already taken by Vinyasa on {_span(in_the_way)}."]
    assert "Cleo" not in response.content.decode()
    assert ClassSession.objects.get(pk=studio.later.pk).starts_at == studio.later.starts_at


def test_it_names_a_therapy_session_holding_the_room(client, superuser, studio):
    _therapy_booking(studio)  # Ana's massage in the garden room, five days ahead
    booking = Booking.objects.get(therapy_type__slug="massage")
    hold = Occupancy.objects.get(pk=booking.occupancy_id)
    data = _session_form_data(
        studio.later, superuser.zone, starts_at=booking.starts_at, ends_at=booking.starts_at + timedelta(hours=1)
    )

    response = client.post(_admin_url(ClassSession, "change", studio.later.pk), data)

    assert response.status_code == 200
    when = f"{hold.starts_at.astimezone(MADRID):%a %d %b %Y %H:%M}–{hold.ends_at.astimezone(MADRID):%H:%M}"
    assert _form_errors(response) == [f"Room Gràcia · Garden room is already taken by a therapy session on {when}."]
    assert "Ana Ruiz" not in response.content.decode()


def test_it_warns_that_a_saved_schedule_s_room_is_taken_and_by_which_class(client, superuser, studio):
    cleo = PractitionerFactory(public_name="Cleo Sanz", slug="cleo")
    local = studio.later.starts_at.astimezone(MADRID)  # Ben's Yin in the garden room
    data = {
        "class_type": studio.vinyasa.pk,
        "instructor": cleo.pk,
        "location": studio.gracia.pk,
        "room": studio.garden_room.pk,
        "is_active": "on",
        "recurrence": f"RRULE:FREQ=WEEKLY;BYDAY={local.strftime('%a')[:2].upper()}",  # e.g. BYDAY=TU
        "start_time": local.strftime("%H:%M"),
        "duration_minutes": "60",
        "valid_from": local.date().isoformat(),
        "valid_until": local.date().isoformat(),
        "min_decision_hours": "3",
        "sessions-TOTAL_FORMS": "0",
        "sessions-INITIAL_FORMS": "0",
        "_save": "Save",
    }

    response = client.post(_admin_url(ClassSchedule, "add"), data, follow=True)

    assert response.status_code == 200
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert warnings == [f"{local.date()}: Room Gràcia · Garden room is already taken by Yin on {_span(studio.later)}."]
    assert not ClassSession.objects.filter(schedule__instructor=cleo).exists()


def _schedule_form_data(schedule: ClassSchedule, **changes) -> dict:
    """The schedule's change form as the admin posts it, its read-only session rows included."""
    values = {
        "class_type": schedule.class_type_id,
        "instructor": schedule.instructor_id,
        "location": schedule.location_id,
        "room": schedule.room_id or "",
        "is_active": "on" if schedule.is_active else "",
        "start_time": schedule.start_time.strftime("%H:%M"),
        "duration_minutes": schedule.duration_minutes or "",
        "valid_from": schedule.valid_from.isoformat(),
        "valid_until": schedule.valid_until.isoformat() if schedule.valid_until else "",
        "capacity": schedule.capacity or "",
        "price": schedule.price if schedule.price is not None else "",
        "min_participants": schedule.min_participants or "",
        "min_decision_hours": schedule.min_decision_hours or "",
        "_save": "Save",
        **changes,
    }
    upcoming = list(schedule.sessions.filter(starts_at__gte=timezone.now()).order_by("starts_at"))
    values |= {"sessions-TOTAL_FORMS": len(upcoming), "sessions-INITIAL_FORMS": len(upcoming)}
    for i, session in enumerate(upcoming):
        values |= {f"sessions-{i}-id": session.pk, f"sessions-{i}-schedule": schedule.pk}
    return {name: str(value) for name, value in values.items() if value != ""}


def test_it_flags_a_session_a_schedule_change_moves_into_a_taken_room_and_names_the_class(client, superuser, studio):
    first = studio.schedule.sessions.filter(starts_at__gt=timezone.now()).order_by("starts_at").first()
    local = first.starts_at.astimezone(MADRID)
    cleo = PractitionerFactory(public_name="Cleo Sanz", slug="cleo")
    in_the_way = add_session(
        class_type=studio.yin,
        location=studio.centro,
        room=studio.main_room,
        instructor=cleo,
        starts_at=_at_local(local.date(), 8, 30),
    )
    data = _schedule_form_data(studio.schedule, start_time="08:30", recurrence="RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR")

    response = client.post(_admin_url(ClassSchedule, "change", studio.schedule.pk), data, follow=True)

    assert response.status_code == 200
    first.refresh_from_db()
    expected = f"Room Centro · Main hall is already taken by Yin on {_span(in_the_way)}."
    assert first.conflict_note == expected
    assert first.starts_at == _at_local(local.date(), 7)  # left where it was, for staff to decide
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert f"{first}: {expected}" in warnings
    assert "Cleo" not in first.conflict_note


def test_it_saves_a_session_moved_to_a_free_time(client, superuser, studio):
    target = studio.later
    new_start = target.starts_at + timedelta(hours=3)
    data = _session_form_data(target, superuser.zone, starts_at=new_start, ends_at=new_start + timedelta(hours=1))

    response = client.post(_admin_url(ClassSession, "change", target.pk), data)

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.starts_at == new_start
    assert Occupancy.objects.get(class_session=target).starts_at == new_start


# --- blackouts ---------------------------------------------------------------------------------


def test_it_shows_how_many_scheduled_sessions_a_blackout_covers(client, superuser, studio):
    now = _now_minute()
    cancelled = add_session(
        class_type=studio.yin,
        location=studio.gracia,
        room=studio.garden_room,
        instructor=studio.ben,
        starts_at=now + timedelta(days=5),
    )
    services.cancel_class_session(session=cancelled, reason="Moved")
    blackout = BlackoutFactory(
        scope="practitioner",
        practitioner=studio.ben,
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=11),
        reason="Retreat",
    )

    response = client.get(_admin_url(Blackout, "changelist"))

    assert response.status_code == 200
    assert "2 — review and cancel" in response.content.decode()  # soon and later, not the cancelled one
    assert blackout.pk in _changelist_pks(response)


def test_it_links_a_blackout_to_the_sessions_it_covers(client, superuser, studio):
    now = _now_minute()
    BlackoutFactory(
        scope="practitioner",
        practitioner=studio.ben,
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=11),
    )
    listing = client.get(_admin_url(Blackout, "changelist")).content.decode()
    link = re.search(r'href="([^"]*id__in=[^"]*)"', listing).group(1)

    response = client.get(html.unescape(link))

    assert response.status_code == 200
    assert _changelist_pks(response) == {studio.soon.pk, studio.later.pk}
