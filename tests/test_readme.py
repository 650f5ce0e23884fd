"""The README's demo log-ins are the seeded ones, and each of them logs in."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from schedules.demo import DEMO_PASSWORD

README = Path(__file__).resolve().parents[1] / "README.md"
DEMO_EMAIL = re.compile(r"[\w.+-]+@shala\.example")


def _login_table() -> list[str]:
    """The e-mails in the README's log-in table (the first table, under `make run`)."""
    lines = README.read_text().splitlines()
    start = lines.index("| e-mail | who |")
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.extend(DEMO_EMAIL.findall(line.split("|")[1]))
    return rows


def test_the_readme_names_the_demo_password():
    assert f"password is `{DEMO_PASSWORD}`" in README.read_text()


@pytest.mark.django_db
def test_every_seeded_demo_account_is_in_the_readme_and_logs_in():
    call_command("seed_demo", stdout=io.StringIO())
    listed = _login_table()
    seeded = set(User.objects.filter(email__endswith="@shala.example").values_list("email", flat=True))

    assert sorted(listed) == sorted(seeded)
    for email in listed:
        client = Client()
        response = client.post(reverse("account_login"), {"login": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, f"{email} cannot log in"
        assert client.session["_auth_user_id"] == str(User.objects.get(email=email).pk)


def test_the_readme_points_only_inside_the_repository():
    text = README.read_text()

    assert "../shared" not in text
    for target in re.findall(r"\]\(((?:docs/)[^)#]+)\)", text):
        assert (README.parent / target).exists(), f"README links to a missing {target}"
