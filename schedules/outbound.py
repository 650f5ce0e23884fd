"""GETs of addresses that users type (a therapist's calendar): the public internet only.

Our servers fetch the address, so without a guard it reaches whatever they reach:
Redis, PostgreSQL, the cloud's metadata service, the office router. Every request here

- is ``https://`` on an allowed port (``Policy.ports``, 443 unless configured);
- goes only to public addresses: the host is resolved with ``getaddrinfo`` (which also
  reads ``0x7f000001``, ``2130706433`` and ``0177.1`` as the loopback address they are)
  and *every* address it answers must be global unicast. IPv6 forms that carry an IPv4
  address (``::ffff:a.b.c.d``, NAT64, 6to4) are judged by that address; cloud metadata
  addresses are refused even where private networks are allowed;
- is checked where the socket is opened: the connection class below resolves, checks
  and connects to the address it checked, so a name that answers a public address to a
  first look and a private one to the connect (DNS rebinding) gets nowhere, while TLS
  still names the host (SNI, certificate check, ``Host`` header). The same check of
  the URL before each request (and each redirect) gives the log a clear reason;
- follows redirects by hand, at most ``Policy.max_redirects``, each one checked again;
- reads at most ``Policy.max_bytes`` within a deadline: connect and each read have
  their timeouts, and a watchdog shuts the socket when the whole exchange runs past
  ``Policy.deadline`` (a server that trickles a byte a second never times a read out).

Proxy settings from the environment are ignored (``trust_env`` off): the check has to
see the address that is connected to. This is what the unmaintained ``advocate``
library did (a connection class that validates in ``_new_conn``), kept small.
"""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPSConnection
from urllib3.connectionpool import HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

# Cloud metadata and host services. Most are link-local or private anyway; these are
# refused even when private networks are allowed, and two of them look public.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean…
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud (``ipaddress`` calls it global)
        "168.63.129.16",  # Azure host services (a public address)
    )
)
# What EXTERNAL_CALENDAR_ALLOW_PRIVATE opens: the LAN, loopback, carrier-grade NAT and
# unique-local IPv6. Never link-local (metadata lives there), multicast or reserved.
PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "::1/128", "fc00::/7")
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")

CHUNK = 64 * 1024
MAX_ADDRESSES_TRIED = 2


class OutboundError(Exception):
    """The address could not be read. str() is the detail for the log, never for the user."""


class Refused(OutboundError):
    """The address may not be fetched at all (scheme, port, a non-public address).

    Not an OSError on purpose: raised inside urllib3's connect, it passes through
    urllib3 and requests unwrapped instead of becoming a retried "connection error".
    """


@dataclass(frozen=True)
class Policy:
    """What one kind of outbound request may do."""

    ports: frozenset[int] = frozenset({443})
    allow_private: bool = False
    max_bytes: int = 5 * 1024 * 1024
    connect_timeout: float = 3.0
    read_timeout: float = 5.0
    deadline: float = 15.0
    max_redirects: int = 3
    ca_bundle: str = ""  # empty: certifi's bundle, as requests uses by default
    headers: dict[str, str] = field(default_factory=dict)


# --- the address rules -------------------------------------------------------------------


def _carried_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form stands for (mapped, NAT64, 6to4), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def refusal(address: str, *, allow_private: bool = False) -> str | None:
    """Why we must not connect to ``address`` (a resolved IP), or None when we may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone id (fe80::1%eth0) says nothing
    if isinstance(ip, ipaddress.IPv6Address):
        ip = _carried_ipv4(ip) or ip
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if ip.is_unspecified or ip.is_multicast or ip.is_link_local or ip.is_reserved:
        return "an unspecified, multicast, link-local or reserved address"
    if ip.is_global:
        return None
    if allow_private and any(ip in net for net in PRIVATE_NETWORKS):
        return None
    return "a private, loopback or otherwise non-public address"


def resolve(host: str, port: int, *, allow_private: bool = False) -> list[tuple]:
    """getaddrinfo for a TCP connection, refused unless every answer is allowed.

    All of them: a name answering one public and one private address must not get a
    chance to have us pick the private one.
    """
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"{host} does not resolve ({exc})") from None
    if not answers:
        raise Refused(f"{host} does not resolve")
    for *_, sockaddr in answers:
        reason = refusal(str(sockaddr[0]), allow_private=allow_private)  # the address, for TCP
        if reason:
            raise Refused(f"{host} resolves to {sockaddr[0]}, {reason}")
    return answers


def check_url(url: str, *, policy: Policy) -> None:
    """Refuse ``url`` unless it is https on an allowed port and its host resolves to allowed addresses.

    Parsed with urllib3's parser, the one that decides where requests connects.
    """
    try:
        parts = urllib3.util.parse_url(url)
    except urllib3.exceptions.LocationParseError:
        raise Refused("not a URL") from None
    if parts.scheme != "https":
        raise Refused(f"scheme {parts.scheme!r} is not https")
    if not parts.host:
        raise Refused("no host")
    port = parts.port or 443
    if port not in policy.ports:
        raise Refused(f"port {port} is not allowed")
    resolve(parts.host.strip("[]"), port, allow_private=policy.allow_private)


# --- the connection that checks what it connects to -------------------------------------


@dataclass
class _Exchange:
    """One get(): its policy, and the connections the watchdog cuts when the deadline passes."""

    policy: Policy
    connections: list[HTTPSConnection] = field(default_factory=list)
    expired: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            for connection in self.connections:
                _cut(connection.sock)

    def opened(self, connection: HTTPSConnection, sock: socket.socket) -> None:
        with self.lock:
            self.connections.append(connection)
            if self.expired:
                _cut(sock)


def _cut(sock: socket.socket | None) -> None:
    """Shut the socket under a blocked read so that the read returns.

    The plain socket's shutdown, also for a TLS socket (whose own would drop its TLS
    state under the reading thread's feet); a socket closed meanwhile has no descriptor
    left and only raises OSError.
    """
    if sock is not None:
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


_exchange: contextvars.ContextVar[_Exchange | None] = contextvars.ContextVar("outbound_exchange", default=None)


class CheckedHTTPSConnection(HTTPSConnection):
    """urllib3's HTTPS connection, but it resolves, checks and connects itself.

    Everything after the TCP connect (TLS with SNI and certificate check for
    ``self.host``, the request) is urllib3's own.
    """

    def _new_conn(self) -> socket.socket:
        exchange = _exchange.get()
        if exchange is None:  # used outside get(): fail closed
            raise Refused("outbound connection outside a checked request")
        answers = resolve(self._dns_host, self.port, allow_private=exchange.policy.allow_private)
        error: OSError | None = None
        for family, kind, proto, _, sockaddr in answers[:MAX_ADDRESSES_TRIED]:
            sock = socket.socket(family, kind, proto)
            try:
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                if isinstance(self.timeout, int | float):
                    sock.settimeout(self.timeout)
                sock.connect(sockaddr)
            except OSError as exc:
                sock.close()
                error = exc
                continue
            exchange.opened(self, sock)
            return sock
        if isinstance(error, TimeoutError):
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out.") from error
        raise NewConnectionError(self, f"Failed to establish a new connection: {error}") from error


class CheckedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = CheckedHTTPSConnection


class CheckedAdapter(HTTPAdapter):
    """An HTTPS-only adapter whose connections check their address; never through a proxy."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"https": CheckedHTTPSConnectionPool}

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        raise Refused("outbound requests do not go through proxies")


def _session(policy: Policy) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxies, no .netrc, no CA bundle from the environment
    session.adapters.clear()  # http:// has no adapter at all
    session.mount("https://", CheckedAdapter())
    session.verify = policy.ca_bundle or True
    session.headers.update(policy.headers)
    return session


@contextlib.contextmanager
def _watched(policy: Policy) -> Iterator[_Exchange]:
    exchange = _Exchange(policy)
    token = _exchange.set(exchange)
    watchdog = threading.Timer(policy.deadline, exchange.expire)
    watchdog.daemon = True
    watchdog.start()
    try:
        yield exchange
    finally:
        watchdog.cancel()
        _exchange.reset(token)


def _host(url: str) -> str:
    """The host alone, for log lines: the rest of a calendar address is its secret."""
    try:
        return urllib3.util.parse_url(url).host or "?"
    except urllib3.exceptions.LocationParseError:
        return "?"


def get(url: str, *, policy: Policy) -> bytes:
    """The body of a 200 answer to GET ``url``, within the policy; OutboundError otherwise."""
    with _watched(policy) as exchange, _session(policy) as session:
        try:
            body = _follow(session, url, policy=policy)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            if not exchange.expired:
                raise OutboundError(f"{_host(url)}: {exc.__class__.__name__}: {exc}") from None
        except OutboundError:
            if not exchange.expired:
                raise
        # A socket the watchdog shut reads as an early end: never take that for the whole calendar.
        if exchange.expired:
            raise OutboundError(f"{_host(url)} took longer than {policy.deadline:g} s") from None
        return body


def _follow(session: requests.Session, url: str, *, policy: Policy) -> bytes:
    for _hop in range(policy.max_redirects + 1):
        check_url(url, policy=policy)
        response = session.get(
            url, stream=True, allow_redirects=False, timeout=(policy.connect_timeout, policy.read_timeout)
        )
        with response:
            if response.is_redirect:
                url = urljoin(response.url, response.headers["location"])
                continue
            if response.status_code != 200:
                raise OutboundError(f"{_host(url)} answered {response.status_code}")
            return _read(response, policy=policy, host=_host(url))
    raise OutboundError(f"{_host(url)}: more than {policy.max_redirects} redirects")


def _read(response: requests.Response, *, policy: Policy, host: str) -> bytes:
    """Read the body a chunk at a time (read1: whatever arrived), stopping at the size cap."""
    chunks: list[bytes] = []
    size = 0
    while chunk := response.raw.read1(CHUNK, decode_content=True):
        size += len(chunk)
        if size > policy.max_bytes:
            raise OutboundError(f"{host} sent more than {policy.max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
