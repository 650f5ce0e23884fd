"""Staff roles: Django groups whose permissions are defined here and kept in step after every migrate.

A studio gives its people a role, not a superuser account: the owner or manager runs
everything; the front desk books, takes payments at the desk and checks clients in, but
never touches policies, prices or settings; instructors and therapists work from their
own pages, where the object rules of ``bookings.permissions`` let them see their own
classes and sessions only (so their groups grant nothing in admin).

The groups are rewritten from this table after every ``migrate`` (and every test flush),
so a new model's permissions reach the owner at once and a permission added by hand in
admin does not survive: the table is the one place a role is decided. Group permissions
exist only after each app's ``post_migrate`` created them, which is why this is a
``post_migrate`` handler and not a data migration (on a fresh database a migration would
find no permissions to grant).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS

OWNER = "Owner / manager"
FRONT_DESK = "Front desk"
INSTRUCTOR = "Instructor"
THERAPIST = "Therapist"

# The owner's apps: everything a studio keeps in Shala. Not django.contrib.auth: the
# groups are this table, not something to edit in admin.
OWNER_APPS = frozenset(
    {
        "accounts",
        "account",
        "axes",
        "sites",
        "schedules",
        "bookings",
        "waitlist",
        "notifications",
        "payments",
        "feedback",
        "privacy",
    }
)

# The desk's work: bookings and clients, payments and refunds at the desk, the waitlist,
# reading the timetable and the outbox. No policies, prices, class types, rooms, studio
# settings, or the bookings export (every client's contact details in one file).
FRONT_DESK_PERMISSIONS = frozenset(
    {
        "bookings.view_booking",
        "bookings.add_booking",
        "bookings.change_booking",
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "account.view_emailaddress",
        "payments.view_payment",
        "payments.add_payment",
        "payments.view_refund",
        "payments.add_refund",
        "payments.change_refund",  # paying out a refund owed at the desk
        "waitlist.view_waitlistentry",
        "waitlist.change_waitlistentry",
        "waitlist.view_waitlistoffer",
        "waitlist.view_therapywish",
        "waitlist.change_therapywish",
        "waitlist.view_therapywishoffer",
        "schedules.view_classsession",
        "schedules.view_classschedule",
        "schedules.view_classtype",
        "schedules.view_location",
        "schedules.view_room",
        "schedules.view_practitioner",
        "schedules.view_therapytype",
        "notifications.view_notification",
    }
)


@dataclass(frozen=True)
class Role:
    name: str
    apps: frozenset[str] = frozenset()  # every permission of these apps
    permissions: frozenset[str] = frozenset()  # and these, as "app_label.codename"

    def grants(self, app_label: str, codename: str) -> bool:
        return app_label in self.apps or f"{app_label}.{codename}" in self.permissions


ROLES = (
    Role(OWNER, apps=OWNER_APPS),
    Role(FRONT_DESK, permissions=FRONT_DESK_PERMISSIONS),
    Role(INSTRUCTOR),
    Role(THERAPIST),
)

# Who may give people roles and staff access in admin (the owner; never the desk, who
# could otherwise make themselves owner). A custom permission of accounts.User.
ASSIGN_ROLES = "accounts.assign_roles"


def sync_roles(*, apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create the role groups and set each one's permissions to exactly what the table says."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(Permission.objects.using(using).select_related("content_type"))
    for role in ROLES:
        group, _ = Group.objects.using(using).get_or_create(name=role.name)
        group.permissions.set([p for p in permissions if role.grants(p.content_type.app_label, p.codename)])


def sync_roles_after_migrate(
    sender, app_config=None, using: str = DEFAULT_DB_ALIAS, apps=global_apps, **kwargs
) -> None:
    """Once per migrate (or flush): after the last app's permissions were created."""
    configs = [c for c in global_apps.get_app_configs() if c.models_module is not None]
    if configs and sender is configs[-1]:
        sync_roles(apps=apps, using=using)
