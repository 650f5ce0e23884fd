"""Who may do what to a booking: one answer for the services, the pages and the admin.

Kept apart from the services and selectors so every path asks the same question: the
roster page (a read) and check-in (a write) must never disagree about who is allowed,
and an admin action and the service it calls must not either.

Staff act through the permissions of their role (Django groups or user permissions,
superusers have all): ``is_staff`` only opens the admin, it grants nothing by itself.
Clients act on their own bookings, therapists on their own sessions, instructors at
the door of their own classes.
"""

from __future__ import annotations

from accounts.models import User

VIEW = "bookings.view_booking"
CHANGE = "bookings.change_booking"
ADD = "bookings.add_booking"  # book for a client: phone bookings and walk-ins at the desk
EXPORT = "bookings.export_booking"  # a CSV carries every client's e-mail and phone: a deliberate grant


def manages_bookings(user: User) -> bool:
    """Staff whose role lets them change bookings (cancel, confirm, mark, move, check in)."""
    return user.is_authenticated and user.has_perm(CHANGE)


def sees_bookings(user: User) -> bool:
    """Staff whose role lets them read bookings (view, or change which implies it)."""
    return user.is_authenticated and (user.has_perm(VIEW) or user.has_perm(CHANGE))


def may_book_for_clients(user: User) -> bool:
    """Staff whose role books for clients (the desk, the owner), with a reason past the rules."""
    return user.is_authenticated and user.has_perm(ADD)


def may_read_reports(user: User) -> bool:
    """The studio's figures (occupancy, clients, money) are the owner's and managers' (accounts.roles)."""
    return user.is_authenticated and user.has_perm("accounts.view_reports")


def may_export(user: User) -> bool:
    """Reading bookings is not enough to take them all home: export is its own permission."""
    return sees_bookings(user) and user.has_perm(EXPORT)


def owns(user: User, booking) -> bool:
    return user.is_authenticated and booking.client_id == user.pk


def is_therapist_of(user: User, booking) -> bool:
    """The practitioner the therapy session is with."""
    practitioner = getattr(user, "practitioner", None) if user.is_authenticated else None
    return practitioner is not None and booking.practitioner_id == practitioner.pk


def may_cancel(user: User, booking) -> bool:
    """The client (their own booking), its therapist (their own session), or staff who manage bookings."""
    return owns(user, booking) or is_therapist_of(user, booking) or manages_bookings(user)


def may_change(user: User, booking) -> bool:
    """Move to another date or change the spots: the client, or staff who manage bookings."""
    return owns(user, booking) or manages_bookings(user)


def may_set_status(user: User, booking) -> bool:
    """Confirm, complete, no-show: staff who manage bookings, or the therapist for their own session.

    Never the client: nobody marks their own attendance.
    """
    return is_therapist_of(user, booking) or manages_bookings(user)


# The queues whose staff withdraw the offers they made: a class hold is a waitlist
# offer's booking, a therapy hold a therapy wish offer's.
MANAGE_WAITLIST = "waitlist.change_waitlistentry"
MANAGE_WISHES = "waitlist.change_therapywish"


def may_answer_hold(user: User, booking, *, confirming: bool) -> bool:
    """The one owner rule of a hold (bookings.services.holds), for class spots and therapy time.

    Its client, or staff who manage bookings, may confirm it or give it back; staff who
    manage the queue that offered it may also give it back (withdrawing the offer), not
    book it for the client. ``actor=None`` (the system) is the caller's to allow.
    """
    if owns(user, booking) or manages_bookings(user):
        return True
    queue = MANAGE_WAITLIST if booking.class_session_id else MANAGE_WISHES
    return not confirming and user.is_authenticated and user.has_perm(queue)


def teaches(user: User, *, instructor_id: int | None) -> bool:
    """The user is the practitioner teaching it (the session's own instructor, so a substitute too)."""
    practitioner = getattr(user, "practitioner", None) if user.is_authenticated else None
    return practitioner is not None and practitioner.is_active and practitioner.pk == instructor_id


def may_see_roster(user: User, *, instructor_id: int | None) -> bool:
    """Staff who may read bookings, or the person teaching that session; nobody else."""
    return user.is_authenticated and (teaches(user, instructor_id=instructor_id) or sees_bookings(user))


def may_take_attendance(user: User, *, instructor_id: int | None) -> bool:
    """Staff who manage bookings, or the person teaching that session; nobody else, other instructors included."""
    return user.is_authenticated and (teaches(user, instructor_id=instructor_id) or manages_bookings(user))
