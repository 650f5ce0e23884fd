"""Two people race for the last spot through a real HTTP server, as users would."""

from __future__ import annotations

import http.client
import re
import threading
import urllib.parse
from http.cookies import SimpleCookie

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore

from bookings.models import Booking
from schedules.models import ClassSession
from tests.bookings.conftest import upcoming_class
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Browser:
    """A logged-in HTTP client that keeps its own cookies and follows redirects itself.

    Deliberately not Django's test client: requests go through the live server's
    socket, one thread each, like two people in two browsers.
    """

    def __init__(self, base_url: str, user) -> None:
        self.base = urllib.parse.urlparse(base_url)
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        self.cookies = {settings.SESSION_COOKIE_NAME: store.session_key}

    def _request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, dict, str]:
        conn = http.client.HTTPConnection(self.base.hostname, self.base.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.base.netloc}{path}"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                cookie = SimpleCookie(value)
                self.cookies.update({k: m.value for k, m in cookie.items()})
        text = response.read().decode()
        conn.close()
        return response.status, dict(response.getheaders()), text

    def get(self, path: str) -> str:
        status, headers, text = self._request("GET", path)
        return self.get(headers["Location"]) if status in (301, 302) else text

    def post(self, path: str, data: dict) -> str:
        status, headers, text = self._request("POST", path, urllib.parse.urlencode(data).encode())
        return self.get(headers["Location"]) if status in (301, 302) else text


def test_two_users_racing_for_the_last_spot_one_wins_the_other_is_told(live_server):
    session = upcoming_class(capacity=1)
    browsers = [Browser(live_server.url, UserFactory()) for _ in range(2)]
    forms = []
    for b in browsers:
        page = b.get(session.get_absolute_url())
        forms.append(
            {
                "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1),
                "token": re.search(r'name="token" value="(\w+)"', page).group(1),
                "quantity": "1",
            }
        )
    barrier = threading.Barrier(2)
    pages: list[str] = []

    def submit(browser, form):
        barrier.wait()
        pages.append(browser.post(f"/classes/{session.pk}/book/", form))

    threads = [threading.Thread(target=submit, args=pair) for pair in zip(browsers, forms, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert len(pages) == 2
    assert sum("booked!" in p for p in pages) == 1
    assert sum("just filled up" in p for p in pages) == 1
    assert Booking.objects.count() == 1 and ClassSession.objects.get(pk=session.pk).spots_taken == 1
