"""The unread count for the navbar bell (one query, logged-in users only)."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from notifications import selectors


def unread(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: pages that do not show the navbar (admin) do not pay for it.
    return {"unread_messages": SimpleLazyObject(lambda: selectors.unread_count(user=user))}
