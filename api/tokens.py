"""Services of API tokens: create, revoke, and find the one a request presents.

A token is shown once, when it is made; the database keeps its SHA-256 only.
Ownership is part of every write: a client revokes only their own tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from api.models import ApiToken

TOKEN_PREFIX = "shala_"
MAX_ACTIVE_TOKENS = 10
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class TokenError(Exception):
    """A token action that cannot be done; str() is the message for the client."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``: the row, and the token itself (shown once, never stored)."""
    name = name.strip()[:80]
    if not name:
        raise TokenError(_("Give the token a name."))
    if ApiToken.objects.filter(user=user, revoked_at=None).count() >= MAX_ACTIVE_TOKENS:
        raise TokenError(_("You have %(n)d active tokens; revoke one first.") % {"n": MAX_ACTIVE_TOKENS})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user, name=name, prefix=token[: len(TOKEN_PREFIX) + 6], key_hash=hash_token(token)
    )
    return row, token


def revoke_token(*, user: User, token_id: int) -> bool:
    """Revoke one of the user's own active tokens; another's, or a revoked one: False, nothing changed."""
    return bool(ApiToken.objects.filter(pk=token_id, user=user, revoked_at=None).update(revoked_at=timezone.now()))


def active_tokens(*, user: User) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user, revoked_at=None).order_by("-created_at", "-pk"))


def token_owner(token: str) -> ApiToken | None:
    """The active token row for a presented token (with its user), else None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    row = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(token), revoked_at=None, user__is_active=True)
        .first()
    )
    if row is not None:
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
            row.last_used_at = now
    return row
