"""Clients the desk adds for a phone booking or a walk-in: a name and an e-mail or phone, no password.

A guest is an ordinary user with an unusable password: they can be booked at once, and
the invitation lets them set a password later (allauth's reset key, so the link expires
and works once, as a reset does). Reaching the link proves the address, so setting the
password verifies it (``verify_after_reset``) and the first log-in needs no second mail.
A guest known only by phone gets an address under ``GUEST_DOMAIN`` (the ``.invalid``
top-level domain, which never delivers) and no e-mails: the e-mail is the log-in and
must be unique, and the desk can add the real one when the client gives it.
"""

from __future__ import annotations

import secrets

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import NotPermitted

ADD_USER = "accounts.add_user"
GUEST_DOMAIN = "guest.invalid"


class GuestError(ValueError):
    """The details cannot make a guest (the message says why)."""


def is_placeholder(email: str) -> bool:
    return email.lower().endswith("@" + GUEST_DOMAIN)


@transaction.atomic
def create_guest(*, actor: User, name: str, email: str = "", phone: str = "") -> User:
    """A client with a name and an e-mail or a phone (both is fine), for staff whose role adds people.

    ``phone`` is already normalised (the form's PhoneNumberField). An e-mail that
    belongs to someone is refused: that person is found by the search, not duplicated.
    """
    if not actor.has_perm(ADD_USER):
        raise NotPermitted(_("Your role does not add clients."))
    name, email = name.strip(), email.strip().lower()
    if not name:
        raise GuestError(_("Give the client's name."))
    if not email and not phone:
        raise GuestError(_("Give an e-mail address or a phone number, so the studio can reach them."))
    if email and (
        User.objects.filter(email__iexact=email).exists() or EmailAddress.objects.filter(email__iexact=email).exists()
    ):
        raise GuestError(_("Someone already has this e-mail address: search for them instead."))
    user = User.objects.create_user(
        email=email or f"guest-{secrets.token_hex(8)}@{GUEST_DOMAIN}",
        display_name=name[:120],
        phone=phone,
        notify_email=bool(email),
        notify_sms=bool(phone) and not email,
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    if email:
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    return user


def invite(request: HttpRequest, user: User) -> bool:
    """E-mail a guest a link to set their password; False when they have no real address."""
    if is_placeholder(user.email) or user.has_usable_password():
        return False
    token = allauth_settings.PASSWORD_RESET_TOKEN_GENERATOR().make_token(user)
    adapter = get_adapter(request)
    url = adapter.get_reset_password_from_key_url(f"{user_pk_to_url_str(user)}-{token}")
    adapter.send_mail("account/email/invitation", user.email, {"user": user, "invitation_url": url, "request": request})
    return True


def verify_after_reset(sender, request, user: User, **kwargs) -> None:
    """allauth's ``password_reset`` signal: the link reached the account's one address, so it is proven.

    Only when the account has exactly that one address: with several, the reset mail went
    to one of them and which one is not known here.
    """
    addresses = list(EmailAddress.objects.filter(user=user))
    if len(addresses) == 1 and addresses[0].email.lower() == user.email.lower() and not addresses[0].verified:
        EmailAddress.objects.filter(pk=addresses[0].pk).update(verified=True)
