"""Browser fixtures and a realistic studio for the end-to-end tests.

The tests drive Debian's Chromium (/usr/bin/chromium) through Playwright's sync
API against pytest-django's ``live_server`` (transactional database, same
process: ``django.core.mail.outbox`` sees the mail the server sends).

Without Chromium the e2e tests are skipped; with SHALA_REQUIRE_BROWSER=1 (CI)
they fail instead, so a broken image cannot pass silently. Playwright's own
browser download is not used: ``p.chromium.launch(executable_path=...)``.

UPDATE_SCREENSHOTS=1 also writes the screenshots the tests take to
docs/screenshots/ (timetable.png, class-detail.png).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import F, QuerySet
from django.utils import timezone
from playwright.sync_api import Browser, Page, sync_playwright
from recurrence import FR, MO, SA, SU, TH, TU, WE

from schedules import services
from schedules.models import ClassSchedule, ClassSession, ClassType, Level, Location, Practitioner, Room
from schedules.selectors import local_midnight, week_start_of
from tests.factories import PractitionerFactory, weekly

# Playwright's sync API runs an event loop in this thread; without this Django
# refuses ORM calls made by the test itself ("You cannot call this from an async
# context"). The calls are still synchronous and on one thread.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("SHALA_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 900}
STUDIO_ZONE = "Europe/Madrid"
REPO_ROOT = Path(__file__).resolve().parents[2]
DOCS_SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"


def _no_browser(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"SHALA_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


# --- browser --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        _no_browser(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Open a page in a fresh context (own cookies); ``timezone_id`` is the browser's zone.

    ``locale`` is the browser's language (its Accept-Language header): British English
    unless a test asks for another.
    """
    contexts = []

    def make(*, timezone_id: str = STUDIO_ZONE, locale: str = "en-GB") -> Page:
        context = browser.new_context(viewport=VIEWPORT, timezone_id=timezone_id, locale=locale)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    """A page whose browser is in the studio's zone, Europe/Madrid."""
    return new_page()


@pytest.fixture
def save_screenshot(tmp_path: Path) -> Callable[[Page, str], Path]:
    """Full-page PNG into tmp_path always; into docs/screenshots/ when UPDATE_SCREENSHOTS=1."""

    def save(page: Page, name: str) -> Path:
        shot = tmp_path / name
        page.screenshot(path=str(shot), full_page=True)
        if os.environ.get("UPDATE_SCREENSHOTS") == "1":
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            (DOCS_SCREENSHOTS / name).write_bytes(shot.read_bytes())
        return shot

    return save


# --- a studio with a realistic week ----------------------------------------------------------


@dataclass
class Studio:
    location: Location
    class_types: dict[str, ClassType]  # by slug
    instructors: dict[str, Practitioner]  # by slug
    week_start: date  # Monday of this week, in the studio's (= the viewer's) zone
    schedules: list[ClassSchedule] = field(default_factory=list)
    first_class: ClassSession | None = None  # this week's Monday 07:00 Vinyasa Flow with Ana: 3 of 14 spots taken
    featured: ClassSession | None = None  # the same class next Monday (upcoming whatever the day): 5 of 14 taken

    def sessions_in_week(self, week_start: date, **filters) -> QuerySet[ClassSession]:
        zone = self.location.zone
        return ClassSession.objects.filter(
            starts_at__gte=local_midnight(week_start, zone),
            starts_at__lt=local_midnight(week_start + timedelta(days=7), zone),
            **filters,
        ).order_by("starts_at")


def _backfill_earlier_this_week(schedule: ClassSchedule, *, week_start: date) -> None:
    """Create the sessions of this week that have already begun.

    ``generate_sessions`` only creates future sessions; on a real studio those of
    earlier this week exist because the daily task generated them days ago. Staff's
    own service for adding a session stands in for that, with the same fields, so the
    timetable shows a full week whatever day the tests run on.
    """
    now = timezone.now()
    today = timezone.localdate(now, schedule.location.zone)
    for occ in services.planned_occurrences(schedule, start=week_start, end=today):
        if occ.starts_at > now:
            continue
        services.save_class_session(
            session=ClassSession(
                schedule=schedule,
                occurrence_date=occ.local_date,
                class_type=schedule.class_type,
                location=schedule.location,
                room=schedule.room,
                instructor=schedule.instructor,
                starts_at=occ.starts_at,
                ends_at=occ.ends_at,
                capacity=schedule.effective_capacity,
                price=schedule.effective_price,
                currency=schedule.class_type.currency,
                is_online=schedule.class_type.is_online,
            )
        )


@pytest.fixture
def studio(transactional_db) -> Studio:
    """One Madrid studio, three teachers, three class types, a week of classes every day.

    Schedules start a few weeks back; sessions are generated by the real service up
    to three weeks ahead. Most sessions have spots taken (some are full), as the
    booking service would leave them.
    """
    location = Location.objects.create(
        name="Shala Centro",
        slug="centro",
        address="Calle de la Luna 12\n28004 Madrid",
        time_zone=STUDIO_ZONE,
    )
    sol = Room.objects.create(location=location, name="Sala Sol", capacity=16)
    luna = Room.objects.create(location=location, name="Sala Luna", capacity=12)
    people = {
        "ana-garcia": "Ana García",
        "leo-martin": "Leo Martín",
        "marta-ruiz": "Marta Ruiz",
    }
    instructors = {
        slug: PractitionerFactory(slug=slug, public_name=name, user__display_name=name) for slug, name in people.items()
    }
    types = {
        "vinyasa-flow": ClassType.objects.create(
            slug="vinyasa-flow",
            title="Vinyasa Flow",
            level=Level.INTERMEDIATE,
            duration_minutes=60,
            capacity=14,
            price=Decimal("14.00"),
            description="A flowing class linking breath and movement. Bring water.",
        ),
        "hatha-basics": ClassType.objects.create(
            slug="hatha-basics",
            title="Hatha Basics",
            level=Level.BEGINNER,
            duration_minutes=75,
            capacity=12,
            price=Decimal("12.00"),
            description="Foundations of posture and breathing for newcomers.",
        ),
        "ashtanga-led": ClassType.objects.create(
            slug="ashtanga-led",
            title="Ashtanga Led Primary",
            level=Level.ADVANCED,
            duration_minutes=90,
            capacity=10,
            price=Decimal("16.00"),
            description="The led primary series. Knowing the sequence helps.",
        ),
    }
    plan = [
        # class type, room, instructor, days, start (Madrid wall time)
        ("vinyasa-flow", sol, "ana-garcia", (MO, WE, FR), time(7, 0)),
        ("hatha-basics", luna, "ana-garcia", (TU, TH, SA), time(10, 0)),
        ("vinyasa-flow", sol, "leo-martin", (TU, TH), time(19, 0)),
        ("ashtanga-led", sol, "leo-martin", (SA,), time(9, 0)),
        ("hatha-basics", luna, "marta-ruiz", (MO, WE), time(20, 0)),
        ("vinyasa-flow", sol, "marta-ruiz", (SU,), time(11, 0)),
    ]
    today = timezone.localdate(timezone.now(), location.zone)
    week_start = week_start_of(today)
    studio = Studio(location=location, class_types=types, instructors=instructors, week_start=week_start)
    for type_slug, room, teacher, days, start in plan:
        schedule = ClassSchedule.objects.create(
            class_type=types[type_slug],
            location=location,
            room=room,
            instructor=instructors[teacher],
            recurrence=weekly(*days),
            start_time=start,
            valid_from=week_start - timedelta(weeks=3),
        )
        _backfill_earlier_this_week(schedule, week_start=week_start)
        report = services.generate_sessions(schedule=schedule, until=today + timedelta(days=21))
        assert not report.skipped and not report.conflicts, report.summary()
        studio.schedules.append(schedule)

    # Bookings, as the booking service's conditional UPDATE would leave them: a spread
    # of 0 % to 100 % of the spots taken, the same on every run.
    share: dict[int, list[int]] = {}
    for i, pk in enumerate(ClassSession.objects.order_by("starts_at", "pk").values_list("pk", flat=True)):
        share.setdefault((i * 5) % 11, []).append(pk)
    for tenths, pks in share.items():
        ClassSession.objects.filter(pk__in=pks).update(spots_taken=F("capacity") * tenths / 10)
    saturday = week_start + timedelta(days=5)
    ClassSession.objects.filter(class_type=types["ashtanga-led"], occurrence_date=saturday).update(
        spots_taken=F("capacity")
    )
    first_vinyasa = studio.schedules[0]
    studio.first_class = ClassSession.objects.get(schedule=first_vinyasa, occurrence_date=week_start)
    studio.featured = ClassSession.objects.get(schedule=first_vinyasa, occurrence_date=week_start + timedelta(days=7))
    for session, taken in ((studio.first_class, 3), (studio.featured, 5)):
        ClassSession.objects.filter(pk=session.pk).update(spots_taken=taken)
        session.refresh_from_db()
    return studio
