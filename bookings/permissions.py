"""Who may see a class's roster and take attendance at its door.

Kept apart from the services and selectors so both ask the same question: the
roster page (a read) and check-in (a write) must never disagree about who is allowed.
"""

from __future__ import annotations

from accounts.models import User


def teaches(user: User, *, instructor_id: int | None) -> bool:
    """The user is the practitioner teaching it (the session's own instructor, so a substitute too)."""
    practitioner = getattr(user, "practitioner", None) if user.is_authenticated else None
    return practitioner is not None and practitioner.is_active and practitioner.pk == instructor_id


def may_take_attendance(user: User, *, instructor_id: int | None) -> bool:
    """Studio staff, or the person teaching that session; nobody else, other instructors included."""
    return user.is_authenticated and (user.is_staff or teaches(user, instructor_id=instructor_id))
