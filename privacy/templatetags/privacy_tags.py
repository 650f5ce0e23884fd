"""The profile's "who looked at my data" box (the profile lives in accounts, which imports no app)."""

from __future__ import annotations

from django import template

from privacy import selectors

register = template.Library()

SHOWN_ON_PROFILE = 5


@register.inclusion_tag("privacy/_access_box.html")
def access_box(user) -> dict:
    return {"accesses": list(selectors.accesses_of(user)[:SHOWN_ON_PROFILE])}
