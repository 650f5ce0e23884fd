"""Reads about people that other apps' staff pages need (the desk's client search)."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from accounts.models import User

SEARCH_LIMIT = 20


def search_clients(query: str, *, limit: int = SEARCH_LIMIT) -> QuerySet[User]:
    """Active people whose name, e-mail or phone matches ``query`` (at least two characters).

    Digits match the phone whatever the spacing ("612 34 56" finds "+34612345678").
    """
    query = query.strip()
    if len(query) < 2:
        return User.objects.none()
    match = Q(display_name__icontains=query) | Q(first_name__icontains=query) | Q(last_name__icontains=query)
    match |= Q(email__icontains=query)
    digits = re.sub(r"\D", "", query)
    if len(digits) >= 3:
        match |= Q(phone__contains=digits)
    return User.objects.filter(match, is_active=True).order_by("display_name", "email")[:limit]
