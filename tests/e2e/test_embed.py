"""The embeddable timetable inside another site's page: a plain HTML page from another origin
frames /embed/timetable/, and a visitor follows a class's link to Shala to book it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def _studio_site(embed_url: str) -> Iterator[str]:
    """A tiny web server on another port (and host name): the studio's own website."""
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Our yoga studio</title></head>'
        f'<body><h1>Welcome</h1><iframe title="Timetable" src="{embed_url}" width="1200" height="800"></iframe>'
        "</body></html>"
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}"  # localhost, not 127.0.0.1: another site
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def studio_site(live_server) -> Iterator[str]:
    yield from _studio_site(f"{live_server.url}/embed/timetable/")


def test_a_studio_site_embeds_the_timetable_and_a_visitor_follows_a_class_to_book(
    live_server, page, studio, studio_site, settings
):
    settings.EMBED_ALLOWED_SITES = [studio_site]
    session = studio.featured
    page.goto(studio_site)

    frame = page.frame_locator("iframe")
    expect(frame.get_by_test_id("session").first).to_be_visible()
    frame.get_by_role("link", name="Next week").click()  # the week links stay in the frame
    card_link = frame.locator(f'a[href="{session.get_absolute_url()}"]')
    expect(card_link).to_be_visible()
    assert page.context.cookies(live_server.url) == []  # the frame needed and set no cookie

    with page.expect_popup() as opened:
        card_link.click()
    shala = opened.value
    shala.wait_for_load_state()
    assert shala.url == f"{live_server.url}{session.get_absolute_url()}"
    expect(shala.get_by_role("heading", level=1)).to_have_text("Vinyasa Flow")
    shala.get_by_role("link", name="Log in to book").click()
    expect(shala).to_have_url(f"{live_server.url}/accounts/login/?next={session.get_absolute_url()}")


def test_a_site_that_is_not_configured_cannot_frame_it(live_server, page, studio, studio_site, settings):
    settings.EMBED_ALLOWED_SITES = ["https://only-this.example.com"]
    page.goto(studio_site)
    page.wait_for_timeout(500)
    assert page.frame_locator("iframe").get_by_test_id("session").count() == 0


def test_the_embed_and_token_pages_pass_axe_and_the_html_checker(live_server, page, studio, client):
    from accounts.models import User
    from tests.e2e.checks import assert_accessible, assert_valid_html

    page.goto(f"{live_server.url}/embed/timetable/")
    assert_accessible(page)
    ana = User.objects.create_user(email="ana.tokens@example.com", password="x" * 12)
    client.force_login(ana)
    assert_valid_html(
        {
            "/embed/timetable/": client.get("/embed/timetable/").content.decode(),
            "/accounts/api-tokens/": client.post("/accounts/api-tokens/", {"name": "app"}).content.decode(),
        }
    )
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/accounts/api-tokens/")
    page.get_by_label("Name").fill("calendar")
    page.get_by_role("button", name="Make a token").click()
    assert_accessible(page)
