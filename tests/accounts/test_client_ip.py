"""accounts.client_ip: which address is the client's, for each number of trusted proxies.

nginx's ``proxy_add_x_forwarded_for`` appends the address it was reached from to
whatever X-Forwarded-For the client sent, so only the right-most entries (one per
proxy of ours) are true; REMOTE_ADDR is the proxy nearest to gunicorn.
"""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from accounts.client_ip import client_ip, client_user_agent

PROXY = "10.0.0.2"  # nginx, as gunicorn sees it
CLIENT = "203.0.113.5"


def _request(remote_addr: str = PROXY, forwarded_for: str | None = None, **meta):
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", REMOTE_ADDR=remote_addr, **meta)


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (1, CLIENT, CLIENT),
        (1, f"198.51.100.66, {CLIENT}", CLIENT),  # a left-most entry the client made up
        (1, f"not-an-ip, ::ffff:1.2.3.4 , {CLIENT}", CLIENT),
        (1, "2001:db8::7", "2001:db8::7"),
        (2, f"198.51.100.66, {CLIENT}, 10.0.0.9", CLIENT),  # CDN, then nginx
        (1, "", PROXY),  # no header: the request did not come through the proxy
        (2, CLIENT, PROXY),  # fewer entries than proxies: nothing in it can be trusted
        (0, CLIENT, PROXY),  # no proxy: the header is the client's own words
        (0, f"198.51.100.66, {CLIENT}", PROXY),
    ],
)
def test_it_takes_the_entry_written_by_the_outermost_trusted_proxy(settings, proxies, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = proxies

    assert client_ip(_request(forwarded_for=forwarded_for)) == expected


def test_it_uses_the_connections_address_when_there_is_no_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(_request(remote_addr=CLIENT)) == CLIENT


def test_it_answers_none_for_an_address_it_cannot_parse(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(_request(remote_addr="")) is None
    assert client_ip(_request(remote_addr="unix:/run/gunicorn.sock")) is None


def test_it_keeps_the_user_agent_to_the_columns_length():
    assert client_user_agent(_request(HTTP_USER_AGENT="M" * 400)) == "M" * 255
    assert client_user_agent(_request()) == ""
