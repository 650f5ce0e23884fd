"""Every client, therapist and instructor page passes axe-core and the Nu Html Checker.

axe-core runs in Chromium on every page, logged out and logged in, at a desktop
(1280x800) and a phone (390x844) size: no violation of impact serious or critical
(WCAG 2.x A/AA). The same pages' HTML, as the server sends it, goes through vnu.jar
in one run: no errors. Django admin's own pages are not checked.

One seeded studio per test, one browser context per role and size; the pages are
listed in ``pages_to_check``. A page that answers a POST (the series plan, the CSRF
failure) is reached by sending a form from the page at the same address, as a person
would; the account pages behind an e-mail (password reset, e-mail confirmation) use
the keys from the messages allauth sent.

The dev inbox (/dev/inbox/, DEBUG and staff only) has a test of its own: its views
read DEBUG per request, so that test alone turns it on. Class waitlist join/leave have
no page of their own (they redirect to the class page, which is covered).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import time, timedelta
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.core.mail import EmailMultiAlternatives, get_connection
from django.test import Client, RequestFactory
from django.utils import timezone
from playwright.sync_api import Browser, expect

from accounts import roles
from accounts.models import User
from bookings import services
from bookings import services as booking_services
from bookings.models import Booking, BookingPolicy
from notifications import devmail
from schedules.models import ApprovalMode, AvailabilityRule, ClassSession, TherapistSettings, TherapyType
from schedules.recurrence import wall_time_to_utc
from tests.bookings.conftest import upcoming_class
from tests.e2e.checks import accessibility_problems, html_errors
from tests.e2e.conftest import STUDIO_ZONE, Studio
from tests.e2e.test_bookings import log_in
from tests.factories import AvailabilityOverrideFactory, TherapistFactory, TherapyDurationFactory, UserFactory
from waitlist import services as waitlist_services
from waitlist import wishes
from waitlist.models import TherapyWishOffer, WaitlistOffer, WaitlistSettings

pytestmark = pytest.mark.e2e

# The instructor's own pages; ``{class_id}`` is a class the instructor teaches.
INSTRUCTOR_PATHS = ["/instructor/", "/instructor/classes/{class_id}/"]

CSRF_PAGE = "Your form could not be sent"  # templates/403_csrf.html, not Django's bare page

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
ANONYMOUS, CLIENT, THERAPIST, INSTRUCTOR = "anonymous", "client", "therapist", "instructor"
OWNER, DESK = "owner", "desk"


@dataclass(frozen=True)
class Visit:
    role: str
    path: str
    status: int = 200
    # POST these fields to ``path`` instead of a GET; ``csrf=False`` leaves the token out.
    data: dict[str, str] | None = None
    csrf: bool = True
    redirects: bool = False  # an address that redirects (allauth's key links) is followed
    shows: str = ""  # a sentence that proves the page is the one meant (a form's reply, a key's page)


@dataclass
class Site:
    """The seeded studio plus the people and rows the logged-in pages need."""

    studio: Studio
    users: dict[str, User]
    therapy_type: TherapyType
    class_booking: Booking
    therapy_booking: Booking
    offer: WaitlistOffer
    proposal_id: int
    therapy_day: str  # a free day in the client's calendar
    request_day: str  # the day of the therapy request, in the therapist's zone
    therapy_start: str
    instructor_class: ClassSession
    wish_offer: TherapyWishOffer
    reset_path: str  # the link in allauth's password reset e-mail
    confirm_email_path: str  # the link in allauth's e-mail confirmation message


def _verified(user: User) -> User:
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _staff(role: str) -> User:
    user = _verified(UserFactory(is_staff=True, display_name=f"{role} person"))
    user.groups.add(Group.objects.get(name=role))
    return user


def _later_class(*, min_free: int, days: int) -> ClassSession:
    """A scheduled studio class at least ``days`` days away with ``min_free`` spots."""
    sessions = ClassSession.objects.scheduled().filter(starts_at__gte=timezone.now() + timedelta(days=days))
    return next(s for s in sessions.order_by("starts_at", "pk") if s.spots_left >= min_free)


@pytest.fixture
def site(studio: Studio, settings) -> Site:
    # The site's URLs plus two that fail on purpose, for the 400 and 500 pages.
    settings.ROOT_URLCONF = "tests.error_urls"
    policy, created = BookingPolicy.objects.get_or_create(
        is_default=True,
        defaults={"name": "Studio default", "booking_opens_days": 30, "cutoff_minutes": 60, "max_party_size": 4},
    )
    if created:
        policy.tiers.create(min_hours_before=Decimal("24"), refund_percent=Decimal("100"))
    WaitlistSettings.objects.get_or_create(class_type=None)

    carla = _verified(UserFactory(email="carla@example.com", display_name="Carla Client"))
    ben = _verified(UserFactory(email="ben@example.com", display_name="Ben Other"))
    therapist = TherapistFactory(slug="irene-vidal", public_name="Irene Vidal", user__display_name="Irene Vidal")
    _verified(therapist.user)
    cfg = TherapistSettings.objects.create(
        practitioner=therapist,
        time_zone=STUDIO_ZONE,
        approval=ApprovalMode.REQUEST,
        min_notice_hours=12,
        booking_window_days=60,
        slot_step_minutes=30,
    )
    for weekday in range(7):
        AvailabilityRule.objects.create(
            practitioner=therapist, weekday=weekday, start_time=time(9), end_time=time(18), location=studio.location
        )
    massage = TherapyType.objects.create(
        title="Massage",
        slug="massage",
        description="Deep tissue or relaxing massage.",
        intake_questions="Any injuries or areas to avoid?",
        currency="EUR",
    )
    massage.therapists.set([therapist])
    TherapyDurationFactory(therapy_type=massage, minutes=60, price=Decimal("65.00"))

    # Carla's class booking (detail, cancel and change pages) and a therapy request
    # three days ahead (her booking page; Irene's inbox, day view and session page).
    class_booking = booking_services.book_class(
        client=carla, session_id=_later_class(min_free=1, days=2).pk, quantity=1
    )
    zone = cfg.zone
    day = timezone.localdate(timezone.now(), zone) + timedelta(days=3)
    therapy_booking = services.book_therapy(
        client=carla,
        therapy_type=massage,
        minutes=60,
        practitioner=therapist,
        starts_at=wall_time_to_utc(day, time(10), zone),
        intake={"Any injuries or areas to avoid?": "Left shoulder"},
    )
    # Irene suggests two other times (the client's proposal page).
    proposals = services.propose_times(
        booking=therapy_booking,
        actor=therapist.user,
        starts=[wall_time_to_utc(day + timedelta(days=1), time(h), zone) for h in (12, 14)],
    )
    # Irene also teaches a class that day, and takes the day after next off: her week
    # and month show hours, a request, a class and time off.
    upcoming_class(starts_at=wall_time_to_utc(day, time(16), zone), instructor=therapist)
    AvailabilityOverrideFactory(
        practitioner=therapist,
        starts_at=wall_time_to_utc(day + timedelta(days=2), time(9), zone),
        ends_at=wall_time_to_utc(day + timedelta(days=2), time(18), zone),
    )
    # A waitlist offer for Carla: Ben takes the last spot, Carla queues, Ben cancels.
    full = _later_class(min_free=1, days=4)
    ClassSession.objects.filter(pk=full.pk).update(spots_taken=full.capacity - 1)
    bens = booking_services.book_class(client=ben, session_id=full.pk, quantity=1)
    waitlist_services.join_waitlist(client=carla, session_id=full.pk, party_size=1)
    booking_services.cancel_booking(booking=bens, actor=ben, reason="cannot come")
    offer = WaitlistOffer.objects.get(client=carla)

    # Two therapy wishes for Carla (her list in My bookings, with its withdraw form): Ben
    # requests the only hour each fits; he cancels the first, and it is kept for her.
    bens_times = []
    for wish_day in (day + timedelta(days=5), day + timedelta(days=6)):
        bens_times.append(
            services.book_therapy(
                client=ben,
                therapy_type=massage,
                minutes=60,
                practitioner=therapist,
                starts_at=wall_time_to_utc(wish_day, time(10), zone),
                intake={},
            )
        )
        wishes.add_wish(
            client=carla,
            therapy_type=massage,
            minutes=60,
            practitioner=therapist,
            earliest_date=wish_day,
            latest_date=wish_day,
            weekdays=[wish_day.weekday()],
            earliest_time=time(10),
            latest_time=time(11),
            zone=zone,
        )
    booking_services.cancel_booking(booking=bens_times[0], actor=ben, reason="cannot come")
    wish_offer = TherapyWishOffer.objects.get(wish__client=carla)

    free_day = day + timedelta(days=1)
    instructor = studio.instructors["ana-garcia"]
    return Site(
        studio=studio,
        users={
            CLIENT: carla,
            THERAPIST: therapist.user,
            INSTRUCTOR: instructor.user,
            OWNER: _staff(roles.OWNER),
            DESK: _staff(roles.FRONT_DESK),
        },
        therapy_type=massage,
        class_booking=class_booking,
        therapy_booking=therapy_booking,
        offer=offer,
        proposal_id=proposals[0].pk,
        therapy_day=free_day.isoformat(),
        request_day=day.isoformat(),
        therapy_start=wall_time_to_utc(free_day, time(11), zone).isoformat(),
        instructor_class=ClassSession.objects.filter(instructor=instructor).order_by("starts_at").last(),
        wish_offer=wish_offer,
        reset_path=_password_reset_link(carla),
        confirm_email_path=_email_confirmation_link(),
    )


def _link_in_last_email(pattern: str) -> str:
    body = mail.outbox[-1].body
    found = re.search(pattern, body)
    assert found, body
    return found.group(0)


def _password_reset_link(user: User) -> str:
    """The key link of allauth's password reset e-mail, asked for through the reset form."""
    response = Client().post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302, response.status_code
    return _link_in_last_email(r"/accounts/password/reset/key/[^\s/]+/")


def _email_confirmation_link() -> str:
    """The link of allauth's confirmation message to a new, unverified address."""
    dana = UserFactory(email="dana@example.com", display_name="Dana New")
    address = EmailAddress.objects.create(user=dana, email=dana.email, verified=False, primary=True)
    address.send_confirmation(RequestFactory().get("/"), signup=False)
    return _link_in_last_email(r"/accounts/confirm-email/[^\s/]+/")


def pages_to_check(site: Site) -> list[Visit]:
    """Every page a client, a therapist or an instructor sees, with who sees it."""
    session = site.studio.featured
    teacher = site.studio.instructors["leo-martin"]
    slug = site.therapy_type.slug
    therapist_pk = site.therapy_booking.practitioner_id
    confirm = {"start": site.therapy_start, "minutes": 60, "therapist": therapist_pk}
    series = {key: str(value) for key, value in confirm.items()}
    ref, therapy_ref = site.class_booking.reference, site.therapy_booking.reference
    public = [
        "/classes/",
        f"/classes/{session.pk}/",
        "/teachers/",
        f"/teachers/{teacher.slug}/",
        "/therapy/",
        f"/therapy/{slug}/?day={site.therapy_day}",
        "/embed/timetable/",
    ]
    visits = [Visit(ANONYMOUS, path) for path in public]
    visits += [
        Visit(ANONYMOUS, "/accounts/login/"),
        Visit(ANONYMOUS, "/accounts/signup/"),
        Visit(ANONYMOUS, "/accounts/password/reset/"),
        Visit(ANONYMOUS, "/accounts/password/reset/done/"),
        # The e-mail's key link redirects to the set-password form, the key kept in the session.
        Visit(ANONYMOUS, site.reset_path, redirects=True, shows='name="password1"'),
        Visit(ANONYMOUS, "/accounts/password/reset/key/done/"),
        Visit(ANONYMOUS, site.confirm_email_path, shows="dana@example.com"),
        Visit(ANONYMOUS, "/accounts/login/", 403, data={"login": "x@example.com"}, csrf=False, shows=CSRF_PAGE),
        Visit(ANONYMOUS, "/no-such-page/", status=404),
        Visit(ANONYMOUS, "/test-bad-request/", status=400),
        Visit(ANONYMOUS, "/test-crash/", status=500),
    ]
    visits += [Visit(CLIENT, path) for path in public]
    visits += [
        Visit(CLIENT, f"/therapy/{slug}/book/?{urlencode(confirm)}"),
        # The series plan: the same form, repeated weekly for four sessions.
        Visit(
            CLIENT,
            f"/therapy/{slug}/book/?{urlencode(confirm)}",
            data={**series, "repeat": "1", "count": "4"},
            shows="your series",
        ),
        Visit(CLIENT, "/bookings/", shows="Waiting for a therapy time"),
        Visit(CLIENT, f"/bookings/{ref}/"),
        Visit(CLIENT, f"/bookings/{ref}/cancel/"),
        Visit(CLIENT, f"/bookings/{ref}/change/"),
        Visit(CLIENT, f"/bookings/{therapy_ref}/"),
        Visit(CLIENT, f"/proposals/{site.proposal_id}/"),
        Visit(CLIENT, f"/bookings/{therapy_ref}/reschedule/?day={site.therapy_day}"),
        Visit(CLIENT, "/messages/"),
        Visit(CLIENT, "/accounts/profile/"),
        Visit(CLIENT, "/accounts/api-tokens/"),
        Visit(CLIENT, f"/waitlist/offers/class/{site.offer.pk}/"),
        Visit(CLIENT, f"/therapy/{slug}/waitlist/"),
        Visit(CLIENT, f"/waitlist/offers/therapy/{site.wish_offer.pk}/", shows="A time has freed up for you"),
        Visit(CLIENT, "/accounts/profile/", 403, data={"display_name": "x"}, csrf=False, shows=CSRF_PAGE),
        Visit(CLIENT, "/therapist/", status=403),
        Visit(CLIENT, "/bookings/NOSUCHREF/", status=404),
    ]
    visits += [
        Visit(THERAPIST, "/therapist/"),
        Visit(THERAPIST, "/therapist/?view=month"),
        Visit(THERAPIST, f"/therapist/?week={site.request_day}"),
        Visit(THERAPIST, f"/therapist/?view=month&week={site.request_day}"),
        Visit(THERAPIST, "/therapist/availability/"),
        Visit(THERAPIST, "/therapist/requests/"),
        Visit(THERAPIST, "/therapist/sessions/"),
        Visit(THERAPIST, f"/therapist/sessions/?day={site.request_day}"),
        Visit(THERAPIST, f"/therapist/sessions/{therapy_ref}/"),
        Visit(THERAPIST, "/messages/"),
        Visit(THERAPIST, "/accounts/profile/"),
    ]
    today = timezone.localdate(timezone.now(), ZoneInfo(STUDIO_ZONE))
    visits += [
        Visit(DESK, "/desk/"),
        Visit(DESK, f"/desk/?day={site.request_day}"),  # a therapy session that day
        Visit(DESK, f"/desk/classes/{session.pk}/book/?q=carla", shows="Carla Client"),
        Visit(DESK, f"/desk/classes/{session.pk}/book/?q=nobody-at-all", shows="No client matches"),
        Visit(OWNER, f"/reports/occupancy/?first={today - timedelta(days=7)}&last={today + timedelta(days=7)}"),
        Visit(OWNER, f"/reports/clients/?first={today - timedelta(days=7)}&last={today + timedelta(days=7)}"),
        Visit(OWNER, f"/reports/money/?first={today - timedelta(days=7)}&last={today + timedelta(days=7)}"),
        Visit(OWNER, f"/reports/money/?first={today - timedelta(days=400)}&last={today}&by=month"),
        Visit(OWNER, f"/reports/therapists/?first={today - timedelta(days=7)}&last={today + timedelta(days=30)}"),
        Visit(OWNER, f"/reports/instructor-pay/?month={today:%Y-%m}"),
        Visit(
            DESK,
            f"/desk/therapy/?therapy={site.therapy_type.pk}&minutes=60&day={site.request_day}&q=carla",
            shows="Carla Client",
        ),
    ]
    visits += [Visit(INSTRUCTOR, "/classes/")]
    visits += [Visit(INSTRUCTOR, path.format(class_id=site.instructor_class.pk)) for path in INSTRUCTOR_PATHS]
    return visits


def _session_cookie(user: User) -> str:
    """A logged-in session for ``user`` in the site's session store, without the log-in form."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _send_form(page, visit: Visit):
    """POST ``visit.data`` from the page now open, with its CSRF token unless ``visit.csrf`` is off."""
    with page.expect_navigation() as navigation:
        page.evaluate(
            """([fields, withToken]) => {
                const form = document.createElement('form');
                form.method = 'post';
                const add = (name, value) => {
                    const input = document.createElement('input');
                    input.type = 'hidden'; input.name = name; input.value = value;
                    form.append(input);
                };
                for (const [name, value] of Object.entries(fields)) add(name, value);
                const token = document.querySelector('[name=csrfmiddlewaretoken]');
                if (withToken && token) add('csrfmiddlewaretoken', token.value);
                document.body.append(form);
                form.submit();
            }""",
            [visit.data, visit.csrf],
        )
    return navigation.value


@pytest.fixture
def contexts(browser: Browser, live_server) -> Iterator:
    """Open one browser context per role (logged in by session cookie) at a viewport."""
    opened = []

    def open_context(role: str, viewport: dict, site: Site):
        context = browser.new_context(viewport=viewport, timezone_id=STUDIO_ZONE, locale="en-GB")
        context.set_default_timeout(15_000)
        if role != ANONYMOUS:
            cookie = _session_cookie(site.users[role])
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        opened.append(context)
        return context.new_page()

    yield open_context
    for context in opened:
        context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_page_has_no_serious_accessibility_violations(site, live_server, contexts, viewport):
    visits = pages_to_check(site)
    found: dict[str, list[str]] = {}
    for role in dict.fromkeys(v.role for v in visits):
        page = contexts(role, viewport, site)
        for visit in (v for v in visits if v.role == role):
            response = page.goto(f"{live_server.url}{visit.path}")
            if visit.data is not None:
                response = _send_form(page, visit)
            assert response is not None and response.status == visit.status, (visit, response and response.status)
            assert visit.shows in page.content(), visit
            problems = accessibility_problems(page)
            if problems:
                found[f"{role} {'POST' if visit.data is not None else 'GET'} {visit.path}"] = problems
    report = "\n".join(f"{where}:\n  " + "\n  ".join(problems) for where, problems in found.items())
    assert not found, f"axe-core found serious/critical violations on {len(found)} of {len(visits)} pages:\n{report}"


def test_every_page_is_valid_html(site):
    html: dict[str, str] = {}
    for visit in pages_to_check(site):
        # The 500 page as a visitor gets it; the CSRF check on when a visit leaves the token out.
        client = Client(raise_request_exception=False, enforce_csrf_checks=not visit.csrf)
        if visit.role != ANONYMOUS:
            client.force_login(site.users[visit.role])
        if visit.data is not None:
            response = client.post(visit.path, visit.data)
        else:
            response = client.get(visit.path, follow=visit.redirects)
        assert response.status_code == visit.status, (visit, response.status_code)
        content = response.content.decode()
        assert visit.shows in content, (visit, content[:2000])
        key = f"{visit.role} {'POST' if visit.data is not None else 'GET'} {visit.path}"
        html[key] = content
    errors = html_errors(html)
    report = "\n".join(f"{where}:\n  " + "\n  ".join(found) for where, found in errors.items())
    assert not errors, f"the Nu Html Checker found errors on {len(errors)} of {len(html)} pages:\n{report}"


# --- the navbar, for keyboard and screen-reader users -------------------------------------


def test_the_first_tab_reaches_a_skip_link_to_the_main_content(live_server, page):
    page.goto(f"{live_server.url}/classes/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_the_bell_says_how_many_messages_are_unread_in_words_and_a_badge(live_server, page):
    carla = _verified(UserFactory(email="carla@example.com", display_name="Carla Client"))
    for days in (2, 3, 4):  # each booking leaves an in-app "Booked" message
        booking_services.book_class(client=carla, session_id=upcoming_class(days=days).pk, quantity=1)
    log_in(page, live_server, carla)

    bell = page.locator("#mainnav").get_by_role("link", name="Messages, 3 unread", exact=True)
    expect(bell).to_be_visible()
    expect(bell.locator(".badge")).to_have_text("3")
    # An SVG icon that screen readers skip, not an emoji that needs an emoji font.
    expect(bell.locator("svg")).to_have_attribute("aria-hidden", "true")
    assert "\N{BELL}" not in (bell.text_content() or "")


# --- the dev inbox: DEBUG on (read per request), staff only, its own test ----------------


@pytest.fixture
def dev_inbox(settings, tmp_path, transactional_db) -> tuple[User, list[str]]:
    """A staff member and the dev inbox's two pages, with one message kept by `make run`'s backend."""
    settings.DEBUG = True  # the dev inbox's views check it per request: this test only
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    message = EmailMultiAlternatives(
        "Confirm your e-mail", "Open http://127.0.0.1:8000/accounts/confirm-email/abc/", to=["nora@example.com"]
    )
    message.attach_alternative("<p>Open the link to confirm.</p>", "text/html")
    get_connection("notifications.devmail.EmailBackend").send_messages([message])
    (kept,) = devmail.stored_mails()
    staff = _verified(UserFactory(email="sam@example.com", display_name="Sam Staff", is_staff=True))
    return staff, ["/dev/inbox/", f"/dev/inbox/{kept.name}"]


def test_the_dev_inbox_has_no_serious_violations_and_is_valid_html(dev_inbox, browser, live_server):
    staff, paths = dev_inbox
    client = Client()
    client.force_login(staff)
    html, found = {}, {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        html[path] = response.content.decode()
    for viewport in (DESKTOP, PHONE):
        context = browser.new_context(viewport=viewport, timezone_id=STUDIO_ZONE, locale="en-GB")
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": _session_cookie(staff), "url": live_server.url}]
        )
        page = context.new_page()
        for path in paths:
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status == 200, (path, response and response.status)
            if problems := accessibility_problems(page):
                found[f"{viewport['width']}px {path}"] = problems
        context.close()
    errors = html_errors(html)
    assert not found, found
    assert not errors, errors
