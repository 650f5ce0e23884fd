"""factory_boy factories: a test builds exactly the rows it needs, by name."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import factory
import recurrence
from django.utils import timezone

from accounts.models import User
from schedules.models import (
    AvailabilityOverride,
    AvailabilityRule,
    Blackout,
    ClassSchedule,
    ClassSession,
    ClassType,
    Location,
    Practitioner,
    Room,
    TherapistSettings,
    TherapyDuration,
    TherapyType,
)

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    display_name = factory.Faker("name")
    time_zone = "Europe/Madrid"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Studio {n}")
    slug = factory.Sequence(lambda n: f"studio-{n}")
    time_zone = "Europe/Madrid"


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    location = factory.SubFactory(LocationFactory)
    name = factory.Sequence(lambda n: f"Room {n}")
    capacity = 20


class PractitionerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practitioner

    user = factory.SubFactory(UserFactory)
    public_name = factory.Faker("name")
    slug = factory.Sequence(lambda n: f"teacher-{n}")
    is_instructor = True
    bio = "Teaches with care."


class ClassTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClassType

    title = factory.Sequence(lambda n: f"Flow {n}")
    slug = factory.Sequence(lambda n: f"flow-{n}")
    duration_minutes = 60
    capacity = 10
    price = Decimal("12.00")


def weekly(*days: recurrence.Weekday, interval: int = 1, exdates=(), rdates=()) -> recurrence.Recurrence:
    return recurrence.Recurrence(
        rrules=[recurrence.Rule(recurrence.WEEKLY, interval=interval, byday=list(days))],
        exdates=list(exdates),
        rdates=list(rdates),
    )


class ClassScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClassSchedule

    class_type = factory.SubFactory(ClassTypeFactory)
    location = factory.SubFactory(LocationFactory)
    room = factory.SubFactory(RoomFactory, location=factory.SelfAttribute("..location"))
    instructor = factory.SubFactory(PractitionerFactory)
    recurrence = factory.LazyFunction(lambda: weekly(recurrence.MO))
    start_time = time(7, 0)
    valid_from = date(2026, 1, 5)


class ClassSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClassSession

    class_type = factory.SubFactory(ClassTypeFactory)
    location = factory.SubFactory(LocationFactory)
    room = factory.SubFactory(RoomFactory, location=factory.SelfAttribute("..location"))
    instructor = factory.SubFactory(PractitionerFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0) + timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(minutes=60))
    capacity = 10
    price = Decimal("12.00")


class BlackoutFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Blackout

    scope = "studio"
    kind = "holiday"


# --- therapy -------------------------------------------------------------------------------


class TherapistFactory(PractitionerFactory):
    slug = factory.Sequence(lambda n: f"therapist-{n}")
    is_instructor = False
    is_therapist = True


class TherapyTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TherapyType
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Massage {n}")
    slug = factory.Sequence(lambda n: f"massage-{n}")
    currency = "EUR"

    @factory.post_generation
    def therapists(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.therapists.set(extracted)

    @factory.post_generation
    def rooms(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.rooms.set(extracted)


class TherapyDurationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TherapyDuration

    therapy_type = factory.SubFactory(TherapyTypeFactory)
    minutes = 60
    price = Decimal("60.00")


class TherapistSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TherapistSettings
        django_get_or_create = ["practitioner"]

    practitioner = factory.SubFactory(TherapistFactory)
    time_zone = "Europe/Madrid"
    buffer_before_minutes = 0
    buffer_after_minutes = 0
    min_notice_hours = 0
    booking_window_days = 365
    slot_step_minutes = 30


class AvailabilityRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityRule

    practitioner = factory.SubFactory(TherapistFactory)
    weekday = 0
    start_time = time(9, 0)
    end_time = time(17, 0)
    location = factory.SubFactory(LocationFactory)


class AvailabilityOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityOverride

    practitioner = factory.SubFactory(TherapistFactory)
    kind = "blocked"
    starts_at = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0) + timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=8))


def staff_with(*perms: str, **fields) -> User:
    """A staff member whose role grants exactly ``perms`` ("app_label.codename"), nothing else."""
    from django.contrib.auth.models import Permission

    user = UserFactory(is_staff=True, **fields)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return User.objects.get(pk=user.pk)  # a fresh object: no stale permission cache
