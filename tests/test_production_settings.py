"""config.settings as production starts it, each case in a fresh Python process.

The settings are read once, at import, from the environment: a new process per case is
the only honest way to see what an operator's environment gives. The environment is the
one docs/deployment.md describes (DEBUG off, SECURE_SSL on, a long random SECRET_KEY...).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DEV_SECRET_KEY = "dev-insecure-shala-key-change-me-0123456789abcdef"

SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name, None) for name in (
    "DEBUG", "SECRET_KEY", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
)} | {"img-src": getattr(s, "CONTENT_SECURITY_POLICY", {}).get("DIRECTIVES", {}).get("img-src")}))
"""


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """docs/deployment.md's .env, on this machine's database and Redis."""
    env = {
        key: value
        for key, value in os.environ.items()
        # Nothing of the test run's own settings: a production process has none of them
        # (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for the live server's threads).
        if key not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG", "SECURE_SSL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        and not key.startswith("SECURE_")
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "book.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://book.example.com",
        "SITE_URL": "https://book.example.com",
        "SECURE_SSL": "true",
        "STATIC_MANIFEST": "true",
        "SERVE_MEDIA": "false",
        "VAR_DIR": str(tmp_path / "var"),
    }
    return env | overrides


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def settings_of(env: dict[str, str]) -> dict:
    done = run(env, "-c", SHOW_SETTINGS)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- SECRET_KEY ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["", "   ", DEV_SECRET_KEY], ids=["unset", "blank", "the-public-dev-key"])
def test_with_debug_off_it_refuses_to_start_without_a_secret_key(tmp_path, key):
    # Set even when "unset": an empty variable also wins over a developer's .env.
    done = run(production_env(tmp_path, SECRET_KEY=key), "manage.py", "check")

    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert "SECRET_KEY is not set (or is the public development key) and DEBUG is off: refusing to start" in done.stderr
    assert "DEBUG=true for local development" in done.stderr


def test_with_debug_off_and_a_key_it_starts_and_signs_with_that_key(tmp_path):
    key = secrets.token_urlsafe(50)

    seen = settings_of(production_env(tmp_path, SECRET_KEY=key))

    assert (seen["DEBUG"], seen["SECRET_KEY"]) == (False, key)


def test_with_debug_on_and_no_key_the_development_key_stands_in(tmp_path):
    seen = settings_of(production_env(tmp_path, SECRET_KEY="", DEBUG="true"))

    assert (seen["DEBUG"], seen["SECRET_KEY"]) == (True, DEV_SECRET_KEY)


# --- HSTS and the deployment checks ----------------------------------------------------------


def test_behind_https_hsts_lasts_a_year_covers_subdomains_and_allows_preloading(tmp_path):
    seen = settings_of(production_env(tmp_path))

    assert seen["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert seen["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert seen["SECURE_HSTS_PRELOAD"] is True


def test_hsts_preload_and_subdomains_can_be_turned_off(tmp_path):
    env = production_env(
        tmp_path, SECURE_HSTS_PRELOAD="false", SECURE_HSTS_INCLUDE_SUBDOMAINS="false", SECURE_HSTS_SECONDS="600"
    )

    seen = settings_of(env)

    assert (seen["SECURE_HSTS_SECONDS"], seen["SECURE_HSTS_INCLUDE_SUBDOMAINS"], seen["SECURE_HSTS_PRELOAD"]) == (
        600,
        False,
        False,
    )


def test_check_deploy_passes_at_warning_level_with_the_production_settings(tmp_path):
    done = run(production_env(tmp_path), "manage.py", "check", "--deploy", "--fail-level", "WARNING")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_check_deploy_fails_when_hsts_preload_is_turned_off(tmp_path):
    # The check really looks: the same run with one setting changed names it.
    done = run(
        production_env(tmp_path, SECURE_HSTS_PRELOAD="false"),
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )

    assert done.returncode != 0
    assert "security.W021" in done.stderr


def test_uploaded_photos_on_another_host_are_allowed_as_images(tmp_path):
    seen = settings_of(production_env(tmp_path, MEDIA_URL="https://media.example.net/shala/"))

    assert seen["img-src"] == ["'self'", "data:", "https://media.example.net"]
