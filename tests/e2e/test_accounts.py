"""Signing up (with e-mail confirmation), logging out and in, in a browser."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.e2e

CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/[^/\s]+/")


def navbar(page):
    return page.locator("#mainnav")


def log_in(page, *, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def test_it_signs_up_confirms_the_email_and_logs_in(live_server, new_page):
    # A browser in New York: the account's zone must come from the browser, not the studio default.
    page = new_page(timezone_id="America/New_York")
    page.goto(f"{live_server.url}/accounts/signup/")

    page.get_by_label("Email").fill("nora@example.com")
    page.get_by_label("Your name").fill("Nora Newcomer")
    page.locator("input[name=password1]").fill("Sun-salutation-2026")
    page.locator("input[name=password2]").fill("Sun-salutation-2026")
    expect(page.locator("input[name=time_zone]")).to_have_value("America/New_York")
    page.get_by_role("button", name="Sign Up").click()

    expect(page).to_have_url(f"{live_server.url}/accounts/confirm-email/")
    expect(navbar(page).get_by_role("link", name="Log in")).to_be_visible()  # not before confirming
    [message] = [m for m in mail.outbox if "nora@example.com" in m.to]
    link = CONFIRM_LINK.search(message.body)
    assert link, message.body
    assert link.group(0).startswith(f"{live_server.url}/"), "the link must point at the site the user signed up on"
    page.goto(link.group(0))
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(f"{live_server.url}/classes/")
    expect(navbar(page).get_by_role("link", name="Nora Newcomer")).to_be_visible()
    expect(navbar(page).get_by_role("button", name="Log out")).to_be_visible()
    expect(page.locator("footer")).to_contain_text("Times are shown in America/New_York.")
    user = User.objects.get(email="nora@example.com")
    assert str(user.time_zone) == "America/New_York"
    assert user.display_name == "Nora Newcomer"
    assert EmailAddress.objects.get(user=user).verified


def test_it_logs_out_and_back_in_with_email_and_password(live_server, page):
    user = UserFactory(email="carla@example.com", display_name="Carla Client")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    page.goto(f"{live_server.url}/accounts/login/")
    log_in(page, email="carla@example.com", password=PASSWORD)
    expect(navbar(page).get_by_role("link", name="Carla Client")).to_be_visible()

    navbar(page).get_by_role("button", name="Log out").click()

    expect(navbar(page).get_by_role("link", name="Log in")).to_be_visible()
    expect(navbar(page).get_by_role("link", name="Carla Client")).to_have_count(0)

    navbar(page).get_by_role("link", name="Log in").click()
    log_in(page, email="carla@example.com", password=PASSWORD)

    expect(page).to_have_url(f"{live_server.url}/classes/")
    expect(navbar(page).get_by_role("link", name="Carla Client")).to_be_visible()
