"""Every page, every query parameter, cookie and form field, hostile values: a 4xx or a page, never a 500.

What is sent, and how it is found (so a new page, parameter or form cannot slip past):
- the pages: every URL pattern of the project but admin's (Django's own) and media, and
  each text argument of a URL (a reference, a token, a slug) spoiled;
- the query parameters: those the views read (grepped from the source), on top of a
  query each page accepts;
- the cookies: every cookie the site reads (session, CSRF, language, zone, messages);
- the form fields: those of every form the pages render, parsed from the real HTML
  (``html.parser``) and sent as a browser would, required fields filled, on top of the
  form's own values. A form several visitors see (profile, e-mail, password) is fuzzed
  for the first of them only.
Logged out, as a client, as a therapist and as staff. First a fixed sweep: each field alone
with its own valid value moved to the year 9999 and 0001 (or a huge number for a number),
with a NUL inside and as 10 kB; every date of a form at once in 9999 and in 0001; every
parameter at once on every page. Then Hypothesis examples: each field alone and all at once
(cookies too) with values drawn from strategies for days, months and instants of any
year, huge and negative numbers, NUL, any unicode, 10 kB and empty. Each request runs in a
savepoint rolled back afterwards, so every one meets the same studio, and the visitor's
cookies are put back, so a log-out or a spoiled session does not leak into the next one.

About 2,900 requests, a minute on the 2-core machine. The test client does not enforce
CSRF (as usual); 500s and exceptions are collected, not raised, and the test lists them.
"""

from __future__ import annotations

import itertools
import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from datetime import timezone as fixed_zone
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.db import transaction
from django.template.base import Template
from django.test import Client
from django.test.utils import _TestState
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.middleware import TZ_COOKIE
from accounts.models import User
from bookings import services
from bookings import services as booking_services
from bookings.models import Booking, TimeProposal
from notifications import services as notification_services
from schedules.models import ClassSession, Practitioner, TherapyType
from tests.bookings.conftest import at, make_therapist, set_approval, therapy_monday, upcoming_class
from tests.factories import LocationFactory, RoomFactory, TherapyDurationFactory, TherapyTypeFactory, UserFactory
from waitlist import services as waitlist_services
from waitlist.models import WaitlistEntry

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[1]
APPS = (
    "accounts",
    "api",
    "schedules",
    "bookings",
    "waitlist",
    "notifications",
    "payments",
    "privacy",
    "feedback",
    "config",
)
# request.GET.get("x"), request.GET["x"], and book_therapy's source.get("x") (GET or POST)
READ = re.compile(r"""(?:request\.GET|source)(?:\.get\(|\[)\s*["'](\w+)["']""")
FORM_MODULES = (
    "accounts/forms.py",
    "bookings/forms.py",
    "bookings/therapy_forms.py",
    "bookings/desk_forms.py",
    "bookings/report_forms.py",
    "payments/report_forms.py",
    "waitlist/forms.py",
    "privacy/forms.py",
)

# Hypothesis examples per role: each one spoils every field of every form and page once, with
# values taken in turn from a pool of POOL drawn values.
EXAMPLES = 2
POOL = 61  # prime: a page's fields get different values from example to example

# --- values -----------------------------------------------------------------------------------


def _day(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"  # strftime does not pad the year 1


NASTY = [
    "",
    "\x00",
    "2026-01-05\x00",
    "%00",
    "x" * 10_240,
    "-1",
    "1e309",
    "NaN",
    "٢٠٢٦-٠١-٠٥",
    "ünïcødé ✓ 日本",
    "../../etc/passwd",
    "javascript:alert(1)",
    "//evil.example/",
    "\r\nSet-Cookie: x=1",
]
HOSTILE = st.one_of(
    st.dates().map(_day),
    st.dates().map(lambda d: _day(d)[:7]),
    st.datetimes().map(lambda t: f"{_day(t.date())}T{t:%H:%M}"),  # an <input type="datetime-local">
    st.builds(  # an instant with its offset, as the slot links carry
        lambda t, offset: t.replace(tzinfo=fixed_zone(offset)).isoformat(),
        st.datetimes(),
        st.sampled_from([timedelta(hours=14), timedelta(hours=-12), timedelta(0)]),
    ),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.sampled_from(NASTY),
    st.text(max_size=30),
    st.text(min_size=1, max_size=4).map(lambda s: (s * 10_240)[:10_240]),
)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"\d{4}-\d{2}(?![-\d])")


def sweep(valid: str) -> list[str]:
    """The fixed values a field gets: its own valid value with the year 9999 and 0001 (a day or a
    month in it), a huge number in place of a number; then, for every field, its value with a NUL
    in the middle (as long as a real one, so a length check does not stop it) and 10 kB."""
    shaped: list[str] = []
    if _DAY.search(valid):
        shaped = [_DAY.sub(day, valid, count=1) for day in ("9999-12-31", "0001-01-01")]
    elif _MONTH.search(valid):
        shaped = [_MONTH.sub(month, valid, count=1) for month in ("9999-12", "0001-01")]
    elif valid.isdigit():
        shaped = ["99999999999999999999", "-1"]
    middle = len(valid) // 2
    return [*shaped, valid[:middle] + "\x00" + valid[middle + 1 :], "x" * 10_240]


# --- the studio -------------------------------------------------------------------------------


@dataclass
class World:
    client_user: User
    therapist_user: User
    staff_user: User
    therapist: Practitioner
    kind: TherapyType
    session: ClassSession
    full_session: ClassSession
    class_booking: Booking
    therapy_booking: Booking
    requested_booking: Booking
    proposal: TimeProposal
    waitlist_entry: WaitlistEntry
    feed_token: str
    export_link_token: str  # a real, built data export of the client (privacy)


@pytest.fixture
def world(db) -> World:
    location = LocationFactory(name="Centro", slug="centro")
    room = RoomFactory(location=location, name="Sala Luna", capacity=2)
    therapist = make_therapist(location)
    kind = TherapyTypeFactory(slug="massage", therapists=[therapist], rooms=[room])
    TherapyDurationFactory(therapy_type=kind, minutes=60)
    client_user = UserFactory(display_name="Carla Client")
    other = UserFactory(display_name="Olga Other")
    session = upcoming_class(location=location)
    full_session = upcoming_class(location=location, capacity=1, days=4)
    booking_services.book_class(client=other, session_id=full_session.pk, quantity=1)
    entry = waitlist_services.join_waitlist(client=client_user, session_id=full_session.pk, party_size=1)
    class_booking = booking_services.book_class(client=client_user, session_id=session.pk, quantity=1)
    therapy_booking = services.book_therapy(
        client=client_user, therapy_type=kind, minutes=60, practitioner=therapist, starts_at=at(10)
    )
    [proposal] = services.propose_times(booking=therapy_booking, actor=therapist.user, starts=[at(14)])
    set_approval(therapist, "request")
    requested = services.book_therapy(
        client=other,
        therapy_type=kind,
        minutes=60,
        practitioner=therapist,
        starts_at=at(10, day=therapy_monday() + timedelta(days=1)),
    )
    return World(
        client_user=client_user,
        therapist_user=therapist.user,
        staff_user=_owner(),
        therapist=therapist,
        kind=kind,
        session=session,
        full_session=full_session,
        class_booking=class_booking,
        therapy_booking=therapy_booking,
        requested_booking=requested,
        proposal=proposal,
        waitlist_entry=entry,
        feed_token=notification_services.feed_token(user=client_user),
        export_link_token=_built_export_token(client_user),
    )


def _built_export_token(client_user: User) -> str:
    from privacy import exports
    from privacy.models import DataExport

    row = DataExport.objects.create(client=client_user)
    exports.build_export(row.pk)
    return exports.link_for(row).rstrip("/").rsplit("/", 1)[-1]


def _owner() -> User:
    """The staff visitor runs the studio: the desk's and the reports' pages are theirs too."""
    from django.contrib.auth.models import Group

    from accounts import roles

    user = UserFactory(display_name="Sam Staff", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.OWNER))
    return user


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
        "api:embed_timetable": {
            "week": day.isoformat(),
            "location": str(w.session.location_id),
            "class_type": str(w.session.class_type_id),
            "instructor": str(w.session.instructor_id),
            "level": "beginner",
        },
        # The API's parameters, each spoiled in turn: a 4xx problem, never a 500.
        "api:sessions": {
            "start": day.isoformat(),
            "end": (day + timedelta(days=6)).isoformat(),
            "location": str(w.session.location_id),
            "class_type": str(w.session.class_type_id),
            "teacher": str(w.session.instructor_id),
            "level": "beginner",
            "page": "1",
            "page_size": "10",
        },
        "api:summary": {"month": day.strftime("%Y-%m"), "location": str(w.session.location_id)},
        "schedules:practitioners": {"role": "therapist"},
        "bookings:therapy_type": {
            "minutes": "60",
            "therapist": w.therapist.slug,
            "day": day.isoformat(),
            "month": day.strftime("%Y-%m"),
        },
        "bookings:book_therapy": {"start": at(11).isoformat(), "minutes": "60", "therapist": str(w.therapist.pk)},
        "bookings:reschedule": {"day": day.isoformat(), "month": day.strftime("%Y-%m")},
        "bookings:therapist_calendar": {"week": day.isoformat(), "view": "week"},
        "bookings:therapist_sessions": {"day": day.isoformat()},
        "waitlist:therapy_wish": {"therapist": w.therapist.slug},
        "bookings:desk_today": {"day": day.isoformat()},
        "bookings:desk_book_class": {"q": "sam"},
        "bookings:desk_book_therapy": {
            "therapy": str(w.kind.pk),
            "minutes": "60",
            "therapist": str(w.therapist.pk),
            "day": day.isoformat(),
            "q": "sam",
        },
        "bookings:report_occupancy": {"first": day.isoformat(), "last": day.isoformat(), "location": ""},
        "bookings:report_therapists": {"first": day.isoformat(), "last": day.isoformat(), "location": ""},
        "payments:report_money": {"first": day.isoformat(), "last": day.isoformat(), "location": "", "by": "week"},
        "payments:report_pay": {
            "month": day.strftime("%Y-%m"),
            "instructor": str(w.session.instructor_id),
            "location": "",
        },
        "bookings:report_clients": {
            "first": day.isoformat(),
            "last": day.isoformat(),
            "location": str(w.session.location_id),
            "format": "csv",
        },
    }


def _args(w: World, name: str, arg: str) -> str:
    """A real object for a page's URL argument, so the view gets past its 404."""
    classes = {"schedules:session", "bookings:book_class", "waitlist:join", "bookings:desk_book_class"}
    if arg in {"pk", "session_id"} and name in classes | {"bookings:desk_add_guest"}:
        return str(w.session.pk)
    if name == "bookings:proposal":
        return str(w.proposal.pk)
    if arg == "entry_id":
        return str(w.waitlist_entry.pk)
    if arg == "slug":
        return w.therapist.slug if name == "schedules:practitioner" else w.kind.slug
    if arg == "reference":
        short = name.split(":")[-1]
        therapy_page = short in {"reschedule", "cancel_series"} or short.startswith("therapist_")
        return (w.therapy_booking if therapy_page else w.class_booking).reference
    if arg == "token":
        return w.export_link_token if name == "privacy:download_export" else w.feed_token
    if arg == "client_id":  # the owner's reasoned look at a client's therapy record
        return str(w.client_user.pk)
    if arg == "session_id":  # a roster, a check-in
        return str(w.session.pk)
    if arg == "booking_id" and name == "payments:desk_take_payment":
        return str(w.class_booking.pk)
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


_PLACEHOLDER = "PLACEHOLDER"


def _spoiled_paths(w: World) -> list[str]:
    """Every pattern with a text argument (a reference, a token, a slug), that argument spoiled."""
    found: list[str] = []

    def walk(resolver: URLResolver, namespace: str | None) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                if not str(entry.pattern).startswith("admin/"):
                    walk(entry, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                converters = getattr(entry.pattern, "converters", None) or {}
                for arg, converter in converters.items():
                    if isinstance(converter, IntConverter):
                        continue  # the resolver itself refuses anything but digits
                    kwargs = {a: _PLACEHOLDER if a == arg else _args(w, name, a) for a in converters}
                    path = reverse(name, kwargs=kwargs)
                    found.extend(path.replace(_PLACEHOLDER, bad) for bad in ("%00", "SH-%00ABC", "x" * 300, "%C3%BC"))

    walk(get_resolver(), None)
    return found


def _source_params() -> set[str]:
    names: set[str] = set()
    for app in APPS:
        for path in (REPO / app).rglob("*.py"):
            names.update(READ.findall(path.read_text()))
    return names


# --- forms, as a browser sees them ------------------------------------------------------------


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> the values a browser would send
    spoil: list[str] = field(default_factory=list)  # the names to spoil (buttons and checkboxes included)


def _filled(kind: str, attrs: dict[str, str]) -> str:
    """What a person types into an empty required field of this kind: a valid value to spoil the others against."""
    soon = timezone.localdate() + timedelta(days=10)
    return {
        "date": soon.isoformat(),
        "time": "10:00",
        "datetime-local": f"{soon.isoformat()}T10:00",
        "number": attrs.get("min") or "1",
        "email": "someone@example.com",
        "password": "a-Long-passw0rd!",
        "url": "https://example.com/",
    }.get(kind, "hello")


class _FormParser(HTMLParser):
    """The forms of a page: method, action and the fields a browser would submit."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._option: dict[str, str] | None = None
        self._textarea: str | None = None
        self._textarea_required = False
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs_list: list) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if tag == "form":
            action = urljoin(self.page, attrs.get("action") or self.page)
            self._form = Form(method=(attrs.get("method") or "get").lower(), action=action)
            self.forms.append(self._form)
            return
        form, name = self._form, attrs.get("name")
        if form is None or not name:
            if tag == "option" and self._select:
                self._option = attrs
            return
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            _add_spoil(form, name)
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs or (kind == "radio" and name not in form.fields):
                    values = form.fields.setdefault(name, [])
                    if kind == "radio":
                        values.clear()
                    values.append(attrs.get("value", "on"))
            elif kind in {"submit", "button", "image", "reset", "file"}:
                pass  # a button is sent only when it is the one pressed (see _pressed)
            else:
                # An empty field is filled only when required, as a person in a hurry would submit it.
                form.fields[name] = [attrs.get("value") or (_filled(kind, attrs) if "required" in attrs else "")]
        elif tag == "button":
            _add_spoil(form, name)
            form.fields.setdefault(f"button:{name}", [attrs.get("value", "")])
        elif tag == "select":
            _add_spoil(form, name)
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "textarea":
            _add_spoil(form, name)
            self._textarea, self._text, self._textarea_required = name, [], "required" in attrs

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._form is not None and self._select:
            if not self._select_chosen:
                self._form.fields[self._select] = [self._select_first or ""]
            self._select = None
        elif tag == "textarea" and self._form is not None and self._textarea:
            self._form.fields[self._textarea] = ["".join(self._text) or ("hello" if self._textarea_required else "")]
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)
        if self._option is not None and self._select and self._form is not None:
            value = self._option.get("value", data.strip())
            if self._select_first is None:
                self._select_first = value
            if "selected" in self._option and not self._select_chosen:
                self._form.fields[self._select] = [value]
                self._select_chosen = True
            self._option = None


def _add_spoil(form: Form, name: str) -> None:
    # The CSRF token is Django's to check (CsrfViewMiddleware); the test client skips the check.
    if name not in form.spoil and name != "csrfmiddlewaretoken":
        form.spoil.append(name)


def _pressed(form: Form) -> dict[str, list[str]]:
    """The form's values as submitted with its first named button pressed."""
    data = {k: v for k, v in form.fields.items() if not k.startswith("button:")}
    for key, value in form.fields.items():
        if key.startswith("button:"):
            data[key.removeprefix("button:")] = value
            break
    return data


def forms_on(page: str, html: str) -> list[Form]:
    parser = _FormParser(page)
    parser.feed(html)
    return [f for f in parser.forms if urlsplit(f.action).netloc in {"", "testserver"}]


# --- requests ---------------------------------------------------------------------------------


def _wire(value: str) -> str:
    """A cookie value as a WSGI server hands it over: the UTF-8 bytes read as Latin-1."""
    return value.encode("utf-8", "surrogatepass").decode("latin-1")


COOKIES = (
    settings.SESSION_COOKIE_NAME,
    settings.CSRF_COOKIE_NAME,
    settings.LANGUAGE_COOKIE_NAME,
    TZ_COOKIE,
    "messages",  # django.contrib.messages' CookieStorage
)


@dataclass
class Browser:
    """One visitor's test client; every request runs in a rolled-back savepoint, cookies put back."""

    who: str
    client: Client
    failures: list[str] = field(default_factory=list)
    sent: int = 0
    seconds: float = 0.0

    def send(self, method: str, url: str, data: dict, cookies: dict[str, str] | None = None) -> str:
        saved = {key: morsel.value for key, morsel in self.client.cookies.items()}
        for key, value in (cookies or {}).items():
            self.client.cookies[key] = _wire(value)
        self.sent += 1
        html = ""
        started = time.perf_counter()
        try:
            with transaction.atomic():
                try:
                    response = getattr(self.client, method)(url, data)
                except Exception as exc:  # every exception is a finding
                    self._fail(method, url, data, cookies, f"{type(exc).__name__}: {str(exc)[:120]}")
                else:
                    if response.status_code >= 500:
                        self._fail(method, url, data, cookies, str(response.status_code))
                    elif response.status_code == 200 and "html" in response.get("Content-Type", ""):
                        html = response.content.decode(errors="replace")
                transaction.set_rollback(True)
        finally:
            self.client.cookies = SimpleCookie()
            for key, value in saved.items():
                self.client.cookies[key] = value
            self.seconds += time.perf_counter() - started
        return html

    def _fail(self, method, url, data, cookies, what: str) -> None:
        def short(items: Iterable) -> list:
            return sorted((k, (v if isinstance(v, str) else v[0] if v else "")[:24]) for k, v in items)

        self.failures.append(
            f"{self.who} {method.upper()} {url[:80]} {short(data.items())} cookies={short((cookies or {}).items())}"
            f" -> {what}"
        )


def _browsers(w: World) -> list[Browser]:
    found = []
    for who, user in (("logged out", None), ("client", w.client_user), ("therapist", w.therapist_user)):
        client = Client(raise_request_exception=True)
        if user is not None:
            client.force_login(user)
        found.append(Browser(who, client))
    staff = Client(raise_request_exception=True)
    staff.force_login(w.staff_user)
    found.append(Browser("staff", staff))
    return found


@dataclass
class Target:
    """One request to spoil: a page with its valid query, or a form with its valid values."""

    method: str
    url: str
    valid: dict[str, list[str]]
    spoil: list[str]


def _targets(browser: Browser, w: World, seen_forms: set[tuple]) -> list[Target]:
    """Every page (with its valid query) and every form those pages render, as this visitor sees them.

    A form another visitor already has (the profile, the e-mail and password pages) is left to
    them: the same view parses it, and the time goes to the forms only this one sees.
    """
    queries = _valid_queries(w)
    day = therapy_monday()
    pages = [(path, {k: [v] for k, v in queries.get(name, {}).items()}) for name, path in _pages(w)]
    pages += [
        # The month view of the therapist's calendar, and a full class (its waitlist form).
        (reverse("bookings:therapist_calendar"), {"view": ["month"], "month": [day.strftime("%Y-%m")]}),
        (reverse("schedules:session", args=[w.full_session.pk]), {}),
    ]
    targets: list[Target] = []
    for path, query in pages:
        targets.append(Target("get", path, query, list(query)))
        _collect(targets, seen_forms, path, browser.send("get", path, query))
    # The series plan only appears once the confirm form asked for a repeat.
    confirm = reverse("bookings:book_therapy", args=[w.kind.slug])
    series = {
        "start": at(11).isoformat(),
        "minutes": "60",
        "therapist": str(w.therapist.pk),
        "repeat": "1",
        "count": "2",
    }
    _collect(targets, seen_forms, confirm, browser.send("post", confirm, series))
    return targets


def _collect(targets: list[Target], seen: set[tuple], page: str, html: str) -> None:
    for form in forms_on(page, html):
        parts = urlsplit(form.action)
        key = (form.method, parts.path, tuple(sorted(_normal(n) for n in form.spoil)))
        if key in seen:
            continue
        seen.add(key)
        # A browser replaces a GET form's query with the form's fields; a POST keeps it.
        url = parts.path + (f"?{parts.query}" if parts.query and form.method == "post" else "")
        targets.append(
            Target("post" if form.method == "post" else "get", url, _pressed(form), _one_per_row(form.spoil))
        )


_ROW = re.compile(r"-(\d+)-")


def _normal(name: str) -> str:
    """A formset row's field name without its row number (hours-3-start -> hours-N-start)."""
    return _ROW.sub("-N-", name)


def _one_per_row(names: list[str]) -> list[str]:
    """The fields to spoil: a formset's rows are alike, so only the first of each column."""
    kept, seen = [], set()
    for name in names:
        if _normal(name) not in seen:
            seen.add(_normal(name))
            kept.append(name)
    return kept


# --- the tests --------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _lean_requests(monkeypatch):
    """Thousands of requests: no log records (a 500's record would keep its traceback, and with it
    every frame of the request, until the test ends; the test lists failures itself), and no copy
    of the context for each of a page's templates (the test runner's instrumentation, half the
    time of a form page; nothing here reads response.context)."""
    monkeypatch.setattr(Template, "_render", _TestState.saved_data.template_render)
    logging.disable(logging.CRITICAL)
    yield
    logging.disable(logging.NOTSET)


def test_every_get_parameter_the_views_read_is_fuzzed(world):
    fuzzed = {p for query in _valid_queries(world).values() for p in query}
    from schedules.forms import TimetableFilterForm

    assert _source_params() | set(TimetableFilterForm.base_fields) <= fuzzed


def _form_fields_declared() -> set[str]:
    """Every field of every form class in the pages' forms modules (admin's own forms are admin's)."""
    import importlib

    from django import forms

    names: set[str] = set()
    for module_path in FORM_MODULES:
        module = importlib.import_module(module_path.removesuffix(".py").replace("/", "."))
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm) and value.__module__ == module.__name__:
                names.update(value.base_fields)
    from payments.forms import TakePaymentForm  # the desk's page (payments/forms.py's other form is admin's)

    return names | set(TakePaymentForm.base_fields)


def _spoiled_names(targets: Iterable[Target]) -> set[str]:
    return {re.sub(r"^(hours-\d+-|cfg-)", "", name) for target in targets for name in target.spoil}


def _fixed_sweep(browser: Browser, targets: list[Target], every_param: list[str], spoiled_paths: list[str]) -> None:
    # Each field alone, every value of its sweep ...
    for target in targets:
        for name in target.spoil:
            for value in sweep(target.valid.get(name, [""])[0]):
                browser.send(target.method, target.url, {**target.valid, name: [value]})
    # ... every date of a form at once in year 9999, then in year 1 (time off from 0001-01-01 to 9999-12-31) ...
    for target in targets:
        dated = [name for name in target.spoil if _DAY.search(target.valid.get(name, [""])[0])]
        if len(dated) > 1:
            for extreme in ("9999-12-31", "0001-01-01"):
                spoiled = {name: [_DAY.sub(extreme, target.valid[name][0], count=1)] for name in dated}
                browser.send(target.method, target.url, {**target.valid, **spoiled})
    # ... every page with every parameter at once (a page that reads none must ignore them) ...
    for target in targets:
        if target.method == "get":
            for value in ("9999-12-31", "\x00"):
                browser.send("get", target.url, {**target.valid, **{key: [value] for key in every_param}})
    # ... every text argument of a URL ...
    for path in spoiled_paths:
        browser.send("get", path, {})
    # ... and each cookie alone on a public page, a logged-in page and the log-in page, spoiling
    # the browser's own value (a session key with a NUL inside) or one as long as a session key.
    for cookie in COOKIES:
        own = browser.client.cookies[cookie].value if cookie in browser.client.cookies else "k" * 32
        for url in (reverse("schedules:timetable"), reverse("bookings:mine"), reverse("account_login")):
            for value in sweep(own):
                browser.send("get", url, {}, {cookie: value})


def _drawn_sweep(browser: Browser, targets: list[Target], every_param: list[str], values: list[str]) -> None:
    drawn = itertools.cycle(values)  # field after field, each the next value of the pool
    for target in targets:
        # Each field alone, then every field at once, with every cookie but the session's.
        mine = {name: next(drawn) for name in target.spoil}
        for name, value in mine.items():
            browser.send(target.method, target.url, {**target.valid, name: [value]})
        if target.method == "get":
            mine |= {name: next(drawn) for name in every_param if name not in mine}
        cookies = {c: next(drawn) for c in COOKIES if c != settings.SESSION_COOKIE_NAME}
        browser.send(target.method, target.url, {**target.valid, **{k: [v] for k, v in mine.items()}}, cookies)


def test_no_hostile_request_gets_a_500(world):
    """Logged out, client, therapist and staff; every page, parameter, cookie and form field."""
    seen_forms: set[tuple] = set()
    plans = [(browser, _targets(browser, world, seen_forms)) for browser in _browsers(world)]
    assert all(len(targets) > 50 for _browser, targets in plans)  # the walk found the pages
    # Every field of every form class the pages use was found on a page (SeriesConfirmForm's
    # fields are made per planned session: o0, o1, ...).
    declared = _form_fields_declared() | {"o0", "confirm_series"}
    missing = declared - _spoiled_names(t for _b, ts in plans for t in ts)
    assert not missing, f"no page showed a form with {sorted(missing)}"
    every_param = sorted({p for q in _valid_queries(world).values() for p in q} | {"next"})

    spoiled_paths = _spoiled_paths(world)
    for browser, targets in plans:
        _fixed_sweep(browser, targets, every_param, spoiled_paths)

    @hypothesis_settings(
        max_examples=EXAMPLES,
        derandomize=True,  # the same examples on every run: CI is reproducible
        database=None,
        deadline=None,
        phases=[Phase.generate],  # no shrinking: the failures are listed, not minimised
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(HOSTILE, min_size=POOL, max_size=POOL))
    def spoil(values: list[str]) -> None:
        for browser, targets in plans:
            _drawn_sweep(browser, targets, every_param, values)

    spoil()
    sent = sum(b.sent for b, _t in plans)
    print("\n".join(f"{b.who}: {b.sent} requests in {b.seconds:.1f} s" for b, _t in plans))
    failures = [f for b, _t in plans for f in b.failures]
    assert not failures, f"{len(failures)} of {sent} hostile requests failed, e.g.:\n" + "\n".join(failures[:30])
