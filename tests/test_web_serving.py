"""What every page gets from the web layer: an icon, compressed HTML, and a web server
that does not say which it is."""

import gzip
import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static

pytestmark = pytest.mark.django_db


def test_favicon_ico_sends_the_browser_to_our_svg_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == static("favicon.svg")
    assert finders.find("favicon.svg"), "static/favicon.svg is missing"


def test_every_page_links_the_icon(client):
    html = client.get("/accounts/login/").content.decode()

    assert f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">' in html


def test_a_page_asked_for_with_gzip_comes_back_gzipped(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert b"<html" in gzip.decompress(response.content)


def test_a_client_that_does_not_ask_for_gzip_gets_plain_html(client):
    response = client.get("/accounts/login/")

    assert not response.has_header("Content-Encoding")
    assert b"<html" in response.content


# --- gunicorn, as docs/deployment.md runs it ----------------------------------------------

REPO_ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _headers_from_gunicorn(tmp_path, *config: str) -> dict[str, list[str]]:
    """Start gunicorn (one worker) on a free port, ask for /favicon.ico, stop it: the headers.

    /favicon.ico is a redirect that needs no database, so the server runs on the
    environment's settings as they are.
    """
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "VAR_DIR": str(tmp_path / "var")}
    command = [str(GUNICORN), *config, "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    server = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/favicon.ico")
                response = connection.getresponse()
                break
            except ConnectionRefusedError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"gunicorn did not start: {server.stderr.read().decode()}") from None
                time.sleep(0.1)
        assert response.status == 302
        headers: dict[str, list[str]] = {}
        for name, value in response.getheaders():
            headers.setdefault(name.lower(), []).append(value)
        connection.close()
        return headers
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_gunicorn_with_our_config_sends_no_server_header(tmp_path):
    headers = _headers_from_gunicorn(tmp_path, "--config", "config/gunicorn.py")

    assert "server" not in headers, headers["server"]
    # Django's own headers still come through.
    assert headers["location"] == ["/static/favicon.svg"]
    assert "content-security-policy" in headers


def test_gunicorn_on_its_own_names_itself(tmp_path):
    """Control: what config/gunicorn.py takes away. When a gunicorn upgrade stops sending
    the header by itself, this fails, and the config's patch can go."""
    headers = _headers_from_gunicorn(tmp_path)

    assert headers["server"] == ["gunicorn"]
