"""Reads of the waitlist shared by pages, admin and tasks. Ownership is part of every query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from schedules.models import ClassSession
from schedules.selectors import local_midnight, week_start_of
from waitlist.models import LIVE_STATES, EntryState, OfferState, WaitlistEntry


def _ahead():
    """How many waiting entries stand before the outer entry in its queue (SQL)."""
    return Coalesce(
        Subquery(
            WaitlistEntry.objects.filter(session_id=OuterRef("session_id"), state=EntryState.WAITING)
            .filter(
                Q(priority__gt=OuterRef("priority"))
                | Q(priority=OuterRef("priority"), joined_at__lt=OuterRef("joined_at"))
                | Q(priority=OuterRef("priority"), joined_at=OuterRef("joined_at"), pk__lt=OuterRef("pk"))
            )
            .order_by()
            .values("session_id")
            .annotate(n=Count("pk"))
            .values("n")
        ),
        0,
    )


@dataclass
class ClientEntry:
    entry: WaitlistEntry
    position: int | None  # None once offered
    offer: object | None  # the open offer, if any


def live_entry(*, client: User, session_id: int) -> ClientEntry | None:
    """The client's live entry on this class (waiting or offered), with position and open offer."""
    if not client.is_authenticated:
        return None
    entry = (
        WaitlistEntry.objects.filter(client=client, session_id=session_id, state__in=LIVE_STATES)
        .annotate(ahead=_ahead())
        .select_related("offer")
        .first()
    )
    return _client_entry(entry) if entry else None


def _client_entry(entry: WaitlistEntry) -> ClientEntry:
    offer = getattr(entry, "offer", None) if entry.state == EntryState.OFFERED else None
    if offer is not None and offer.state != OfferState.OPEN:
        offer = None
    position = entry.ahead + 1 if entry.state == EntryState.WAITING else None
    return ClientEntry(entry=entry, position=position, offer=offer)


def client_entries(*, client: User) -> list[ClientEntry]:
    """The client's live entries on upcoming classes, soonest first: one query."""
    rows = (
        WaitlistEntry.objects.filter(client=client, state__in=LIVE_STATES, session__starts_at__gte=timezone.now())
        .annotate(ahead=_ahead())
        .select_related("session__class_type", "session__location", "offer")
        .order_by("session__starts_at", "pk")
    )
    return [_client_entry(e) for e in rows]


def waiting_count(*, session_id: int) -> int:
    return WaitlistEntry.objects.filter(session_id=session_id, state=EntryState.WAITING).count()


def waiting_counts(session_ids: list[int]) -> dict[int, int]:
    """How many wait for each of these sessions, in one grouped query (the instructor's list)."""
    rows = (
        WaitlistEntry.objects.filter(session_id__in=session_ids, state=EntryState.WAITING)
        .order_by()
        .values("session_id")
        .annotate(n=Count("pk"))
        .values_list("session_id", "n")
    )
    return dict(rows)


def alternatives(*, session: ClassSession, limit: int = 6) -> list[ClassSession]:
    """Other dates of the same class in that week (the studio's Monday to Sunday) with spots left."""
    zone = session.location.zone
    monday = week_start_of(timezone.localtime(session.starts_at, zone).date())
    return list(
        ClassSession.objects.for_listing()
        .scheduled()
        .filter(
            class_type_id=session.class_type_id,
            starts_at__gte=max(local_midnight(monday, zone), timezone.now()),
            starts_at__lt=local_midnight(monday + timedelta(days=7), zone),
            spots_taken__lt=F("capacity"),
        )
        .exclude(pk=session.pk)
        .order_by("starts_at")[:limit]
    )


def session_queue(*, session_id: int) -> list[WaitlistEntry]:
    """A session's live queue for staff, in order: open offers first, then who waits next."""
    return list(
        WaitlistEntry.objects.filter(session_id=session_id, state__in=LIVE_STATES)
        .select_related("client", "offer")
        .order_by(
            # offered (o) before waiting (w), then the queue's own order
            "state",
            "-priority",
            "joined_at",
            "pk",
        )
    )


def client_wishes(*, client: User) -> list:
    """The client's live therapy wishes, each with its open offer (``open_offer``) if any: two queries."""
    from waitlist.models import LIVE_WISH_STATES, TherapyWish, TherapyWishOffer

    open_offers = TherapyWishOffer.objects.filter(state=OfferState.OPEN).select_related(
        "booking__location", "booking__room", "practitioner"
    )
    rows = list(
        TherapyWish.objects.filter(client=client, state__in=LIVE_WISH_STATES)
        .select_related("therapy_type", "practitioner")
        .prefetch_related(Prefetch("offers", queryset=open_offers, to_attr="open_offers"))
        .order_by("earliest_date", "pk")
    )
    for wish in rows:
        wish.open_offer = wish.open_offers[0] if wish.open_offers else None
    return rows
