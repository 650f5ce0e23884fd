"""Fixtures for timetable tests (a studio in Madrid with one room and one instructor), and
the network around a therapist's calendar address: public names, a port that counts who
connects, a real HTTPS calendar server."""

from __future__ import annotations

import contextlib
import http.server
import socket
import ssl
import threading
from collections.abc import Callable
from datetime import date, time, timedelta

import pytest
import recurrence
import trustme
from django.utils import timezone

from tests.factories import (
    ClassScheduleFactory,
    ClassTypeFactory,
    LocationFactory,
    PractitionerFactory,
    RoomFactory,
    weekly,
)


@pytest.fixture
def madrid():
    return LocationFactory(name="Centro", slug="centro", time_zone="Europe/Madrid")


@pytest.fixture
def room(madrid):
    return RoomFactory(location=madrid, name="Sala Sol", capacity=16)


@pytest.fixture
def instructor():
    return PractitionerFactory(public_name="Ana García", slug="ana")


@pytest.fixture
def flow():
    return ClassTypeFactory(title="Vinyasa Flow", slug="vinyasa", capacity=12, duration_minutes=60)


@pytest.fixture
def today() -> date:
    return timezone.localdate()


@pytest.fixture
def monday_schedule(madrid, room, instructor, flow, today):
    """Weekly on Mondays at 07:00 Madrid, valid from four weeks ago."""
    return ClassScheduleFactory(
        class_type=flow,
        location=madrid,
        room=room,
        instructor=instructor,
        recurrence=weekly(recurrence.MO),
        start_time=time(7, 0),
        valid_from=today - timedelta(days=28),
    )


# --- the network around calendar addresses -------------------------------------------------

# Public names the tests use, and the (real, public) addresses they stand for. This machine
# has no DNS to the internet; every other name (localhost, literals, /etc/hosts) still goes
# to the real resolver, so refusal tests exercise real resolution.
PUBLIC_NAMES = {
    "calendar.google.com": ["142.250.184.206", "2a00:1450:4003:80f::200e"],
    "outlook.office365.com": ["52.97.146.162"],
}


@pytest.fixture
def public_dns(monkeypatch) -> dict[str, list[str] | Callable[[], list[str]]]:
    """Answers for public names, as the internet's DNS would give; add or change names in the dict.

    A value may be a function, called at each look-up (a name that changes its answer).
    """
    answers: dict = {name: list(addresses) for name, addresses in PUBLIC_NAMES.items()}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        found = answers.get(host.decode() if isinstance(host, bytes) else host)
        if found is None:
            return real(host, port, family, type, proto, flags)
        addresses = found() if callable(found) else found
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, int(port), 0, 0))
            if ":" in a
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, int(port)))
            for a in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


class Listener:
    """A port on every local address (IPv4 and IPv6) that counts the connections it gets."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        self.sock.bind(("::", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def listener(settings):
    """A local port a calendar address may name (it is on the allowed list), counting visitors."""
    port = Listener()
    settings.EXTERNAL_CALENDAR_ALLOWED_PORTS = [443, port.port]
    yield port
    port.close()


@pytest.fixture(scope="session")
def test_ca():
    return trustme.CA()


class CalendarServer(http.server.ThreadingHTTPServer):
    """A real HTTPS server for ``localhost`` on 127.0.0.1; ``answer(handler)`` writes each response.

    ``seen`` keeps (SNI name, Host header, path) of every request.
    """

    daemon_threads = True
    answer: Callable[[http.server.BaseHTTPRequestHandler], None]

    def __init__(self, ca) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[tuple[str | None, str | None, str]] = []
        self._sni: list[str | None] = []
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
        context.sni_callback = lambda sslobj, name, ctx: self._sni.append(name)
        self.socket = context.wrap_socket(self.socket, server_side=True)
        self.port = self.server_address[1]
        self.url = f"https://localhost:{self.port}"

    def handle_error(self, request, client_address) -> None:
        pass  # a client that hangs up mid-answer is what some tests do on purpose


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.seen.append((self.server._sni[-1] if self.server._sni else None, self.headers["Host"], self.path))
        with contextlib.suppress(OSError):
            self.server.answer(self)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def calendar_server(test_ca, tmp_path, settings):
    """The HTTPS server, its CA trusted and its port allowed for calendar addresses."""
    server = CalendarServer(test_ca)
    bundle = tmp_path / "ca.pem"
    test_ca.cert_pem.write_to_path(str(bundle))
    settings.EXTERNAL_CALENDAR_CA_BUNDLE = str(bundle)
    settings.EXTERNAL_CALENDAR_ALLOWED_PORTS = [443, server.port]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
