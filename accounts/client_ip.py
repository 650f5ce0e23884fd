"""Who is on the other end: the client's address and browser, behind the proxies we trust.

Behind nginx every request comes from the proxy's address (REMOTE_ADDR); the client's
is in ``X-Forwarded-For``, which each proxy extends with the address it was reached
from. Only the entries our own proxies wrote can be believed: anything to their left
was sent by the client and may be made up. So with ``TRUSTED_PROXY_COUNT = n`` the
client is the n-th entry from the right, and with 0 the header is ignored.

One answer for everything that keys on the client: django-axes' lock-outs
(``AXES_CLIENT_IP_CALLABLE``), allauth's rate limits (``accounts.adapter``) and the
address and browser that booking events record (``bookings.services.RequestMeta``).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address, or None when the request carries no usable one."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        # django-ipware counts the proxies *inside* the header (the last proxy is
        # REMOTE_ADDR, not in it), hence n - 1. Not strict: entries the client
        # prepended, well-formed or not, sit left of the one we take and do not matter.
        ip, _routable = get_client_ip(
            request,
            proxy_order="left-most",
            proxy_count=proxies - 1,
            request_header_order=(FORWARDED_FOR,),
            strict=False,
        )
        if ip:
            return ip
        # No header, or fewer entries than proxies: the request did not come through
        # them (a health check on the host itself); the connection's address is the truth.
    return _address(request.META.get("REMOTE_ADDR"))


def client_user_agent(request: HttpRequest) -> str:
    """The browser's User-Agent, cut to what the audit columns keep.

    Control characters go: the header is the client's to write, and PostgreSQL refuses
    a NUL in text (a DataError, so the booking it was recorded with would fail).
    """
    value = request.META.get("HTTP_USER_AGENT", "")
    return "".join(ch for ch in value if ch.isprintable())[:255]


def _address(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None
