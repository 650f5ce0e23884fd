"""Section "login": log-ins per second through gunicorn with the production hashers.

A class launch is many clients logging in at once, and a log-in's cost is its password
hash (by design). Two servers run side by side on the benchmark database, each gunicorn
(gthread, 4 workers x 2 threads), and the same asyncio clients (tests/bench/http_load.py)
POST allauth's log-in form to them in alternating rounds, so a busier or quieter machine
weighs on both alike:

- after: today's settings (Argon2id at OWASP's cost first, one backend that hashes once
  per attempt);
- before: tests/bench/login_before_settings.py, the hashers and backends before
  issue 13 (PBKDF2 first, ModelBackend and allauth's backend both hashing on failure).

Each server's clients have passwords hashed by that server's preferred hasher, so
nothing is re-hashed during the run. Every request comes "through the proxy" with its
own X-Forwarded-For address (TRUSTED_PROXY_COUNT=1), as 200 clients at a class launch
would, so no per-address limit or lock-out interferes. Half the attempts use the right
password (302), half a wrong one (200 with the form error).
"""

from __future__ import annotations

import secrets
import urllib.parse

from tests.bench import http_load, server
from tests.bench.measure import bench_redis_url, free_port, log, percentile

CLIENTS = 8
USERS = 40  # per server
ROUNDS = 3
ATTEMPTS_PER_ROUND = 24  # per server and kind (right / wrong password)
PASSWORD = "bench-launch-password-2026"
VARIANTS = {
    "after": "config.settings",
    "before": "tests.bench.login_before_settings",
}
HASHERS = {
    "after": "accounts.hashers.Argon2idHasher",
    "before": "django.contrib.auth.hashers.PBKDF2PasswordHasher",
}


def _seed() -> dict[str, list[str]]:
    """Verified clients for each server, their password hashed by its preferred hasher."""
    from allauth.account.models import EmailAddress
    from django.utils.module_loading import import_string

    from accounts.models import User

    emails: dict[str, list[str]] = {}
    for variant, hasher_path in HASHERS.items():
        hasher = import_string(hasher_path)()
        encoded = hasher.encode(PASSWORD, hasher.salt())  # one hash for all: seeding stays quick
        users = User.objects.bulk_create(
            [User(email=f"{variant}{i}@bench.example", password=encoded) for i in range(USERS)]
        )
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users]
        )
        emails[variant] = [u.email for u in users]
    return emails


class _Addresses:
    """A new client address for every request: 10.x.y.z, never twice."""

    def __init__(self) -> None:
        self.n = 0

    def next(self) -> str:
        self.n += 1
        return f"10.{(self.n >> 16) & 255}.{(self.n >> 8) & 255}.{self.n & 255}"


def _login_request(host: str, email: str, password: str, address: str) -> bytes:
    csrf = secrets.token_hex(16)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, "login": email, "password": password})
    return http_load.request(
        "POST",
        "/accounts/login/",
        host=host,
        cookies={"csrftoken": csrf},
        body=body,
        headers={"X-Forwarded-For": address},
    )


def _figures(results: list[http_load.Result], expected_status: int) -> dict:
    latencies = [ms for r in results for ms in r.latencies_ms]
    elapsed = sum(r.elapsed_s for r in results)
    for r in results:
        if set(r.statuses) != {expected_status} or r.errors:
            raise RuntimeError(f"expected only {expected_status}: {r.statuses}, connection errors: {r.errors}")
    return {
        "per_s": round(len(latencies) / elapsed, 2),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
    }


def run(db) -> dict:
    import redis

    log("login: seeding clients (one hash per server)")
    emails = _seed()
    redis_url = bench_redis_url()
    addresses = _Addresses()
    servers = {}
    try:
        for variant, settings_module in VARIANTS.items():
            port = free_port()
            log(f"login: starting the {variant!r} gunicorn on 127.0.0.1:{port} ({settings_module})")
            env = {
                "DJANGO_SETTINGS_MODULE": settings_module,
                "DATABASE_URL": db.url,
                "REDIS_URL": redis_url,
                "CELERY_BROKER_URL": redis_url,
                "CACHE_KEY_PREFIX": f"shala-bench-login-{variant}",
                "TRUSTED_PROXY_COUNT": "1",
                "DEBUG": "false",
                "LOG_LEVEL": "WARNING",  # axes still logs each failed attempt (on stderr)
                "DB_CONN_MAX_AGE": "600",
            }
            servers[variant] = (port, server.start_gunicorn(port, env, workers=4, threads=2))

        results: dict[str, dict[str, list[http_load.Result]]] = {v: {"ok": [], "failed": []} for v in VARIANTS}
        cpu = {v: {"ok": 0.0, "failed": 0.0} for v in VARIANTS}  # server CPU seconds per kind
        for round_no in range(ROUNDS):
            for variant, (port, proc) in servers.items():
                host = f"127.0.0.1:{port}"
                users = emails[variant]
                for kind, password in (("ok", PASSWORD), ("failed", "wrong-" + PASSWORD)):
                    log(f"login: round {round_no + 1}/{ROUNDS}, {variant}, {kind}")
                    batch = [
                        _login_request(host, users[i % USERS], password, addresses.next())
                        for i in range(ATTEMPTS_PER_ROUND)
                    ]
                    cpu_before = server.cpu_seconds(proc)
                    results[variant][kind].append(
                        http_load.run("127.0.0.1", port, http_load.split_round_robin(batch, CLIENTS))
                    )
                    cpu[variant][kind] += server.cpu_seconds(proc) - cpu_before
    finally:
        for _port, proc in servers.values():
            server.stop(proc)
        client = redis.Redis.from_url(redis_url)
        for variant in VARIANTS:
            keys = list(client.scan_iter(match=f"shala-bench-login-{variant}:*", count=1000))
            if keys:
                client.delete(*keys)

    attempts = ROUNDS * ATTEMPTS_PER_ROUND
    figures: dict = {"clients": CLIENTS, "attempts_per_kind": attempts}
    for variant in VARIANTS:
        ok = _figures(results[variant]["ok"], 302)
        failed = _figures(results[variant]["failed"], 200)
        figures |= {
            f"{variant}_logins_per_s": ok["per_s"],
            f"{variant}_p50_ms": ok["p50_ms"],
            f"{variant}_p99_ms": ok["p99_ms"],
            f"{variant}_failed_per_s": failed["per_s"],
            f"{variant}_failed_p50_ms": failed["p50_ms"],
            f"{variant}_cpu_ms_per_login": round(1000 * cpu[variant]["ok"] / attempts, 1),
            f"{variant}_cpu_ms_per_failed": round(1000 * cpu[variant]["failed"] / attempts, 1),
        }
    figures["logins_speedup"] = round(figures["after_logins_per_s"] / figures["before_logins_per_s"], 2)
    figures["failed_speedup"] = round(figures["after_failed_per_s"] / figures["before_failed_per_s"], 2)
    return figures
