"""A small asyncio HTTP/1.1 load generator: N clients, keep-alive, latency per request.

Written for `make bench` so the booking benchmark and its one-query baseline are
measured by the same client the same way, with nothing to install.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field


@dataclass
class Result:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    locations: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    errors: int = 0


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    if length:
        await reader.readexactly(length)
    return status, headers


async def _client(host: str, port: int, requests: list[bytes], result: Result) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for raw in requests:
            start = time.perf_counter()
            try:
                writer.write(raw)
                status, headers = await _read_response(reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                result.errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            result.latencies_ms.append((time.perf_counter() - start) * 1000)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if "location" in headers:
                result.locations.append(headers["location"])
            if headers.get("connection", "").lower() == "close":
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


def run(host: str, port: int, per_client: list[list[bytes]]) -> Result:
    """Send each client's requests in order over one connection, all clients at once."""
    result = Result()

    async def main() -> None:
        start = time.perf_counter()
        await asyncio.gather(*(_client(host, port, reqs, result) for reqs in per_client))
        result.elapsed_s = time.perf_counter() - start

    asyncio.run(main())
    return result


def request(
    method: str,
    path: str,
    *,
    host: str,
    cookies: dict[str, str] | None = None,
    body: str = "",
    headers: dict[str, str] | None = None,
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    if method == "POST":
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body.encode())}"]
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def split_round_robin(items: list, clients: int) -> list[list]:
    return [items[i::clients] for i in range(clients)]
