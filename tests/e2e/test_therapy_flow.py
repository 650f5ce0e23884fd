"""Therapy sessions in a browser, as people use them.

Irene (massage, bookings firm) sets her weekly hours and a day off on her own pages;
Alba, who lives in London, books a massage from the month calendar and requests an
osteopathy session with Oscar (who approves each booking); Bruno requests one too.
Oscar approves Alba's request and suggests another time to Bruno, who accepts it with
one click from his messages.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from django.utils.dateformat import format as date_format
from playwright.sync_api import Page, expect

from bookings.models import Booking, BookingPolicy, BookingStatus
from schedules.models import (
    ApprovalMode,
    AvailabilityOverride,
    AvailabilityRule,
    Location,
    Room,
    TherapistSettings,
    TherapyDuration,
    TherapyType,
)
from schedules.recurrence import wall_time_to_utc
from schedules.selectors import week_start_of
from tests.e2e.conftest import STUDIO_ZONE
from tests.e2e.test_bookings import a_client, log_in, navbar
from tests.factories import TherapistFactory

pytestmark = pytest.mark.e2e

LONDON = "Europe/London"
MADRID = ZoneInfo(STUDIO_ZONE)


@pytest.fixture(autouse=True)
def studio_defaults(transactional_db, settings, live_server) -> None:
    """The default policy of the migrations (live_server tests flush it); links in messages point here."""
    policy, created = BookingPolicy.objects.get_or_create(
        is_default=True,
        defaults={"name": "Studio default", "booking_opens_days": 30, "cutoff_minutes": 60, "max_party_size": 4},
    )
    if created:
        policy.tiers.create(min_hours_before=Decimal("24"), refund_percent=Decimal("100"))
    settings.SITE_URL = live_server.url


# --- the studio ---------------------------------------------------------------------------------


def a_therapist(slug: str, name: str, *, approval: str):
    therapist = TherapistFactory(
        slug=slug, public_name=name, user__display_name=name, user__email=f"{slug.split('-')[0]}@example.com"
    )
    EmailAddress.objects.create(user=therapist.user, email=therapist.user.email, verified=True, primary=True)
    TherapistSettings.objects.create(
        practitioner=therapist,
        time_zone=STUDIO_ZONE,
        approval=approval,
        buffer_before_minutes=0,
        buffer_after_minutes=15,
        min_notice_hours=12,
        booking_window_days=60,
        slot_step_minutes=30,
        response_hours=24,
    )
    return therapist


@pytest.fixture
def therapy_studio(transactional_db):
    centro = Location.objects.create(
        name="Shala Centro", slug="centro", address="Calle de la Luna 12\n28004 Madrid", time_zone=STUDIO_ZONE
    )
    zen = Room.objects.create(location=centro, name="Sala Zen", capacity=2)
    irene = a_therapist("irene-vidal", "Irene Vidal", approval=ApprovalMode.FIRM)
    oscar = a_therapist("oscar-molina", "Oscar Molina", approval=ApprovalMode.REQUEST)
    massage = TherapyType.objects.create(
        title="Massage",
        slug="massage",
        description="Deep tissue or relaxing massage, as you prefer.",
        requirements="Please arrive 10 minutes early. Not during a fever.",
        intake_questions="Any injuries or areas to avoid?\nPressure you prefer (light, medium, firm)?",
        currency="EUR",
    )
    massage.therapists.set([irene])
    massage.rooms.set([zen])
    TherapyDuration.objects.create(therapy_type=massage, minutes=60, price=Decimal("65.00"))
    TherapyDuration.objects.create(therapy_type=massage, minutes=90, price=Decimal("90.00"))
    osteo = TherapyType.objects.create(
        title="Osteopathy",
        slug="osteopathy",
        description="Manual therapy for back, neck and joints.",
        requirements="Bring any recent scans or reports.",
        intake_questions="What brings you here?",
        currency="EUR",
    )
    osteo.therapists.set([oscar])
    osteo.rooms.set([zen])
    TherapyDuration.objects.create(therapy_type=osteo, minutes=45, price=Decimal("70.00"))
    # Oscar set his hours last week: Thursdays and Fridays, 10:00 to 18:00 at the studio.
    for weekday in (3, 4):
        AvailabilityRule.objects.create(
            practitioner=oscar, weekday=weekday, start_time=time(10), end_time=time(18), location=centro
        )
    return {"centro": centro, "zen": zen, "irene": irene, "oscar": oscar, "massage": massage, "osteo": osteo}


# --- helpers ------------------------------------------------------------------------------------


def next_week() -> date:
    """Monday of next week in Madrid: every day of it is more than 12 hours (the notice) away."""
    today = timezone.localdate(timezone.now(), MADRID)
    return week_start_of(today) + timedelta(days=7)


def madrid(day: date, at: time) -> datetime:
    return wall_time_to_utc(day, at, MADRID)


def fill_hours_row(page: Page, index: int, *, day: str, start: str, end: str, where: str) -> None:
    row = page.get_by_test_id("hours-row").nth(index)
    row.locator("select[name$=weekday]").select_option(label=day)
    row.locator("input[name$=start]").fill(start)
    row.locator("input[name$=end]").fill(end)
    row.locator("select[name$=location]").select_option(label=where)


def show_month_of(page: Page, day: date) -> None:
    """Page the client's month calendar to the month of ``day`` (a click or two either way)."""
    wanted = date_format(day, "F Y")
    for _ in range(3):
        shown = page.get_by_test_id("month").inner_text()
        if shown == wanted:
            return
        later = datetime.strptime(shown, "%B %Y").date() < day
        page.get_by_test_id("next-month" if later else "previous-month").click()
        expect(page.get_by_test_id("month")).not_to_have_text(shown)
    expect(page.get_by_test_id("month")).to_have_text(wanted)


def offered(page: Page, day: date):
    """The day's link in the month calendar (none when the day has no free time)."""
    show_month_of(page, day)
    return page.get_by_test_id("month-calendar").locator(f'td[data-day="{day.isoformat()}"]').get_by_test_id("free-day")


def pick_day(page: Page, day: date) -> None:
    offered(page, day).click()
    expect(page.locator("h2", has_text=date_format(day, "l j F"))).to_be_visible()


def week_day(page: Page, day: date):
    return page.get_by_test_id("therapist-week").locator(f'[data-day="{day.isoformat()}"]')


def booking_of(client, therapy: TherapyType) -> Booking:
    return Booking.objects.select_related("therapy_type").get(client=client, therapy_type=therapy)


# --- the walk -----------------------------------------------------------------------------------


def test_a_client_books_and_requests_the_therapist_answers_and_the_client_accepts(
    live_server, new_page, therapy_studio, save_screenshot
):
    irene, oscar = therapy_studio["irene"], therapy_studio["oscar"]
    massage, osteo = therapy_studio["massage"], therapy_studio["osteo"]
    alba = a_client("alba@example.com", "Alba Ruiz")
    alba.time_zone = LONDON
    alba.save(update_fields=["time_zone"])
    bruno = a_client("bruno@example.com", "Bruno Sanz")
    monday = next_week()
    tuesday, wednesday, thursday, friday = (monday + timedelta(days=i) for i in (1, 2, 3, 4))

    # 1. Irene sets her weekly hours and takes next Wednesday off.
    therapist_page = new_page()
    log_in(therapist_page, live_server, irene.user)
    navbar(therapist_page).get_by_role("link", name="My calendar").click()
    expect(therapist_page).to_have_url(f"{live_server.url}/therapist/")
    expect(therapist_page.get_by_test_id("therapist-week")).to_contain_text("Free day")
    therapist_page.get_by_role("link", name="Hours & settings").click()
    expect(therapist_page).to_have_url(f"{live_server.url}/therapist/availability/")
    expect(therapist_page.locator("main")).to_contain_text(f"Times in {STUDIO_ZONE}.")
    fill_hours_row(therapist_page, 0, day="Tuesday", start="09:00", end="13:00", where="Shala Centro")
    fill_hours_row(therapist_page, 1, day="Wednesday", start="09:00", end="13:00", where="Shala Centro")
    therapist_page.get_by_test_id("save-availability").click()
    expect(therapist_page.get_by_role("alert")).to_have_text("Saved. Clients see the new hours right away.")
    # A second range on Tuesday afternoon, and Thursdays, in two of the spare rows (the others stay empty).
    expect(therapist_page.get_by_test_id("hours-row")).to_have_count(2 + 5)
    fill_hours_row(therapist_page, 2, day="Tuesday", start="16:00", end="20:00", where="Shala Centro")
    fill_hours_row(therapist_page, 3, day="Thursday", start="09:00", end="13:00", where="Shala Centro")
    therapist_page.get_by_test_id("save-availability").click()
    expect(therapist_page.get_by_role("alert")).to_have_text("Saved. Clients see the new hours right away.")
    assert sorted(
        AvailabilityRule.objects.filter(practitioner=irene).values_list("weekday", "start_time", "end_time")
    ) == [(1, time(9), time(13)), (1, time(16), time(20)), (2, time(9), time(13)), (3, time(9), time(13))]

    therapist_page.get_by_role("link", name="Calendar", exact=True).click()
    form = therapist_page.get_by_test_id("override-form")
    form.get_by_label("What").select_option(label="Blocked (time off)")
    form.get_by_label("From (date)").fill(wednesday.isoformat())
    form.get_by_label("Until (date)").fill(wednesday.isoformat())
    form.get_by_label("Note").fill("Day off")
    form.get_by_role("button", name="Save").click()

    expect(therapist_page.get_by_role("alert")).to_have_text("Saved. Clients see it right away.")
    expect(therapist_page.get_by_test_id("week")).to_have_text(f"Week of {date_format(monday, 'j F Y')}")
    week = therapist_page.get_by_test_id("therapist-week")
    tuesday_card = week_day(therapist_page, tuesday)
    expect(tuesday_card.locator("[data-kind=hours]")).to_have_text(
        ["09:00–13:00 working Shala Centro", "16:00–20:00 working Shala Centro"]
    )
    wednesday_card = week_day(therapist_page, wednesday)
    expect(wednesday_card.locator("[data-kind=time_off]")).to_have_text("all day time off Day off")
    expect(week_day(therapist_page, monday)).to_contain_text("Free day")
    expect(therapist_page.get_by_test_id("time-off-list")).to_contain_text("Day off")
    # A week calendar: the seven days side by side, not stacked.
    tops = {round(box["y"]) for box in (d.bounding_box() for d in week.get_by_test_id("week-day").all())}
    assert len(tops) == 1, tops
    day_off = AvailabilityOverride.objects.get(practitioner=irene)
    assert (day_off.starts_at, day_off.ends_at) == (madrid(wednesday, time(0)), madrid(thursday, time(0)))

    # 2. Alba (in London) books a 90-minute massage with Irene next Tuesday.
    alba_page = new_page(timezone_id=LONDON)
    log_in(alba_page, live_server, alba)
    navbar(alba_page).get_by_role("link", name="Therapies").click()
    expect(alba_page).to_have_url(f"{live_server.url}/therapy/")
    card = alba_page.get_by_test_id("therapy-list").locator(".card").filter(has_text="Massage")
    expect(card).to_contain_text("60 min · €65.00 | 90 min · €90.00")
    expect(card).to_contain_text("Irene Vidal")
    card.get_by_role("link", name="Massage").click()
    expect(alba_page.get_by_test_id("requirements")).to_contain_text("Please arrive 10 minutes early.")
    alba_page.get_by_label("Length").select_option(label="90 min · €90.00")
    alba_page.get_by_role("button", name="Show times").click()
    expect(alba_page).to_have_url(re.compile(r"minutes=90"))
    expect(alba_page.get_by_label("Length")).to_have_value("90")
    expect(alba_page.locator("main")).to_contain_text(f"Times are in your time zone, {LONDON}.")
    # The day off is not offered, nor Monday (no hours); Thursday is.
    expect(offered(alba_page, wednesday)).to_have_count(0)
    expect(offered(alba_page, monday)).to_have_count(0)
    expect(offered(alba_page, thursday)).to_have_text(str(thursday.day))
    expect(offered(alba_page, wednesday + timedelta(days=7))).to_have_count(1)  # only that Wednesday is off
    pick_day(alba_page, tuesday)
    # Madrid's 09:00 to 13:00 and 16:00 to 20:00 are 08:00 to 12:00 and 15:00 to 19:00 in London;
    # a 90-minute session starts every half hour inside them (the buffer after may run past the hours).
    expect(alba_page.get_by_test_id("time")).to_have_text(
        [
            f"{t} · Irene Vidal"
            for t in (
                "08:00",
                "08:30",
                "09:00",
                "09:30",
                "10:00",
                "10:30",
                "15:00",
                "15:30",
                "16:00",
                "16:30",
                "17:00",
                "17:30",
            )
        ]
    )
    save_screenshot(alba_page, "therapy-month-calendar.png")
    alba_page.get_by_test_id("time").filter(has_text="09:00").click()

    expect(alba_page.get_by_test_id("chosen-time")).to_have_text(
        f"{date_format(tuesday, 'l j F Y')}, 09:00 · 90 min · Irene Vidal"
    )
    expect(alba_page.locator("main")).to_contain_text(f"Times are in your time zone, {LONDON}.")
    expect(alba_page.locator("main")).to_contain_text("Price: €90.00")
    # The questions follow the note, before the repeat options.
    expect(alba_page.get_by_test_id("confirm-form").locator("label")).to_contain_text(
        [
            "Anything the therapist should know?",
            "Any injuries or areas to avoid?",
            "Pressure you prefer (light, medium, firm)?",
            "Repeat",
        ]
    )
    alba_page.get_by_label("Any injuries or areas to avoid?").fill("Left shoulder, old injury.")
    alba_page.get_by_label("Pressure you prefer (light, medium, firm)?").fill("Medium")
    alba_page.get_by_label("Anything the therapist should know?").fill("First massage in a while.")
    alba_page.get_by_test_id("confirm").click()

    massage_booking = booking_of(alba, massage)
    expect(alba_page).to_have_url(f"{live_server.url}{massage_booking.get_absolute_url()}")
    expect(alba_page.get_by_role("alert")).to_have_text(
        f"You're booked! Your reference is {massage_booking.reference}."
    )
    expect(alba_page.get_by_role("heading", level=1)).to_have_text("Massage Confirmed")
    expect(alba_page.locator("p.lead")).to_have_text(f"{date_format(tuesday, 'l j F Y')}, 09:00–10:30")
    expect(alba_page.locator("dt:has-text('Therapist') + dd")).to_have_text("Irene Vidal")
    expect(alba_page.locator("dt:has-text('Where') + dd")).to_have_text("Shala Centro · Sala Zen")
    expect(alba_page.locator("dt:has-text('Price') + dd")).to_have_text("€90.00")
    assert massage_booking.status == BookingStatus.CONFIRMED
    assert massage_booking.starts_at == madrid(tuesday, time(10))
    assert massage_booking.intake == {
        "Any injuries or areas to avoid?": "Left shoulder, old injury.",
        "Pressure you prefer (light, medium, firm)?": "Medium",
    }

    # Irene's week now shows the session beside her hours and the day off.
    therapist_page.reload()
    expect(tuesday_card.locator("[data-kind=session]")).to_have_text("10:00–11:30 Massage · Alba Ruiz")
    save_screenshot(therapist_page, "therapist-week-calendar.png")

    # 3. Alba requests osteopathy with Oscar next Thursday at 11:00 Madrid (10:00 London).
    navbar(alba_page).get_by_role("link", name="Therapies").click()
    alba_page.get_by_test_id("therapy-list").get_by_role("link", name="Osteopathy").click()
    alba_page.get_by_label("Therapist").select_option(label="Oscar Molina")
    alba_page.get_by_role("button", name="Show times").click()
    expect(alba_page).to_have_url(re.compile(r"therapist=oscar-molina"))
    expect(alba_page.get_by_label("Therapist")).to_have_value("oscar-molina")
    pick_day(alba_page, thursday)
    # Oscar's 10:00 to 18:00 in Madrid is 09:00 to 17:00 in London: 45 minutes from 09:00 to 16:00, every half hour.
    expect(alba_page.get_by_test_id("time")).to_have_text(
        [f"{h:02}:{m:02}" for h in range(9, 17) for m in (0, 30) if (h, m) != (16, 30)]
    )
    alba_page.get_by_test_id("time").filter(has_text="10:00").click()
    alba_page.get_by_label("What brings you here?").fill("Stiff neck after long flights.")
    alba_page.get_by_test_id("confirm").click()

    albas_request = booking_of(alba, osteo)
    expect(alba_page).to_have_url(f"{live_server.url}{albas_request.get_absolute_url()}")
    expect(alba_page.get_by_role("alert").first).to_have_text(
        "Requested — waiting for the therapist. The time is held for you."
    )
    expect(alba_page.get_by_role("heading", level=1)).to_have_text("Osteopathy Requested")
    expect(alba_page.get_by_test_id("requested")).to_contain_text("Requested — waiting for Oscar Molina.")
    expect(alba_page.locator("p.lead")).to_have_text(f"{date_format(thursday, 'l j F Y')}, 10:00–10:45")
    assert albas_request.status == BookingStatus.REQUESTED

    # 4. Bruno (in Madrid) requests Thursday 15:00; Alba's held time is not offered to him.
    bruno_page = new_page()
    log_in(bruno_page, live_server, bruno)
    bruno_page.goto(f"{live_server.url}/therapy/osteopathy/")
    pick_day(bruno_page, thursday)
    expect(bruno_page.get_by_test_id("time").filter(has_text=re.compile(r"^11:00"))).to_have_count(0)
    bruno_page.get_by_test_id("time").filter(has_text="15:00").click()
    bruno_page.get_by_test_id("confirm").click()
    brunos_request = booking_of(bruno, osteo)
    expect(bruno_page.get_by_test_id("requested")).to_contain_text("Requested — waiting for Oscar Molina.")
    expect(bruno_page.locator("p.lead")).to_have_text(f"{date_format(thursday, 'l j F Y')}, 15:00–15:45")

    # 5. Oscar approves Alba's request and suggests Friday 12:00 (his zone) to Bruno.
    oscar_page = new_page()
    log_in(oscar_page, live_server, oscar.user)
    navbar(oscar_page).get_by_role("link", name="My calendar").click()
    expect(oscar_page.locator("main")).to_contain_text("2 requests wait for your answer.")
    oscar_page.get_by_role("link", name="Requests").first.click()
    expect(oscar_page).to_have_url(f"{live_server.url}/therapist/requests/")
    requests = oscar_page.get_by_test_id("request")
    expect(requests).to_have_count(2)
    albas = requests.filter(has_text="Alba Ruiz")
    expect(albas.locator("h2")).to_have_text(f"{date_format(thursday, 'l j F')}, 11:00–11:45 · Osteopathy · Alba Ruiz")
    # The intake answer is on the request's page, for Oscar only.
    albas.get_by_role("link", name="Alba Ruiz").click()
    expect(oscar_page.get_by_role("heading", level=1)).to_have_text("Osteopathy · Alba Ruiz Requested")
    expect(oscar_page.locator("dt:has-text('What brings you here?') + dd")).to_have_text(
        "Stiff neck after long flights."
    )
    expect(oscar_page.locator("dt:has-text('Contact') + dd")).to_have_text("alba@example.com")
    oscar_page.get_by_role("link", name="Answer this request").click()
    albas = oscar_page.get_by_test_id("request").filter(has_text="Alba Ruiz")
    albas.get_by_test_id("approve").click()

    expect(oscar_page.get_by_role("alert")).to_have_text("Approved: Alba Ruiz is booked.")
    expect(oscar_page.get_by_test_id("request")).to_have_count(1)
    brunos = oscar_page.get_by_test_id("request").filter(has_text="Bruno Sanz")
    expect(brunos.locator("h2")).to_contain_text(f"{date_format(thursday, 'l j F')}, 15:00–15:45")
    brunos.get_by_label("Time 1").fill(f"{friday.isoformat()}T12:00")
    brunos.get_by_label("Message (optional)").fill("Thursday is full, Friday noon works.")
    brunos.get_by_test_id("propose").click()

    expect(oscar_page.get_by_role("alert")).to_have_text("Sent: the client can accept with one click.")
    brunos = oscar_page.get_by_test_id("request").filter(has_text="Bruno Sanz")
    expect(brunos).to_contain_text(f"You suggested: {date_format(friday, 'D j M')} 12:00")
    albas_request.refresh_from_db()
    assert albas_request.status == BookingStatus.CONFIRMED

    # 6. Bruno reads the suggestion in his messages and accepts it with one click.
    bruno_page.goto(f"{live_server.url}/classes/")
    # "request received", "other times"
    expect(navbar(bruno_page).get_by_role("link", name="Messages, 2 unread", exact=True)).to_be_visible()
    navbar(bruno_page).get_by_test_id("bell").click()
    expect(bruno_page).to_have_url(f"{live_server.url}/messages/")
    message = bruno_page.get_by_test_id("messages").locator("li").filter(has_text="suggests other times")
    expect(message).to_contain_text(
        f"Oscar Molina suggests other times for Osteopathy: {date_format(friday, 'D j M')} 12:00"
    )
    message.get_by_role("link", name="Open").click()

    expect(bruno_page).to_have_url(f"{live_server.url}{brunos_request.get_absolute_url()}")
    proposals = bruno_page.get_by_test_id("proposals")
    expect(proposals).to_contain_text("Oscar Molina proposes: “Thursday is full, Friday noon works.”")
    proposals.get_by_test_id("accept-proposal").filter(has_text=f"{date_format(friday, 'D j M')}, 12:00").click()

    expect(bruno_page).to_have_url(f"{live_server.url}{brunos_request.get_absolute_url()}")
    expect(bruno_page.get_by_role("alert")).to_have_text("Done: your session is confirmed for the new time.")
    expect(bruno_page.get_by_role("heading", level=1)).to_have_text("Osteopathy Confirmed")
    expect(bruno_page.locator("p.lead")).to_have_text(f"{date_format(friday, 'l j F Y')}, 12:00–12:45")
    expect(bruno_page.get_by_test_id("proposals")).to_have_count(0)
    navbar(bruno_page).get_by_role("link", name="My bookings").click()
    row = bruno_page.get_by_test_id("booking-row").filter(has_text=brunos_request.reference)
    expect(row).to_contain_text(f"{date_format(friday, 'D j M')}, 12:00")
    expect(row).to_contain_text("Osteopathy")
    expect(row.get_by_test_id("status")).to_have_text("Confirmed")
    brunos_request.refresh_from_db()
    assert (brunos_request.status, brunos_request.starts_at) == (BookingStatus.CONFIRMED, madrid(friday, time(12)))

    # Alba sees her request confirmed too, and her messages say so in her zone.
    alba_page.reload()
    expect(alba_page.get_by_role("heading", level=1)).to_have_text("Osteopathy Confirmed")
    expect(alba_page.get_by_test_id("requested")).to_have_count(0)
    navbar(alba_page).get_by_test_id("bell").click()
    inbox = alba_page.get_by_test_id("messages")
    expect(inbox).to_contain_text(
        f"Requested: Osteopathy, {date_format(thursday, 'D j M')}, 10:00. Waiting for Oscar Molina to confirm."
    )
    expect(inbox).to_contain_text(
        f"Booked: Osteopathy, {date_format(thursday, 'D j M')} 10:00 ({albas_request.reference})"
    )
    expect(inbox).to_contain_text(
        f"Booked: Massage, {date_format(tuesday, 'D j M')} 09:00 ({massage_booking.reference})"
    )
