"""Writes to a person's account that other apps ask for (they never write the user row themselves)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.models import User

CHANGE_USER = "accounts.change_user"


class NotPermitted(PermissionDenied):
    """Someone else's account, without the role to change it."""


def set_notification_channels(*, user: User, actor: User | None, email: bool, sms: bool, whatsapp: bool) -> list[str]:
    """Set the channels a person gets messages on; returns the fields that changed.

    The person themself, staff whose role changes accounts, or the system (``actor=None``,
    e.g. the studio's defaults applied at sign-up). Writes only what changed.
    """
    if actor is not None and actor.pk != user.pk and not actor.has_perm(CHANGE_USER):
        raise NotPermitted(_("You may not change this person's message settings."))
    wanted = {"notify_email": email, "notify_sms": sms, "notify_whatsapp": whatsapp}
    changed = [field for field, value in wanted.items() if getattr(user, field) != value]
    for field in changed:
        setattr(user, field, wanted[field])
    if changed:
        user.save(update_fields=changed)
    return changed


def set_language(*, user: User, actor: User | None, language: str) -> bool:
    """Set the language a person's pages and messages are in; True when it changed.

    The language switcher calls it for a signed-in person, so the choice outlives the
    cookie and reaches their e-mails, SMS and WhatsApp messages. Only a language the
    studio offers (settings.LANGUAGES); the same people as above may change it.
    """
    if actor is not None and actor.pk != user.pk and not actor.has_perm(CHANGE_USER):
        raise NotPermitted(_("You may not change this person's language."))
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"{language!r} is not one of settings.LANGUAGES")
    if user.language == language:
        return False
    user.language = language
    user.save(update_fields=["language"])
    return True
