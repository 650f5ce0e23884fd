"""Who may act on the waitlist: the services ask here, whoever calls them (page, admin, task).

Staff act through their role's permission, never through ``is_staff`` alone; ``actor=None``
is the system (beat tasks, a release's promotion).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import User
from waitlist.errors import NotPermitted

MANAGE_QUEUE = "waitlist.change_waitlistentry"
MANAGE_WISHES = "waitlist.change_therapywish"


def check_manages_queue(actor: User) -> None:
    """Staff reorder and remove entries through their role's permission."""
    if not actor.has_perm(MANAGE_QUEUE):
        raise NotPermitted(_("Your role does not allow changing waitlists."))


def check_answers_for(actor: User | None, client_id: int, *, permission: str, refusal: str) -> None:
    """A place in a queue (or its offer) is answered by its own client, staff holding
    ``permission``, or the system; anyone else gets NotPermitted(``refusal``), nothing changed."""
    if actor is not None and actor.pk != client_id and not actor.has_perm(permission):
        raise NotPermitted(refusal)
