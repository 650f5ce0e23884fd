"""The browser finds the site's icon: no 404 for /favicon.ico or the linked SVG."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_the_browser_gets_the_icon_and_no_404_on_a_page(live_server, page):
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    page.goto(f"{live_server.url}/accounts/login/")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    linked = page.request.get(f"{live_server.url}{icon}")
    legacy = page.goto(f"{live_server.url}/favicon.ico")  # what browsers ask for on their own

    assert linked.status == 200 and linked.headers["content-type"] == "image/svg+xml"
    assert legacy.status == 200 and legacy.headers["content-type"] == "image/svg+xml"
    assert legacy.url.endswith(icon)
    assert failed == []
