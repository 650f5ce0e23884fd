"""Who may change the timetable: the permission every timetable action checks first."""

from __future__ import annotations

from django.utils.translation import gettext as _

from schedules.services.errors import NotPermitted

CHANGE_SCHEDULE = "schedules.change_classschedule"
DELETE_SCHEDULE = "schedules.delete_classschedule"
CHANGE_SESSION = "schedules.change_classsession"


def check_permitted(actor, perm: str) -> None:
    """``actor=None`` is the system (beat tasks); a person needs the permission of their role.

    ``is_staff`` alone opens the admin and grants nothing: the permission is checked here
    as well as in the admin, so no path can skip it.
    """
    if actor is not None and not actor.has_perm(perm):
        raise NotPermitted(_("Your role does not allow this change to the timetable."))
