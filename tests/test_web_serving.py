"""What every page gets from the web layer: an icon, and compressed HTML."""

import gzip

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
