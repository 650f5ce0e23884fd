"""Losing Redis logs nobody out and loses no booking; /readyz says it is gone, /healthz stays up.

Each test starts a Redis of its own (tests.redis_server) and points the project's
cache settings (the real backend class and options, only the address changed) at
it, then stops or freezes that Redis in the middle of a logged-in visit.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from bookings.models import Booking
from config.celery import app
from notifications.models import Notification, OutboxStatus
from tests.bookings.conftest import upcoming_class
from tests.celery_broker import broker_at
from tests.factories import PASSWORD, UserFactory
from tests.redis_server import RedisServer

# The breaker's pause in these tests (RETRY_AFTER in production: CACHE_RETRY_AFTER, 5 s).
RETRY_AFTER = 0.3
SESSION_KEYS = "*django.contrib.sessions.cached_db*"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def _point_cache_at(server: RedisServer, settings, retry_after: float):
    """The project's cache, as settings.py configures it for REDIS_URL, on the test's own Redis."""
    default = django_settings.CACHES["default"]
    if "redis" not in default["BACKEND"].lower():
        pytest.fail("REDIS_URL must name the Redis this suite runs against (settings then configure a Redis cache)")
    options = dict(default.get("OPTIONS", {}))
    if "RETRY_AFTER" in options:
        options["RETRY_AFTER"] = retry_after
    settings.CACHES = {"default": {**default, "LOCATION": server.url(), "OPTIONS": options}}
    return caches["default"]


@pytest.fixture
def own_cache(redis_server, settings):
    return _point_cache_at(redis_server, settings, RETRY_AFTER)


def _member():
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _log_in(client: Client, user) -> None:
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]


def _user_id(response) -> str | None:
    user = response.wsgi_request.user
    return str(user.pk) if user.is_authenticated else None


def _book(client: Client, session) -> object:
    return client.post(reverse("bookings:book_class", args=[session.pk]), {"quantity": 1, "token": uuid.uuid4().hex})


def _readyz(client: Client) -> tuple[int, dict]:
    response = client.get("/readyz")
    return response.status_code, json.loads(response.content)


def _wait_out_the_breaker() -> None:
    time.sleep(RETRY_AFTER + 0.1)


def test_a_logged_in_client_carries_on_while_redis_is_down_and_after_it_returns(own_cache, redis_server):
    member = _member()
    session = upcoming_class(days=3)
    browser = Client()
    _log_in(browser, member)
    assert redis_server.client().keys(SESSION_KEYS), "the session should be cached in this Redis"
    assert browser.get(reverse("schedules:timetable")).status_code == 200
    assert _readyz(browser)[0] == 200

    redis_server.stop()

    for url in (reverse("bookings:mine"), reverse("accounts:profile"), reverse("notifications:inbox")):
        response = browser.get(url)
        assert (url, response.status_code, _user_id(response)) == (url, 200, str(member.pk))
    assert browser.get(reverse("schedules:timetable")).status_code == 200
    assert browser.get(reverse("schedules:session", args=[session.pk])).status_code == 200

    response = _book(browser, session)
    assert response.status_code == 302, response.content[:500]
    booking = Booking.objects.get(client=member, class_session=session)
    assert browser.get(reverse("bookings:detail", args=[booking.reference])).status_code == 200

    # Someone else logs in (allauth's rate limits and axes run without the cache).
    other, second_browser = _member(), Client()
    _log_in(second_browser, other)
    assert _user_id(second_browser.get(reverse("bookings:mine"))) == str(other.pk)
    # A wrong password is still a form error, not a 500.
    wrong = Client().post(reverse("account_login"), {"login": other.email, "password": "not-it"})
    assert wrong.status_code == 200

    assert browser.get("/healthz").status_code == 200
    status, report = _readyz(browser)
    assert (status, report["down"]) == (503, ["cache"])
    assert report["checks"]["cache"]["this_process"]["failed_calls"] >= 1

    redis_server.start()  # back, empty
    _wait_out_the_breaker()

    status, report = _readyz(browser)
    assert (status, report["down"]) == (200, [])
    for client, user in ((browser, member), (second_browser, other)):
        response = client.get(reverse("bookings:mine"))
        assert (response.status_code, _user_id(response)) == (200, str(user.pk))
    assert booking.reference.encode() in browser.get(reverse("bookings:mine")).content
    assert redis_server.client().keys(SESSION_KEYS), "sessions are cached again"


def test_a_hung_redis_costs_a_request_one_socket_timeout_at_most(redis_server, settings):
    _point_cache_at(redis_server, settings, retry_after=5.0)  # as in production
    member = _member()
    browser = Client()
    _log_in(browser, member)
    with redis_server.frozen():  # connections open, nothing answers
        started = time.monotonic()
        response = browser.get(reverse("bookings:mine"))
        first = time.monotonic() - started
        assert (response.status_code, _user_id(response)) == (200, str(member.pk))
        started = time.monotonic()
        for _ in range(5):
            assert browser.get(reverse("schedules:timetable")).status_code == 200
        five_more = time.monotonic() - started
    timeout = django_settings.CACHES["default"]["OPTIONS"]["socket_timeout"]
    # The first request waits for one timeout; the breaker spares those that follow.
    assert first < timeout + 1.0, first
    assert five_more < 1.0, five_more
    print(f"hung Redis: first request {first:.2f} s, five more {five_more:.2f} s")


def test_a_log_out_during_the_outage_is_not_undone_by_the_old_cache_entry(own_cache, redis_server):
    member = _member()
    browser = Client()
    _log_in(browser, member)
    # The same session cookie in a second place (another tab, or a copied cookie).
    elsewhere = Client()
    elsewhere.cookies = browser.cookies
    cookie = browser.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert _user_id(elsewhere.get(reverse("bookings:mine"))) == str(member.pk)

    with redis_server.frozen():  # Redis keeps the cached session, but nobody can reach it
        response = browser.post(reverse("account_logout"))
        assert response.status_code == 302
        assert not Session.objects.filter(session_key=cookie).exists()
    assert redis_server.client().keys(SESSION_KEYS), "the old entry is still in Redis"
    _wait_out_the_breaker()

    # The old cookie, presented again once Redis answers: logged out.
    elsewhere.cookies[django_settings.SESSION_COOKIE_NAME] = cookie
    response = elsewhere.get(reverse("bookings:mine"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert _readyz(elsewhere)[0] == 200


def test_the_timetable_shows_a_booking_made_during_the_outage_once_redis_returns(own_cache, redis_server):
    member = _member()
    session = upcoming_class(days=3, capacity=10)
    browser = Client()
    _log_in(browser, member)
    week = {"week": session.starts_at.date().isoformat()}
    assert b"10 spots left" in browser.get(reverse("schedules:timetable"), week).content  # now cached

    with redis_server.frozen():
        assert _book(browser, session).status_code == 302
    _wait_out_the_breaker()

    page = browser.get(reverse("schedules:timetable"), week).content
    assert b"9 spots left" in page and b"10 spots left" not in page


def test_a_session_is_trusted_from_the_cache_for_minutes_only(own_cache, redis_server):
    browser = Client()
    _log_in(browser, _member())
    client = redis_server.client()
    (key,) = client.keys(SESSION_KEYS)
    assert 0 < client.ttl(key) <= django_settings.SESSION_CACHE_TIMEOUT <= 600


@pytest.fixture
def own_broker(redis_server, settings):
    """Celery publishing for real (not eagerly) to the test's own Redis, as REDIS_URL would make it."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    with broker_at(redis_server.url(1)):
        yield
    app.conf.task_always_eager = True


def test_bookings_commit_and_answer_promptly_with_redis_hung_as_cache_and_broker(own_broker, redis_server, settings):
    _point_cache_at(redis_server, settings, retry_after=5.0)  # as in production
    member = _member()
    first_class, second_class = upcoming_class(days=3), upcoming_class(days=4)
    browser = Client()
    _log_in(browser, member)
    with redis_server.frozen():
        started = time.monotonic()
        assert _book(browser, first_class).status_code == 302
        first = time.monotonic() - started
        started = time.monotonic()
        assert _book(browser, second_class).status_code == 302
        second = time.monotonic() - started
        status, report = _readyz(browser)
    assert Booking.objects.filter(client=member).count() == 2
    # Each booking's confirmation and instructor notice wait in the outbox for the sweep.
    assert Notification.objects.filter(channel="email", status=OutboxStatus.PENDING).count() == 4
    # One cache timeout and one publish timeout (with Celery's retries) at most, then neither.
    budget = django_settings.CACHES["default"]["OPTIONS"]["socket_timeout"] + 3 * django_settings.BROKER_SOCKET_TIMEOUT
    assert first < budget, first
    assert second < 1.0, second
    assert (status, sorted(report["down"])) == (503, ["broker", "cache"])
    print(f"hung cache and broker: first booking {first:.2f} s, second {second:.2f} s")
