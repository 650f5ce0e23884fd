"""Lifting log-in lock-outs when the account's owner proves who they are."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from axes.utils import reset as reset_axes_attempts
from django.http import HttpRequest

from accounts.models import User


def unlock_after_password_reset(sender, request: HttpRequest, user: User, **kwargs) -> None:
    """A reset password, from a link mailed to the owner, lifts the account's lock-outs.

    The lock-out page sends people to the password reset; without this, they would
    come back with their new password and still be refused for the rest of the hour.
    The wrong guesses are moot now: they were against the old password. Axes keys its
    records by the lower-cased address typed (accounts.auth.axes_username).
    """
    addresses = {
        user.email.lower(),
        *(e.lower() for e in EmailAddress.objects.filter(user=user).values_list("email", flat=True)),
    }
    for address in addresses:
        reset_axes_attempts(username=address)
