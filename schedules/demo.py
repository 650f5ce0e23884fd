"""Demo timetable: locations, rooms, people, class types and a week of classes.

Idempotent: every row is looked up by its natural key first. Called by seed_demo.
"""

from datetime import time, timedelta
from decimal import Decimal

import recurrence
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts import roles
from accounts.models import User
from schedules import services
from schedules.models import (
    ApprovalMode,
    AvailabilityRule,
    ClassSchedule,
    ClassType,
    Level,
    Location,
    Practitioner,
    Room,
    TherapistSettings,
    TherapyDuration,
    TherapyType,
)

DEMO_PASSWORD = "shala-demo-2026"

PEOPLE = [
    # email, display name, staff role (accounts.roles), practitioner (slug, instructor,
    # therapist, bio, qualifications); practitioners get the instructor or therapist role.
    ("staff@shala.example", "Sofía Staff", roles.OWNER, None),
    ("desk@shala.example", "Diego Desk", roles.FRONT_DESK, None),
    (
        "ana@shala.example",
        "Ana Instructor",
        None,
        (
            "ana-garcia",
            True,
            False,
            "Ana has taught vinyasa and hatha yoga for twelve years, with a soft spot for beginners.",
            "RYT-500 Yoga Alliance\nPrenatal yoga certificate",
        ),
    ),
    (
        "leo@shala.example",
        "Leo Teacher",
        None,
        (
            "leo-martin",
            True,
            False,
            "Leo's classes are strong and playful: ashtanga, power yoga and arm balances.",
            "RYT-200\nAshtanga authorised level 1",
        ),
    ),
    (
        "marta@shala.example",
        "Marta Therapist",
        None,
        (
            "marta-ruiz",
            True,
            True,
            "Physiotherapist and yin teacher: massage, osteopathy and slow, deep yin classes.",
            "Physiotherapy degree (UCM)\nOsteopathy D.O.\nYin yoga 100 h",
        ),
    ),
    (
        "noor@shala.example",
        "Noor Therapist",
        None,
        (
            "noor-haddad",
            False,
            True,
            "Psychotherapist and Ayurveda consultant; sees new clients on request.",
            "MSc Clinical Psychology\nAyurveda practitioner diploma",
        ),
    ),
    ("client1@shala.example", "Carla Client", None, None),
    ("client2@shala.example", "David Client", None, None),
]

CLASS_TYPES = [
    # slug, title, level, minutes, capacity, price, online
    (
        "vinyasa-flow",
        "Vinyasa Flow",
        Level.ALL,
        60,
        14,
        "14.00",
        False,
        "A flowing class linking breath and movement. Bring water.",
    ),
    (
        "hatha-basics",
        "Hatha Basics",
        Level.BEGINNER,
        75,
        12,
        "12.00",
        False,
        "Foundations of posture and breathing for newcomers.",
    ),
    (
        "ashtanga-led",
        "Ashtanga Led Primary",
        Level.ADVANCED,
        90,
        10,
        "16.00",
        False,
        "The led primary series. Knowing the sequence helps.",
    ),
    ("yin", "Yin Yoga", Level.ALL, 60, 12, "13.00", False, "Long, passive holds to open the fascia; calm and slow."),
    (
        "online-morning",
        "Online Morning Flow",
        Level.INTERMEDIATE,
        45,
        30,
        "8.00",
        True,
        "Wake up with a 45-minute flow from home, live on video.",
    ),
]

SCHEDULES = [
    # class type slug, room name (None = online), instructor slug, weekdays, start
    ("vinyasa-flow", "Sala Sol", "ana-garcia", [recurrence.MO, recurrence.WE, recurrence.FR], time(7, 0)),
    ("vinyasa-flow", "Sala Sol", "leo-martin", [recurrence.TU, recurrence.TH], time(19, 0)),
    ("hatha-basics", "Sala Luna", "ana-garcia", [recurrence.TU, recurrence.TH], time(10, 0)),
    ("ashtanga-led", "Sala Sol", "leo-martin", [recurrence.SA], time(9, 0)),
    ("yin", "Sala Luna", "marta-ruiz", [recurrence.MO, recurrence.WE], time(20, 0)),
    ("online-morning", None, "leo-martin", [recurrence.MO, recurrence.WE, recurrence.FR], time(8, 30)),
]


def seed(write) -> None:
    """Create the demo timetable and generate its sessions; ``write`` prints a line."""
    centro, _ = Location.objects.get_or_create(
        slug="centro",
        defaults={
            "name": "Shala Centro",
            "address": "Calle de la Luna 12\n28004 Madrid",
            "time_zone": "Europe/Madrid",
        },
    )
    online, _ = Location.objects.get_or_create(
        slug="online",
        defaults={
            "name": "Online",
            "time_zone": "Europe/Madrid",
            "is_online": True,
        },
    )
    rooms = {
        name: Room.objects.get_or_create(location=centro, name=name, defaults={"capacity": cap})[0]
        for name, cap in [("Sala Sol", 16), ("Sala Luna", 12), ("Therapy room 1", 1)]
    }
    practitioners = {}
    for email, name, role, prac in PEOPLE:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD, display_name=name)
        give_roles(user, staff_role=role, practitioner=prac)
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        if prac:
            slug, instructor, therapist, bio, quals = prac
            practitioners[slug], _ = Practitioner.objects.get_or_create(
                user=user,
                defaults={
                    "slug": slug,
                    "public_name": name.split()[0]
                    + " "
                    + {"ana-garcia": "García", "leo-martin": "Martín", "marta-ruiz": "Ruiz", "noor-haddad": "Haddad"}[
                        slug
                    ],
                    "is_instructor": instructor,
                    "is_therapist": therapist,
                    "bio": bio,
                    "qualifications": quals,
                },
            )
    types = {}
    for slug, title, level, minutes, cap, price, is_online, desc in CLASS_TYPES:
        types[slug], _ = ClassType.objects.get_or_create(
            slug=slug,
            defaults={
                "title": title,
                "level": level,
                "duration_minutes": minutes,
                "capacity": cap,
                "price": Decimal(price),
                "is_online": is_online,
                "description": desc,
                "video_link": "https://video.example/shala-morning" if is_online else "",
            },
        )
    today = timezone.localdate(timezone.now(), centro.zone)
    for type_slug, room_name, instructor_slug, days, start in SCHEDULES:
        location = online if room_name is None else centro
        ClassSchedule.objects.get_or_create(
            class_type=types[type_slug],
            instructor=practitioners[instructor_slug],
            start_time=start,
            location=location,
            room=rooms.get(room_name) if room_name else None,
            defaults={
                "recurrence": recurrence.Recurrence(rrules=[recurrence.Rule(recurrence.WEEKLY, byday=days)]),
                "valid_from": today - timedelta(days=today.weekday()),
            },
        )
    report = services.extend_all_schedules()
    write(f"Demo studio ready. Class sessions: {report.summary()}.")
    _seed_therapy(practitioners, centro, rooms["Therapy room 1"])
    write("Demo therapies ready: massage and osteopathy with Marta (firm), psychotherapy with Noor (requests).")


THERAPIES = [
    # slug, title, online, [(minutes, price)], therapist slugs, requirements, intake questions
    (
        "massage",
        "Therapeutic massage",
        False,
        [(60, "60.00"), (90, "85.00")],
        ["marta-ruiz"],
        "Please arrive 10 minutes early. Not during fever or acute inflammation.",
        "Any injuries or pain we should know about?\nAre you pregnant?",
    ),
    (
        "osteopathy",
        "Osteopathy",
        False,
        [(45, "65.00")],
        ["marta-ruiz"],
        "Bring recent scans or reports if you have them.",
        "What brings you to osteopathy?",
    ),
    (
        "psychotherapy",
        "Psychotherapy (online)",
        True,
        [(50, "70.00")],
        ["noor-haddad"],
        "A quiet room and headphones.",
        "What would you like to work on?",
    ),
]


def _seed_therapy(practitioners: dict, centro: Location, room: Room) -> None:
    """Therapy types, the therapists' settings and weekly hours (idempotent)."""
    for slug, title, online, durations, therapists, requirements, questions in THERAPIES:
        kind, _ = TherapyType.objects.get_or_create(
            slug=slug,
            defaults={
                "title": title,
                "is_online": online,
                "requirements": requirements,
                "intake_questions": questions,
                "video_link": "https://video.example/shala-therapy" if online else "",
                "description": f"1:1 {title.lower()} session.",
            },
        )
        for minutes, price in durations:
            TherapyDuration.objects.get_or_create(
                therapy_type=kind, minutes=minutes, defaults={"price": Decimal(price)}
            )
        kind.therapists.add(*(practitioners[t] for t in therapists))
        if not online:
            kind.rooms.add(room)
    hours = {
        "marta-ruiz": [(d, time(10), time(14), centro) for d in range(5)]
        + [(d, time(16), time(19), centro) for d in (1, 3)],
        "noor-haddad": [(d, time(9), time(13), None) for d in (0, 2, 4)],
    }
    for slug, approval in (("marta-ruiz", ApprovalMode.FIRM), ("noor-haddad", ApprovalMode.RETURNING_FIRM)):
        therapist = practitioners[slug]
        TherapistSettings.objects.get_or_create(
            practitioner=therapist,
            defaults={"time_zone": "Europe/Madrid", "approval": approval, "min_notice_hours": 12, "max_per_day": 5},
        )
        if not AvailabilityRule.objects.filter(practitioner=therapist).exists():
            AvailabilityRule.objects.bulk_create(
                AvailabilityRule(practitioner=therapist, weekday=d, start_time=a, end_time=b, location=loc)
                for d, a, b, loc in hours[slug]
            )


def give_roles(user: User, *, staff_role: str | None, practitioner: tuple | None) -> None:
    """Staff through their role, never as superusers; practitioners in the instructor or therapist group."""
    from django.contrib.auth.models import Group

    names = [staff_role] if staff_role else []
    if practitioner:
        names += [roles.INSTRUCTOR] * practitioner[1] + [roles.THERAPIST] * practitioner[2]
    user.is_staff, user.is_superuser = bool(staff_role), False
    user.save(update_fields=["is_staff", "is_superuser"])
    user.groups.set(Group.objects.filter(name__in=names))


def login_lines() -> list[str]:
    """The demo accounts and what each is for."""
    lines = [f"Demo log-ins (password for all: {DEMO_PASSWORD}):"]
    for email, _name, staff_role, prac in PEOPLE:
        if staff_role:
            role = f"{staff_role.lower()} (admin)"
        elif prac:
            role = {(True, True): "therapist + instructor", (False, True): "therapist"}.get(
                (prac[1], prac[2]), "instructor"
            )
        else:
            role = "client"
        lines.append(f"  {email:<24} {role}")
    return lines
