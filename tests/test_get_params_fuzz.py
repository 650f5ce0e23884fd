"""Every page, every query parameter, hostile values: a 4xx or a page, never a 500.

The pages are every URL pattern of the project but admin (and media); the
parameters are those the views read from ``request.GET`` (found in the source,
so a new one cannot slip past this test), each sent alone on top of a valid
query, and all at once, logged out, as a client and as a therapist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import User
from bookings.models import Booking
from bookings.therapy import book_therapy
from notifications import services as notification_services
from schedules.models import ClassSession, Practitioner, TherapyType
from tests.bookings.conftest import at, make_therapist, therapy_monday, upcoming_class
from tests.factories import LocationFactory, RoomFactory, TherapyDurationFactory, TherapyTypeFactory, UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = [
    "9999-12-27",
    "9999-12",
    "0001-01-01",
    "0001-01",
    "-1",
    "99999999999999999999",
    "abc",
    "",
    "2026-13-45",
    "2026-02-30T25:61",
    "9999-12-31T23:59:59+00:00",
    "0001-01-01T00:00:00+14:00",
    "ünïcødé ✓ 日本",
    "x" * 5000,
    "\x00",
    "2026-01-05\x00",
    "%00",
]

REPO = Path(__file__).resolve().parents[1]
APPS = ("accounts", "schedules", "bookings", "waitlist", "notifications", "config")
# request.GET.get("x"), request.GET["x"], and book_therapy's source.get("x") (GET or POST)
READ = re.compile(r"""(?:request\.GET|source)(?:\.get\(|\[)\s*["'](\w+)["']""")


@dataclass
class World:
    client_user: User
    therapist_user: User
    therapist: Practitioner
    kind: TherapyType
    session: ClassSession
    class_booking: Booking
    therapy_booking: Booking
    feed_token: str


@pytest.fixture
def world(db) -> World:
    location = LocationFactory(name="Centro", slug="centro")
    room = RoomFactory(location=location, name="Sala Luna", capacity=2)
    therapist = make_therapist(location)
    kind = TherapyTypeFactory(slug="massage", therapists=[therapist], rooms=[room])
    TherapyDurationFactory(therapy_type=kind, minutes=60)
    client_user = UserFactory(display_name="Carla Client")
    session = upcoming_class(location=location)
    from bookings import services

    class_booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    therapy_booking = book_therapy(
        client=client_user, therapy_type=kind, minutes=60, practitioner=therapist, starts_at=at(10)
    )
    return World(
        client_user=client_user,
        therapist_user=therapist.user,
        therapist=therapist,
        kind=kind,
        session=session,
        class_booking=class_booking,
        therapy_booking=therapy_booking,
        feed_token=notification_services.feed_token(user=client_user),
    )


def _valid_queries(w: World) -> dict[str, dict[str, str]]:
    """A query each parameter-reading page accepts, to spoil one parameter at a time."""
    day = therapy_monday()
    return {
        "schedules:timetable": {
            "week": day.isoformat(),
            "location": str(w.session.location_id),
            "class_type": str(w.session.class_type_id),
            "instructor": str(w.session.instructor_id),
            "level": "beginner",
        },
        "schedules:practitioners": {"role": "therapist"},
        "bookings:therapy_type": {
            "minutes": "60",
            "therapist": w.therapist.slug,
            "day": day.isoformat(),
            "month": day.strftime("%Y-%m"),
        },
        "bookings:book_therapy": {"start": at(11).isoformat(), "minutes": "60", "therapist": str(w.therapist.pk)},
        "bookings:reschedule": {"day": day.isoformat(), "month": day.strftime("%Y-%m")},
        "bookings:therapist_calendar": {"week": day.isoformat(), "view": "month"},
        "bookings:therapist_sessions": {"day": day.isoformat()},
        "waitlist:therapy_wish": {"therapist": w.therapist.slug},
    }


def _args(w: World, name: str, arg: str) -> str:
    """A real object for a page's URL argument, so the view gets past its 404."""
    if arg in {"pk", "session_id"} and name in {"schedules:session", "bookings:book_class", "waitlist:join"}:
        return str(w.session.pk)
    if arg == "slug":
        return w.therapist.slug if name == "schedules:practitioner" else w.kind.slug
    if arg == "reference":
        therapy_pages = {"reschedule", "cancel_series"} | {n for n in [name] if "therapist_" in n}
        booking = w.therapy_booking if name.split(":")[-1] in therapy_pages or "therapist_" in name else w.class_booking
        return booking.reference
    if arg == "token":
        return w.feed_token
    return "1" if arg.endswith("id") or arg in {"pk", "uidb36"} else "x"


def _pages(w: World) -> list[tuple[str, str]]:
    """(url name, path) of every pattern but admin's and media's."""
    found: list[tuple[str, str]] = []

    def walk(resolver: URLResolver, namespace: str | None) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                if str(entry.pattern).startswith("admin/"):
                    continue
                walk(entry, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                pattern = entry.pattern
                args = getattr(pattern, "converters", None) or {}
                names = list(args) or list(pattern.regex.groupindex)
                found.append((name, reverse(name, kwargs={a: _args(w, name, a) for a in names})))

    walk(get_resolver(), None)
    return found


def _source_params() -> set[str]:
    names: set[str] = set()
    for app in APPS:
        for path in (REPO / app).rglob("*.py"):
            names.update(READ.findall(path.read_text()))
    return names


def _form_params() -> set[str]:
    from schedules.forms import TimetableFilterForm

    return set(TimetableFilterForm.base_fields)  # bound to request.GET


def _clients(w: World) -> dict[str, Client]:
    anonymous, carla, therapist = Client(), Client(), Client()
    carla.force_login(w.client_user)
    therapist.force_login(w.therapist_user)
    return {"logged out": anonymous, "client": carla, "therapist": therapist}


def test_every_get_parameter_the_views_read_is_fuzzed(world):
    fuzzed = {p for query in _valid_queries(world).values() for p in query}
    assert _source_params() | _form_params() <= fuzzed


def _every_param_at_once(params: list[str], rounds: int) -> list[dict[str, str]]:
    """Every parameter hostile in one query, each a different value, rotated per round."""
    return [{p: HOSTILE[(i + r) % len(HOSTILE)] for i, p in enumerate(params)} for r in range(rounds)]


def test_no_page_answers_a_hostile_query_with_a_500(world):
    queries = _valid_queries(world)
    every_param = sorted({p for query in queries.values() for p in query} | {"next", "page"})
    pages = _pages(world)
    assert len(pages) > 40  # the walk found the project's pages
    failures: list[str] = []
    for who, browser in _clients(world).items():
        browser.raise_request_exception = False  # a 500 is counted, not raised
        for name, path in pages:
            valid = queries.get(name, {})
            # Pages that read no parameter get fewer rounds: nothing of theirs parses them.
            tries = _every_param_at_once(every_param, len(HOSTILE) if valid else 4)
            tries += [{**valid, param: value} for param in valid for value in HOSTILE]
            for query in tries:
                status = browser.get(path, query).status_code
                if status >= 500:
                    failures.append(f"{who} GET {path} {sorted((k, v[:30]) for k, v in query.items())} -> {status}")
    assert not failures, f"{len(failures)} hostile queries gave a 500, e.g.:\n" + "\n".join(failures[:15])
