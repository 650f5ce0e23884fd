"""The one authentication backend that checks passwords, on the site's and the admin's log-in.

Django's ModelBackend and allauth's AuthenticationBackend used to be listed side by side.
Both find our users by e-mail (USERNAME_FIELD; the admin form sends it as ``username``),
and both hash the typed password when they fail, so every failed log-in cost two hashes:
twice the CPU for an attacker to burn, and for 200 clients logging in at a class launch.

This backend is allauth's (the e-mail lookup, the "account inactive" page, one dummy hash
for an unknown address so it takes as long as a known one) with two changes:

- when it says no, the attempt ends there (``PermissionDenied``, which Django's
  ``authenticate()`` takes as "stop trying other backends"), so the backends listed after it
  only serve sessions logged in before it existed;
- an address stored with capitals (``createsuperuser`` keeps the local part as typed) is
  found too: allauth compares lower-cased addresses and ModelBackend exact ones.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts.models import User


class EmailBackend(AuthenticationBackend):
    def authenticate(self, request: HttpRequest | None, **credentials) -> AbstractBaseUser | None:
        if not credentials.get("password"):
            return None  # not a password log-in: let another backend answer
        user = super().authenticate(request, **credentials)
        if user is None:
            raise PermissionDenied  # one hash was spent; no second backend spends another
        return user

    def _authenticate_by_email(self, email: str, password: str) -> AbstractBaseUser | None:
        user = super()._authenticate_by_email(email, password)
        if user is None and not self._did_check_password and email:
            # allauth found nobody under the lower-cased address: try the address as stored.
            return self._check_password(User.objects.filter(email__iexact=email.strip()).first(), password)
        return user
