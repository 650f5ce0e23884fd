"""A therapist's calendar address reaches the public internet only, and says nothing else.

The address is fetched by our servers, so it must not become a port scanner for what
they can reach (issue 13, item 8). Refusals go through the real resolver (IP literals,
``localhost`` from /etc/hosts, decimal and octal forms); a port on this machine counts who
connects to it and must count nobody. Public names get their public addresses from
``public_dns`` (this machine has no DNS to the internet) and Google's answers are mocked
with ``responses``; a real HTTPS server on 127.0.0.1 stands for a studio's own calendar
server, reachable only with EXTERNAL_CALENDAR_ALLOW_PRIVATE.
"""

from __future__ import annotations

import itertools
import logging
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
import responses
from django.urls import reverse
from django.utils.html import escape

from schedules import external_calendar
from schedules.ical_busy import CalendarReadError
from schedules.models import ExternalBusyTime, TherapistSettings
from schedules.tasks import sync_external_calendar
from tests.bookings.conftest import availability_post
from tests.factories import TherapistFactory, TherapistSettingsFactory

GOOGLE = "https://calendar.google.com/calendar/ical/ana%40example.com/private-abc123/basic.ics"
GENERIC = str(external_calendar.UNREADABLE)


def _ics(start: datetime) -> bytes:
    stamp = start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    end = (start + timedelta(hours=1)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\nUID:x\r\n"
        f"DTSTAMP:20261101T000000Z\r\nDTSTART:{stamp}\r\nDTEND:{end}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def _tomorrow() -> datetime:
    return (datetime.now(UTC) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def therapist(db):
    therapist = TherapistFactory()
    TherapistSettingsFactory(practitioner=therapist, booking_window_days=30)
    return therapist


def _linked(therapist, url: str) -> TherapistSettings:
    """An address already stored (saved before these rules, or through admin): the read must refuse it too."""
    TherapistSettings.objects.filter(pk=therapist.pk).update(external_calendar_url=url)
    return TherapistSettings.objects.get(pk=therapist.pk)


def _refusals(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "schedules.external_calendar"]


# --- every read refuses addresses on this machine -------------------------------------------

LOOPBACK_FORMS = [
    "https://127.0.0.1:{port}/cal.ics",
    "https://localhost:{port}/cal.ics",  # a name, from /etc/hosts
    "https://[::1]:{port}/cal.ics",
    "https://0x7f000001:{port}/cal.ics",  # hexadecimal
    "https://2130706433:{port}/cal.ics",  # decimal
    "https://0177.0.0.1:{port}/cal.ics",  # octal
    "https://127.1:{port}/cal.ics",
    "https://[::ffff:127.0.0.1]:{port}/cal.ics",  # IPv4-mapped IPv6
    "webcal://localhost:{port}/cal.ics",
]


@pytest.mark.parametrize("form", LOOPBACK_FORMS)
def test_a_read_never_connects_to_this_machine_whatever_the_address_looks_like(
    therapist, listener, caplog, client, form
):
    cfg = _linked(therapist, form.format(port=listener.port))
    caplog.set_level(logging.INFO)

    assert sync_external_calendar.delay(cfg.pk).get() == 0

    time.sleep(0.3)  # the counting thread accepts within 0.1 s
    assert listener.connections == 0
    (detail,) = _refusals(caplog)
    assert "resolves to" in detail and ("127.0.0.1" in detail or "::1" in detail)
    client.force_login(therapist.user)
    page = client.get(reverse("bookings:therapist_availability")).content.decode()
    assert escape(GENERIC) in page and "resolves" not in page


NON_PUBLIC = [
    ("https://169.254.169.254/latest/meta-data/", "a cloud metadata address"),
    ("https://[fd00:ec2::254]/latest/meta-data/", "a cloud metadata address"),
    ("https://[::ffff:169.254.169.254]/latest/meta-data/", "a cloud metadata address"),
    ("https://[::ffff:a9fe:a9fe]/latest/meta-data/", "a cloud metadata address"),
    ("https://[64:ff9b::a9fe:a9fe]/latest/meta-data/", "a cloud metadata address"),  # NAT64
    ("https://100.100.100.200/latest/meta-data/", "a cloud metadata address"),
    ("https://10.0.0.1/cal.ics", "non-public"),
    ("https://172.16.5.4/cal.ics", "non-public"),
    ("https://192.168.1.1/cal.ics", "non-public"),
    ("https://100.64.0.1/cal.ics", "non-public"),  # carrier-grade NAT
    ("https://[fd12:3456::1]/cal.ics", "non-public"),  # unique-local
    ("https://[2002:7f00:1::]/cal.ics", "non-public"),  # 6to4 of 127.0.0.1
    ("https://[fe80::1]/cal.ics", "link-local"),
    ("https://169.254.1.1/cal.ics", "link-local"),
    ("https://0.0.0.0/cal.ics", "unspecified"),
    ("https://[::]/cal.ics", "unspecified"),
    ("https://224.0.0.1/cal.ics", "multicast"),
    ("https://240.0.0.1/cal.ics", "reserved"),
]


@pytest.mark.parametrize(("url", "reason"), NON_PUBLIC)
def test_a_read_refuses_private_link_local_metadata_and_reserved_addresses(url, reason):
    with pytest.raises(CalendarReadError) as refused:
        external_calendar.fetch(url)
    assert "resolves to" in str(refused.value) and reason in str(refused.value)


def test_private_networks_stay_closed_for_metadata_even_when_allowed(settings):
    settings.EXTERNAL_CALENDAR_ALLOW_PRIVATE = True
    with pytest.raises(CalendarReadError, match="a cloud metadata address"):
        external_calendar.fetch("https://169.254.169.254/latest/meta-data/")
    with pytest.raises(CalendarReadError, match="link-local"):
        external_calendar.fetch("https://[fe80::1]/cal.ics")


@pytest.mark.parametrize(
    "url",
    [
        "https://calendar.google.com:6379/cal.ics",
        "https://calendar.google.com:5432/cal.ics",
        "http://calendar.google.com/",
    ],
)
def test_a_read_refuses_other_ports_and_plain_http(public_dns, url):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(url, body=_ics(_tomorrow()))
        with pytest.raises(CalendarReadError, match=r"is not allowed|is not https"):
            external_calendar.fetch(url)
        assert len(mock.calls) == 0


# --- a name that changes its answer between the check and the connect ----------------------


def test_a_name_that_rebinds_to_this_machine_after_the_check_is_refused_at_the_connect(
    public_dns, listener, caplog, therapist
):
    lookups = []

    def rebinding():
        lookups.append(1)
        return ["93.184.215.14"] if len(lookups) == 1 else ["127.0.0.1"]

    public_dns["cal.rebind.example"] = rebinding
    cfg = _linked(therapist, f"https://cal.rebind.example:{listener.port}/cal.ics")
    caplog.set_level(logging.INFO)

    assert external_calendar.sync(cfg) == 0

    time.sleep(0.3)
    assert listener.connections == 0
    assert len(lookups) == 2  # the URL's check, then the connection's own
    (detail,) = _refusals(caplog)
    assert "cal.rebind.example resolves to 127.0.0.1" in detail


# --- redirects are followed by hand, each one checked ----------------------------------------


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("https://localhost/steal", "localhost resolves to 127.0.0.1"),
        ("https://169.254.169.254/latest/meta-data/iam/", "a cloud metadata address"),
        ("https://[::ffff:10.1.2.3]/admin", "non-public"),
        ("http://calendar.google.com/plain.ics", "is not https"),
        ("https://calendar.google.com:6379/", "port 6379 is not allowed"),
    ],
)
def test_a_redirect_from_a_public_calendar_to_a_forbidden_address_is_not_followed(public_dns, target, reason):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(GOOGLE, status=302, headers={"Location": target})
        mock.get(target, body=_ics(_tomorrow()))
        with pytest.raises(CalendarReadError) as refused:
            external_calendar.fetch(GOOGLE)
        assert [c.request.url for c in mock.calls] == [GOOGLE]
    assert reason in str(refused.value)


def test_three_redirects_are_followed_and_a_fourth_is_not(public_dns):
    hops = [f"https://calendar.google.com/hop/{i}" for i in range(5)]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for here, there in itertools.pairwise(hops):
            mock.get(here, status=301, headers={"Location": there})
        mock.get(hops[-1], body=_ics(_tomorrow()))
        assert external_calendar.fetch(hops[1]).startswith(b"BEGIN:VCALENDAR")
        with pytest.raises(CalendarReadError, match="more than 3 redirects"):
            external_calendar.fetch(hops[0])


# --- one message for the therapist, whatever went wrong ------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 404},
        {"status": 500},
        {"body": b"<html>Sign in</html>"},
        {"body": requests.ConnectionError("Connection refused")},
        {"body": requests.ReadTimeout("Read timed out")},
        {"body": requests.exceptions.SSLError("certificate verify failed")},
        {"status": 302, "headers": {"Location": "https://127.0.0.1/"}},
    ],
    ids=["404", "500", "not-ical", "refused", "timeout", "tls", "redirect-inside"],
)
def test_the_therapist_sees_one_message_for_every_kind_of_failure(public_dns, therapist, client, caplog, answer):
    cfg = _linked(therapist, GOOGLE)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(GOOGLE, **answer)
        assert external_calendar.sync(cfg) == 0
    client.force_login(therapist.user)
    page = client.get(reverse("bookings:therapist_availability")).content.decode()
    status = page.split('data-testid="external-status">', 1)[1].split("</p>", 1)[0]
    assert status == f'<span class="text-danger">{escape(GENERIC)}</span>'
    assert _refusals(caplog)  # the detail went to the log


# --- the settings page checks the address when it is saved ---------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://localhost/cal.ics",
        "https://127.0.0.1/cal.ics",
        "https://[::1]/cal.ics",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00:ec2::254]/latest/meta-data/",
        "https://[::ffff:10.0.0.1]/cal.ics",
        "https://10.0.0.1/cal.ics",
        "webcal://192.168.0.10/cal.ics",
        "https://127.0.0.1:6379/",
        "https://calendar.google.com:5432/cal.ics",
        "https://nothing-here.invalid/cal.ics",
    ],
)
def test_the_page_refuses_an_address_it_may_not_read_and_saves_nothing(public_dns, client, therapist, url):
    client.force_login(therapist.user)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        response = client.post(
            reverse("bookings:therapist_availability"),
            availability_post(booking_window_days="30", external_calendar_url=url),
        )
        assert len(mock.calls) == 0
    assert response.status_code == 200
    assert escape(GENERIC) in response.content.decode()
    assert TherapistSettings.objects.get(pk=therapist.pk).external_calendar_url == ""


# --- a real HTTPS calendar server: the connection goes to the checked address, TLS names the host ---


def _serve_ics(body: bytes):
    def answer(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/calendar")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def test_a_private_calendar_server_is_read_only_when_allowed_and_tls_names_the_host(
    calendar_server, therapist, settings
):
    calendar_server.answer = _serve_ics(_ics(_tomorrow()))
    cfg = _linked(therapist, f"{calendar_server.url}/cal.ics")

    assert external_calendar.sync(cfg) == 0
    assert calendar_server.seen == []

    settings.EXTERNAL_CALENDAR_ALLOW_PRIVATE = True
    assert external_calendar.sync(cfg) == 1
    assert calendar_server.seen == [("localhost", f"localhost:{calendar_server.port}", "/cal.ics")]
    assert ExternalBusyTime.objects.filter(practitioner=therapist).count() == 1


def test_a_private_server_may_not_send_the_reader_on_to_the_metadata_service(calendar_server, settings):
    settings.EXTERNAL_CALENDAR_ALLOW_PRIVATE = True

    def answer(handler):
        handler.send_response(302)
        handler.send_header("Location", "https://169.254.169.254/latest/meta-data/")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    calendar_server.answer = answer
    with pytest.raises(CalendarReadError, match="a cloud metadata address"):
        external_calendar.fetch(f"{calendar_server.url}/cal.ics")
    assert len(calendar_server.seen) == 1


def _trickle(head: bytes, *, every: float = 0.1, for_at_most: float = 8.0):
    """Write ``head``, then one byte at a time, each well within the read timeout."""

    def answer(handler):
        handler.wfile.write(head)
        until = time.monotonic() + for_at_most
        while time.monotonic() < until:
            handler.wfile.write(b"x")
            time.sleep(every)

    return answer


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nContent-Length: 100000\r\n\r\n",  # a slow body
        b"HTTP/1.1 200 OK\r\nX-Slow: ",  # slow headers: no read ever times out
    ],
    ids=["body", "headers"],
)
def test_a_server_that_trickles_is_cut_off_at_the_deadline(calendar_server, settings, monkeypatch, head):
    settings.EXTERNAL_CALENDAR_ALLOW_PRIVATE = True
    monkeypatch.setattr(external_calendar, "DEADLINE_S", 1.0)
    calendar_server.answer = _trickle(head)
    started = time.monotonic()
    with pytest.raises(CalendarReadError, match="took longer than 1 s"):
        external_calendar.fetch(f"{calendar_server.url}/cal.ics")
    assert time.monotonic() - started < 2.5


def test_a_calendar_that_never_ends_is_cut_off_at_the_size_cap(calendar_server, settings, monkeypatch):
    settings.EXTERNAL_CALENDAR_ALLOW_PRIVATE = True
    monkeypatch.setattr(external_calendar, "MAX_BYTES", 256 * 1024)
    sent = []

    def answer(handler):
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nConnection: close\r\n\r\n")
        while sum(sent) < 64 * 1024 * 1024:
            handler.wfile.write(b"x" * 65536)
            sent.append(65536)

    calendar_server.answer = answer
    with pytest.raises(CalendarReadError, match="sent more than"):
        external_calendar.fetch(f"{calendar_server.url}/cal.ics")
    assert sum(sent) < 16 * 1024 * 1024  # it stopped reading; the server's writes stalled
