"""Staff roles against every admin model and every staff page: who may see, add and change what.

The expected table is written by hand (what a studio would decide), and the tests check
it covers every model registered in admin and every instructor/therapist page, so a new
screen cannot arrive without someone deciding who may use it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import get_resolver, reverse

from accounts import roles
from bookings import services as booking_services
from bookings.models import BookingPolicy
from schedules.models import Practitioner
from tests.bookings.conftest import at, make_therapist, upcoming_class
from tests.factories import LocationFactory, TherapyDurationFactory, TherapyTypeFactory, UserFactory

pytestmark = pytest.mark.django_db

OWN, DESK = "owner", "desk"  # the two staff roles that work in admin
BOTH = frozenset({OWN, DESK})
OWNER_ONLY = frozenset({OWN})
NOBODY: frozenset[str] = frozenset()

# model: (may view, may add, may change). Superusers may do all; instructors and
# therapists are not staff and never reach admin.
ADMIN = {
    "account.EmailAddress": (BOTH, OWNER_ONLY, OWNER_ONLY),
    "accounts.User": (BOTH, BOTH, BOTH),
    "auth.Group": (NOBODY, NOBODY, NOBODY),  # the roles are code (accounts.roles)
    "axes.AccessAttempt": (OWNER_ONLY, NOBODY, OWNER_ONLY),
    "axes.AccessFailureLog": (OWNER_ONLY, NOBODY, OWNER_ONLY),
    "axes.AccessLog": (OWNER_ONLY, NOBODY, OWNER_ONLY),
    "bookings.Booking": (BOTH, NOBODY, BOTH),  # made through the booking pages and services
    "bookings.BookingPolicy": (OWNER_ONLY, OWNER_ONLY, OWNER_ONLY),
    "bookings.PromoCode": (OWNER_ONLY, OWNER_ONLY, OWNER_ONLY),  # prices are the owner's
    "feedback.Feedback": (OWNER_ONLY, NOBODY, NOBODY),  # what clients said is kept as said
    "notifications.ChannelDefaults": (OWNER_ONLY, NOBODY, OWNER_ONLY),
    "notifications.Notification": (BOTH, NOBODY, NOBODY),
    "payments.InstructorPayRule": (OWNER_ONLY, OWNER_ONLY, OWNER_ONLY),  # what instructors earn: the owner's
    # The ledger is written by its services only (take payment / pay out refund pages):
    # no add in admin; changing means acting on a pending row (its actions).
    "payments.Payment": (BOTH, NOBODY, OWNER_ONLY),
    "payments.ProviderEvent": (OWNER_ONLY, NOBODY, NOBODY),
    "payments.Refund": (BOTH, NOBODY, BOTH),
    "privacy.AccessLogEntry": (OWNER_ONLY, NOBODY, NOBODY),  # append-only: nobody edits the log
    "privacy.ErasureRequest": (OWNER_ONLY, OWNER_ONLY, NOBODY),  # added with a reason; run by "Erase now"
    "schedules.Blackout": (OWNER_ONLY, OWNER_ONLY, OWNER_ONLY),
    "schedules.ClassSchedule": (BOTH, OWNER_ONLY, OWNER_ONLY),
    "schedules.ClassSession": (BOTH, OWNER_ONLY, OWNER_ONLY),
    "schedules.ClassType": (BOTH, OWNER_ONLY, OWNER_ONLY),
    "schedules.Location": (BOTH, OWNER_ONLY, OWNER_ONLY),
    "schedules.Occupancy": (OWNER_ONLY, NOBODY, NOBODY),
    "schedules.Practitioner": (BOTH, OWNER_ONLY, OWNER_ONLY),
    "schedules.Room": (BOTH, OWNER_ONLY, OWNER_ONLY),
    "schedules.TaxRate": (OWNER_ONLY, OWNER_ONLY, OWNER_ONLY),
    "schedules.TherapyType": (BOTH, OWNER_ONLY, OWNER_ONLY),
    "sites.Site": (OWNER_ONLY, OWNER_ONLY, OWNER_ONLY),
    "waitlist.TherapyWish": (BOTH, NOBODY, BOTH),
    "waitlist.TherapyWishOffer": (BOTH, NOBODY, OWNER_ONLY),  # withdrawing an offer
    "waitlist.WaitlistEntry": (BOTH, NOBODY, BOTH),
    "waitlist.WaitlistOffer": (BOTH, NOBODY, OWNER_ONLY),
    "waitlist.WaitlistPriority": (OWNER_ONLY, OWNER_ONLY, OWNER_ONLY),
    "waitlist.WaitlistSettings": (OWNER_ONLY, OWNER_ONLY, OWNER_ONLY),  # one row: added once
}


def staff(role_name: str, **kw):
    user = UserFactory(is_staff=True, **kw)
    user.groups.add(Group.objects.get(name=role_name))
    return user


@pytest.fixture
def people(db):
    """One user per role (practitioners are not staff), and a client."""
    location = LocationFactory()
    therapist = make_therapist(location)
    therapist.user.groups.add(Group.objects.get(name=roles.THERAPIST))
    instructor = Practitioner.objects.create(
        user=UserFactory(), public_name="Ina Structor", slug="ina", is_instructor=True
    )
    instructor.user.groups.add(Group.objects.get(name=roles.INSTRUCTOR))
    return {
        OWN: staff(roles.OWNER),
        DESK: staff(roles.FRONT_DESK),
        "instructor": instructor.user,
        "therapist": therapist.user,
        "client": UserFactory(),
        "_therapist": therapist,
        "_instructor": instructor,
        "_location": location,
    }


def test_the_table_decides_every_model_registered_in_admin():
    assert set(ADMIN) == {model._meta.label for model in admin.site._registry}


def test_the_roles_are_groups_after_migrate(db):
    assert {g.name for g in Group.objects.all()} >= {roles.OWNER, roles.FRONT_DESK, roles.INSTRUCTOR, roles.THERAPIST}
    assert not Group.objects.get(name=roles.INSTRUCTOR).permissions.exists()
    assert not Group.objects.get(name=roles.THERAPIST).permissions.exists()


def test_a_permission_added_by_hand_does_not_survive_the_next_sync(db):
    from django.contrib.auth.models import Permission

    desk = Group.objects.get(name=roles.FRONT_DESK)
    policy_change = Permission.objects.get(codename="change_bookingpolicy")
    desk.permissions.add(policy_change)
    Group.objects.get(name=roles.INSTRUCTOR).delete()
    roles.sync_roles()
    assert not desk.permissions.filter(pk=policy_change.pk).exists()
    assert Group.objects.filter(name=roles.INSTRUCTOR).exists()


@pytest.mark.parametrize("label", sorted(ADMIN))
def test_each_role_sees_adds_and_changes_only_what_the_table_says(client, people, label):
    model = next(m for m in admin.site._registry if m._meta.label == label)
    model_admin = admin.site._registry[model]
    may_view, may_add, may_change = ADMIN[label]
    changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    for role in (OWN, DESK):
        user = people[role]
        client.force_login(user)
        response = client.get(changelist)
        assert response.status_code == (200 if role in may_view else 403), (label, role)
        request = RequestFactory().get(changelist)
        request.user = user
        assert model_admin.has_add_permission(request) == (role in may_add), (label, role, "add")
        assert model_admin.has_change_permission(request) == (role in may_change), (label, role, "change")
    for role in ("instructor", "therapist", "client"):  # not staff: admin sends them to log in
        client.force_login(people[role])
        assert client.get(changelist).status_code == 302, (label, role)


def test_the_desk_cannot_change_a_policy_by_posting_to_the_admin(client, people):
    policy = BookingPolicy.objects.create(name="Workshops", late_cancel_fee=Decimal("5.00"))
    client.force_login(people[DESK])
    url = reverse("admin:bookings_bookingpolicy_change", args=[policy.pk])
    response = client.post(url, {"name": "Free for all", "late_cancel_fee": "0", "booking_opens_days": 30})
    assert response.status_code == 403
    policy.refresh_from_db()
    assert (policy.name, policy.late_cancel_fee) == ("Workshops", Decimal("5.00"))


def test_the_desk_changes_clients_but_not_staff_and_never_gives_a_role(client, people):
    desk, owner, customer = people[DESK], people[OWN], people["client"]
    client.force_login(desk)
    change_owner = reverse("admin:accounts_user_change", args=[owner.pk])
    response = client.post(change_owner, {"email": "desk-took-over@example.com"})
    assert response.status_code == 403
    owner.refresh_from_db()
    assert owner.email != "desk-took-over@example.com"

    page = client.get(reverse("admin:accounts_user_change", args=[customer.pk]))
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "email" in form.fields
    assert not {"is_staff", "is_superuser", "groups", "user_permissions"} & set(form.fields)


def test_the_owner_gives_roles_but_never_makes_a_superuser(client, people):
    client.force_login(people[OWN])
    page = client.get(reverse("admin:accounts_user_change", args=[people["client"].pk]))
    fields = set(page.context["adminform"].form.fields)
    assert {"is_staff", "groups"} <= fields
    assert not {"is_superuser", "user_permissions"} & fields


# --- the site's staff pages -----------------------------------------------------------------

STAFF_PAGES = ("therapist_", "instructor_", "desk_", "report_")


def _page_names() -> set[str]:
    """Every named staff page of the bookings app (therapists', instructors', desk, reports)
    and every page of payments (as "payments:<name>")."""
    bookings_urls = get_resolver().namespace_dict["bookings"][1]
    payments_urls = get_resolver().namespace_dict["payments"][1]
    return {name for name in bookings_urls.reverse_dict if isinstance(name, str) and name.startswith(STAFF_PAGES)} | {
        f"payments:{name}" for name in payments_urls.reverse_dict if isinstance(name, str)
    }


@pytest.fixture
def pages(people):
    """A GET address for every therapist and instructor page, with objects of that person."""
    therapist, instructor = people["_therapist"], people["_instructor"]
    kind = TherapyTypeFactory(therapists=[therapist])
    TherapyDurationFactory(therapy_type=kind, minutes=60, price=Decimal("50.00"))
    therapy = booking_services.book_therapy(
        client=people["client"], therapy_type=kind, minutes=60, practitioner=therapist, starts_at=at(10)
    )
    session = upcoming_class(instructor=instructor)
    booking = booking_services.book_class(client=people["client"], session_id=session.pk, quantity=1)
    ref = [therapy.reference]
    return {
        "therapist_calendar": reverse("bookings:therapist_calendar"),
        "therapist_availability": reverse("bookings:therapist_availability"),
        "therapist_add_override": reverse("bookings:therapist_add_override"),
        "therapist_requests": reverse("bookings:therapist_requests"),
        "therapist_sessions": reverse("bookings:therapist_sessions"),
        "therapist_session": reverse("bookings:therapist_session", args=ref),
        "instructor_classes": reverse("bookings:instructor_classes"),
        "instructor_roster": reverse("bookings:instructor_roster", args=[session.pk]),
        # POST-only pages: a GET is refused (405) for all, and their POSTs are checked by
        # the services (tests/bookings/test_therapist_pages.py, test_instructor_pages.py).
        "therapist_remove_override": None,
        "therapist_approve": None,
        "therapist_decline": None,
        "therapist_propose": None,
        "therapist_mark": None,
        "therapist_cancel": None,
        "instructor_check_in": reverse("bookings:instructor_check_in", args=[session.pk, booking.pk]),
        "desk_today": reverse("bookings:desk_today"),
        "desk_book_class": reverse("bookings:desk_book_class", args=[session.pk]),
        "desk_add_guest": None,  # POST only: tests/bookings/test_desk.py
        # The client's receipt (their own booking); the desk's take-payment page for it.
        "payments:receipt": reverse("payments:receipt", args=[booking.reference]),
        "payments:desk_take_payment": reverse("payments:desk_take_payment", args=[booking.pk]),
        "desk_book_therapy": reverse("bookings:desk_book_therapy"),
        "report_occupancy": reverse("bookings:report_occupancy"),
        "report_clients": reverse("bookings:report_clients"),
        "report_therapists": reverse("bookings:report_therapists"),
        "payments:report_money": reverse("payments:report_money"),
        "payments:report_pay": reverse("payments:report_pay"),
        # Paying online: the client's own booking's pages and Stripe's webhook, whose owner
        # checks and signatures are tested in tests/payments (test_checkout, test_webhooks).
        "payments:pay_now": None,
        "payments:return": None,
        "payments:cancelled": None,
        "payments:stripe_webhook": None,
    }


# page: the roles that get it (200); everyone else is refused (403/404) or, logged out,
# sent to log in. Staff read a class's roster (they may see bookings) but the therapist's
# pages are the therapist's own: notes and intake answers never reach the desk.
SITE = {
    "therapist_calendar": {"therapist"},
    "therapist_availability": {"therapist"},
    "therapist_add_override": set(),  # POST only
    "therapist_requests": {"therapist"},
    "therapist_sessions": {"therapist"},
    "therapist_session": {"therapist"},
    "instructor_classes": {"instructor"},
    "instructor_roster": {"instructor", OWN, DESK},
    "instructor_check_in": set(),  # POST only
    "desk_today": {OWN, DESK},
    "desk_book_class": {OWN, DESK},
    # A receipt is its client's, and readable by staff who read payments; anyone else: 404.
    "payments:receipt": {"client", OWN, DESK},
    # Taking money needs payments.add_payment (owner, desk); instructors see the due, not the button.
    "payments:desk_take_payment": {OWN, DESK},
    "desk_book_therapy": {OWN, DESK},
    "report_occupancy": {OWN},
    "report_clients": {OWN},
    "report_therapists": {OWN},
    "payments:report_money": {OWN},
    "payments:report_pay": {OWN},
}


def test_the_table_decides_every_staff_page(pages):
    assert set(pages) == _page_names()


@pytest.mark.parametrize("name", sorted(SITE))
def test_each_role_gets_only_its_staff_pages(client, people, pages, name):
    url = pages[name]
    for role in (OWN, DESK, "instructor", "therapist", "client"):
        client.force_login(people[role])
        status = client.get(url).status_code
        if name in SITE and role in SITE[name]:
            assert status == 200, (name, role)
        else:
            assert status in (403, 404, 405), (name, role, status)
    client.logout()
    assert client.get(url).status_code in (302, 405), name


# The feedback app's pages (the client's own form is tested in tests/feedback): a
# practitioner reads their own, the owner the averages; never the desk.
FEEDBACK_SITE = {"mine": {"instructor", "therapist"}, "report": {OWN}}


def test_the_table_decides_every_feedback_page():
    names = get_resolver().namespace_dict["feedback"][1].reverse_dict
    assert {n for n in names if isinstance(n, str)} == {*FEEDBACK_SITE, "give"}


@pytest.mark.parametrize("name", sorted(FEEDBACK_SITE))
def test_each_role_gets_only_its_feedback_pages(client, people, name):
    url = reverse(f"feedback:{name}")
    for role in (OWN, DESK, "instructor", "therapist", "client"):
        client.force_login(people[role])
        status = client.get(url).status_code
        assert status == (200 if role in FEEDBACK_SITE[name] else 403), (name, role, status)
    client.logout()
    assert client.get(url).status_code == 302


# --- the privacy pages ----------------------------------------------------------------------


def test_only_the_owner_reads_a_clients_therapy_record(client, people):
    """Intake answers and notes: the owner, after giving a reason; never the desk or instructors."""
    url = reverse("privacy:client_record", args=[people["client"].pk])
    for role in (OWN, DESK, "instructor", "therapist", "client"):
        client.force_login(people[role])
        assert client.get(url).status_code == (200 if role == OWN else 403), role
    client.logout()
    assert client.get(url).status_code == 302


def test_every_privacy_page_is_decided_here():
    privacy_urls = get_resolver().namespace_dict["privacy"][1]
    names = {n for n in privacy_urls.reverse_dict if isinstance(n, str)}
    assert names == PRIVACY_PAGES


# The client's own pages (any signed-in person, about themselves) and the owner's record page.
PRIVACY_PAGES = {"my_data", "request_export", "download_export", "request_erasure", "cancel_erasure", "client_record"}
