"""The custom user. Profile fields live on the user row itself.

Display name, phone, time zone and language are read on nearly every request (the
time zone by the middleware), so they sit on the user row: one load, no join and
no companion row to keep in step. The profile page edits exactly these fields.
"""

from __future__ import annotations

import zoneinfo
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from timezone_field import TimeZoneField


class UserManager(BaseUserManager["User"]):
    """Users log in with their e-mail address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


def language_choices() -> list[tuple[str, str]]:
    """settings.LANGUAGES, read when the choices are: a new language needs no migration."""
    return list(settings.LANGUAGES)


class User(AbstractUser):
    username = None  # type: ignore[assignment]  # no username: users log in by e-mail
    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(
        _("display name"),
        max_length=120,
        blank=True,
        help_text=_("How the studio and other people see your name."),
    )
    phone = PhoneNumberField(_("phone"), blank=True)
    time_zone = TimeZoneField(
        _("time zone"),
        default=settings.DEFAULT_VIEWER_TIME_ZONE,
        help_text=_("Times on every page and in every message are shown in this zone."),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=language_choices,
        default=settings.LANGUAGE_CODE,
        help_text=_("Pages and messages are in this language."),
    )

    notify_email = models.BooleanField(_("messages by e-mail"), default=True)
    notify_sms = models.BooleanField(_("messages by SMS"), default=False)
    notify_whatsapp = models.BooleanField(_("messages by WhatsApp"), default=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    # Ours replaces AbstractUser's (it creates users by e-mail, with no username); django-stubs
    # types AbstractUser.objects as auth's UserManager, which ours cannot subclass.
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]  # see the comment above

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        # accounts.roles: giving people a role or staff access is the owner's, not the desk's.
        permissions = [
            ("assign_roles", _("Can give staff access and roles")),
            # The studio's figures (occupancy, clients, money): the owner's, not the desk's.
            ("view_reports", _("Can read the studio's reports")),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name to show: display name, else full name, else the e-mail's local part."""
        return self.display_name or self.get_full_name() or self.email.split("@")[0]

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return (
            self.time_zone if isinstance(self.time_zone, zoneinfo.ZoneInfo) else zoneinfo.ZoneInfo(str(self.time_zone))
        )
