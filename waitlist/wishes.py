"""Therapy wishes: a client asks to be told when a therapist (or any therapist of a type)
has a free time in chosen days and hours; a freed time is kept for the first matching wish
as an offer. This module matches freed (or free) time to wishes; the offer's answer
(accept, decline, expire) runs through the one offer life cycle, waitlist.offers.

The kept time is a pending therapy booking with firm Occupancy (kept through
waitlist.offer_kinds), so nobody else can book it while the client decides. Declining or
expiry releases it, which sends therapy_time_released, and the receiver offers it to the
next matching wish in the same transaction.

Lock order, always the one of bookings: the therapist's settings row, then the booking row.
A wish is claimed (waiting -> offered) with a conditional UPDATE, so a release and the
sweep never both offer it a time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings import services as booking_services
from bookings.services import BookingError, RequestMeta
from schedules.models import Practitioner, TherapyType
from schedules.slots import slots_for
from waitlist import messages, offers, rules
from waitlist.errors import NotPermitted, WaitlistError
from waitlist.events import PAGE, TASK, close_waiting, log_event
from waitlist.models import (
    WEEKDAY_DIGITS,
    OfferState,
    TherapyWish,
    TherapyWishOffer,
    WaitlistPriority,
    WaitlistSettings,
    WishState,
)
from waitlist.offer_kinds import THERAPY
from waitlist.offers import accept_offer, decline_offer, refusal
from waitlist.permissions import MANAGE_WISHES

__all__ = [
    "accept_offer",
    "add_wish",
    "candidates",
    "client_offer",
    "close_lapsed_wishes",
    "decline_offer",
    "expire_due_offers",
    "expire_offer",
    "keep_for",
    "offer_released_time",
    "refusal",
    "sweep_wishes",
    "therapy_hold_settings",
    "withdraw_wish",
]


QUEUE_ORDER = ("-priority", "created_at", "pk")
BATCH = 200  # waiting wishes read per released time; matching needs each wish's own zone
MAX_LIVE_WISHES = 10
MAX_SPAN_DAYS = 180


# --- asking -----------------------------------------------------------------------------------


def add_wish(
    *,
    client: User,
    therapy_type: TherapyType,
    minutes: int,
    practitioner: Practitioner | None,
    earliest_date: date,
    latest_date: date,
    weekdays: list[int],
    earliest_time: time,
    latest_time: time,
    zone: ZoneInfo,
    meta: RequestMeta = PAGE,
    now: datetime | None = None,
) -> TherapyWish:
    """Register a wish. Refused when times that fit are free right now (book one instead)."""
    now = now or timezone.now()
    today = now.astimezone(zone).date()
    if not therapy_type.is_active:
        raise WaitlistError(_("This therapy is not offered any more."))
    if not therapy_type.durations.filter(minutes=minutes).exists():
        raise WaitlistError(_("This therapy is not offered for that length."))
    pool = list(therapy_type.therapists.filter(is_active=True, is_therapist=True).values_list("pk", flat=True))
    if practitioner is not None:
        if practitioner.pk not in pool:
            raise WaitlistError(_("%(name)s does not offer this therapy.") % {"name": practitioner})
        pool = [practitioner.pk]
    if not pool:
        raise WaitlistError(_("Nobody offers this therapy at the moment."))
    if latest_date < earliest_date:
        raise WaitlistError(_("The last day comes before the first."))
    if latest_date < today:
        raise WaitlistError(_("Those days are in the past."))
    if (latest_date - max(earliest_date, today)).days > MAX_SPAN_DAYS:
        raise WaitlistError(_("Choose days within six months."))
    days = sorted({d for d in weekdays if 0 <= d <= 6})
    if not days:
        raise WaitlistError(_("Choose at least one weekday."))
    span = datetime.combine(today, latest_time) - datetime.combine(today, earliest_time)
    if span < timedelta(minutes=minutes):
        raise WaitlistError(_("The hours you chose are shorter than the session."))
    wish = TherapyWish(
        client=client,
        therapy_type=therapy_type,
        practitioner=practitioner,
        minutes=minutes,
        earliest_date=max(earliest_date, today),
        latest_date=latest_date,
        weekdays="".join(WEEKDAY_DIGITS[d] for d in days),
        earliest_time=earliest_time,
        latest_time=latest_time,
        time_zone=str(zone),
    )
    if _free_now(wish, pool, now):
        raise WaitlistError(_("Some times that suit you are free right now: book one of them instead."))
    with transaction.atomic():
        live = TherapyWish.objects.select_for_update().filter(client=client, state__in=[WishState.WAITING])
        if len(live) >= MAX_LIVE_WISHES:
            raise WaitlistError(_("You are already waiting for %(n)d therapy times.") % {"n": MAX_LIVE_WISHES})
        wish.priority = WaitlistPriority.objects.filter(client=client).values_list("priority", flat=True).first() or 0
        wish.save()
        log_event(wish, from_state="", to_state=wish.state, meta=meta, actor=client)
        messages.wish_registered(wish)
    return wish


def _free_now(wish: TherapyWish, pool: list[int], now: datetime) -> bool:
    """Is a time that fits the wish free now, with any therapist of the pool (one slot computation)?"""
    window = wish.window()
    found = slots_for(
        wish.therapy_type,
        minutes=wish.minutes,
        practitioner_ids=pool,
        first_day=wish.earliest_date - timedelta(days=1),
        last_day=wish.latest_date + timedelta(days=1),
        now=now,
    )
    return any(rules.fits(window, s.start, s.end) for t in found for s in t.slots)


def withdraw_wish(*, wish: TherapyWish, actor: User, meta: RequestMeta = PAGE) -> None:
    """The client (or staff whose role manages wishes) ends the wish; an open offer is
    declined (its time passes on). Anyone else is refused before anything changes."""
    manages = actor.has_perm(MANAGE_WISHES)
    if not manages and wish.client_id != actor.pk:
        raise NotPermitted(_("You may not withdraw this wish."))
    offer = TherapyWishOffer.objects.filter(wish_id=wish.pk, state=OfferState.OPEN).first()
    if offer is not None:
        decline_offer(offer=offer, actor=actor, meta=meta)
        return
    mine = TherapyWish.objects.filter(pk=wish.pk, state=WishState.WAITING)
    if not manages:
        mine = mine.filter(client=actor)
    with transaction.atomic():
        won = mine.update(state=WishState.LEFT, updated_at=timezone.now())
        if not won:
            raise WaitlistError(_("You are no longer waiting for this."))
        log_event(wish, from_state=WishState.WAITING, to_state=WishState.LEFT, meta=meta, actor=actor)


# --- a released time --------------------------------------------------------------------------


def candidates(*, practitioner_id: int, starts_at: datetime, ends_at: datetime) -> list[TherapyWish]:
    """Waiting wishes that may want time of this therapist around then, best first.

    SQL narrows by therapist (or any therapist of a type they offer), dates and the
    possible weekdays; the exact match needs each wish's zone and is done by rules.fits.
    One query, at most BATCH rows, whatever the number of wishes.
    """
    offered = TherapyType.therapists.through.objects.filter(practitioner_id=practitioner_id).values("therapytype_id")
    first, last = (starts_at - timedelta(days=1)).date(), (ends_at + timedelta(days=1)).date()
    weekday = Q()
    for d in {first + timedelta(days=i) for i in range((last - first).days + 1)}:
        weekday |= Q(weekdays__contains=str(d.weekday()))
    return list(
        TherapyWish.objects.filter(state=WishState.WAITING, therapy_type__is_active=True)
        .filter(Q(practitioner_id=practitioner_id) | Q(practitioner__isnull=True, therapy_type_id__in=offered))
        .filter(earliest_date__lte=last, latest_date__gte=first)
        .filter(weekday)
        .select_related("client", "therapy_type")
        .order_by(*QUEUE_ORDER)[:BATCH]
    )


def offer_released_time(
    *,
    practitioner_id: int,
    starts_at: datetime,
    ends_at: datetime,
    meta: RequestMeta = TASK,
    now: datetime | None = None,
) -> TherapyWishOffer | None:
    """Keep the released time (or a free time overlapping it) for the first matching wish.

    Runs inside the transaction that freed the time (the therapy_time_released receiver).
    At most one offer per released span; the query count depends on how many different
    therapy lengths the waiting wishes ask for, never on how many wishes there are.
    """
    now = now or timezone.now()
    offers.settle_stale_offers(kind=THERAPY, scope_id=practitioner_id, now=now)
    wishes = candidates(practitioner_id=practitioner_id, starts_at=starts_at, ends_at=ends_at)
    if not wishes:
        return None
    # Not waiting for the therapist's lock here: the releasing transaction may hold a
    # booking row, and an action that holds the therapist and wants that row would
    # deadlock with us. Someone busy with this calendar now: the time is not offered.
    cfg = booking_services.try_lock_therapist(practitioner_id)
    if cfg is None:
        return None
    zone = cfg.zone
    practitioner = Practitioner.objects.get(pk=practitioner_id)
    terms = rules.wish_hold_terms(therapy_hold_settings().terms(), min_notice_hours=cfg.min_notice_hours)
    free: dict[tuple[int, int], list] = {}
    for wish in wishes:
        key = (wish.therapy_type_id, wish.minutes)
        if key not in free:
            free[key] = _free_around(wish.therapy_type, wish.minutes, practitioner_id, zone, starts_at, ends_at, now)
        window = wish.window()
        fitting = [s for s in free[key] if rules.fits(window, s.start, s.end)]
        for slot in rules.preferred(fitting, freed_start=starts_at):
            try:
                offer = keep_for(wish, practitioner, slot, terms, meta=meta, now=now)
            except booking_services.SlotTaken:
                continue  # taken since the slots were read (a room shared with another therapist)
            except (BookingError, WaitlistError):
                break  # this wish cannot be booked here, or was just offered elsewhere: the next one
            if offer is not None:
                return offer
    return None


def keep_for(
    wish: TherapyWish, practitioner: Practitioner, slot, terms: rules.HoldTerms, *, meta: RequestMeta, now: datetime
) -> TherapyWishOffer | None:
    """Hold ``slot`` for the wish and tell the client; None when it is too late to offer it.

    The caller holds the therapist's lock. In a savepoint: the wish is claimed with a
    conditional UPDATE (waiting -> offered), so a release and the sweep, working on two
    therapists' calendars at once, never both offer it a time (WaitlistError for the
    loser); SlotTaken / BookingError from the hold undo the claim.
    """
    expires_at = rules.offer_expiry(now=now, starts_at=slot.start, terms=terms)
    if expires_at is None:
        return None
    with transaction.atomic():
        claimed = TherapyWish.objects.filter(pk=wish.pk, state=WishState.WAITING).update(
            state=WishState.OFFERED, updated_at=now
        )
        if not claimed:
            raise WaitlistError(_("This wish is no longer waiting."))
        booking = THERAPY.hold(wish, practitioner, starts_at=slot.start, expires_at=expires_at, meta=meta, now=now)
        offer = TherapyWishOffer.objects.create(
            wish=wish, booking=booking, client=wish.client, practitioner=practitioner, expires_at=expires_at
        )
        wish.state = WishState.OFFERED
        log_event(
            wish,
            from_state=WishState.WAITING,
            to_state=WishState.OFFERED,
            meta=meta,
            offer=offer,
            data={"expires_at": expires_at.isoformat()},
        )
        messages.wish_offer_made(offer)
    return offer


def sweep_wishes(*, now: datetime | None = None, limit: int = 100, horizon_days: int = 90) -> int:
    """Offer free times to waiting wishes that no release reached (a receiver that failed or
    found the calendar busy, hours the therapist added later). Best wishes first, one offer
    per wish, each in its own transaction (therapist lock first). Returns the offers made.

    One slot computation per therapy and length among the ``limit`` best wishes, over the
    next ``horizon_days`` at most, whatever the number of wishes.
    """
    now = now or timezone.now()
    today = now.date()
    waiting = list(
        TherapyWish.objects.filter(
            state=WishState.WAITING,
            therapy_type__is_active=True,
            latest_date__gte=today - timedelta(days=1),
            earliest_date__lte=today + timedelta(days=horizon_days),
        )
        .select_related("client", "therapy_type")
        .order_by(*QUEUE_ORDER)[:limit]
    )
    if not waiting:
        return 0
    pools: dict[int, list[int]] = {}
    for type_id, pid in TherapyType.therapists.through.objects.filter(
        therapytype_id__in={w.therapy_type_id for w in waiting},
        practitioner__is_active=True,
        practitioner__is_therapist=True,
    ).values_list("therapytype_id", "practitioner_id"):
        pools.setdefault(type_id, []).append(pid)
    base_terms = therapy_hold_settings().terms()
    free: dict[tuple[int, int], list] = {}
    kept: list[tuple[int, datetime, datetime]] = []  # held in this run: skip what overlaps them
    made = 0
    for wish in waiting:
        key = (wish.therapy_type_id, wish.minutes)
        if key not in free:
            free[key] = _free_for_group(
                [w for w in waiting if (w.therapy_type_id, w.minutes) == key], pools, today, horizon_days, now
            )
        window = wish.window()
        for pid, slot in free[key]:
            if wish.practitioner_id not in (None, pid) or not rules.fits(window, slot.start, slot.end):
                continue
            if any(p == pid and s < slot.end and e > slot.start for p, s, e in kept):
                continue
            try:
                with transaction.atomic():
                    cfg = booking_services.lock_therapist(pid)
                    terms = rules.wish_hold_terms(base_terms, min_notice_hours=cfg.min_notice_hours)
                    offer = keep_for(wish, cfg.practitioner, slot, terms, meta=TASK, now=now)
            except booking_services.SlotTaken:
                continue
            except (BookingError, WaitlistError):
                break
            if offer is not None:
                kept.append((pid, slot.start, slot.end))
                made += 1
                break
    return made


def _free_for_group(group: list[TherapyWish], pools: dict[int, list[int]], today: date, horizon: int, now) -> list:
    """(therapist id, slot) pairs free for the wishes of one therapy and length, soonest first."""
    first = max(min(w.earliest_date for w in group), today) - timedelta(days=1)
    last = min(max(w.latest_date for w in group), today + timedelta(days=horizon)) + timedelta(days=1)
    pool = pools.get(group[0].therapy_type_id, [])
    if not pool:
        return []
    found = slots_for(
        group[0].therapy_type, minutes=group[0].minutes, practitioner_ids=pool, first_day=first, last_day=last, now=now
    )
    return sorted(((t.practitioner_id, s) for t in found for s in t.slots), key=lambda pair: pair[1].start)


def therapy_hold_settings() -> WaitlistSettings:
    """The studio's default waitlist settings (hold times) also govern therapy offers."""
    return WaitlistSettings.objects.filter(class_type__isnull=True).first() or WaitlistSettings()


def _free_around(therapy_type, minutes, practitioner_id, zone, starts_at, ends_at, now) -> list:
    """Free slots of that length that overlap the released span (the time the release opened)."""
    found = slots_for(
        therapy_type,
        minutes=minutes,
        practitioner_ids=[practitioner_id],
        first_day=starts_at.astimezone(zone).date(),
        last_day=ends_at.astimezone(zone).date(),
        now=now,
    )
    return [s for t in found for s in t.slots if s.start < ends_at and s.end > starts_at]


# The therapy kind of the one offer life cycle (waitlist.offers), under the names callers know:
# ``client_offer(client=, offer_id=)``, ``expire_offer(offer_id=, now=)``, ``expire_due_offers(now=, limit=)``.
client_offer = partial(offers.client_offer, kind=THERAPY)
expire_offer = partial(offers.expire_offer, kind=THERAPY)
expire_due_offers = partial(offers.expire_due_offers, kind=THERAPY)


def close_lapsed_wishes(*, now: datetime | None = None) -> int:
    """Waiting wishes whose last day is over in every zone: expired, with an event each (beat task).

    Two workers at once expire each wish once (events.close_waiting).
    """
    now = now or timezone.now()
    over = (now - timedelta(hours=12)).date()  # the last zone (UTC-12) has finished that day
    waiting = TherapyWish.objects.filter(state=WishState.WAITING, latest_date__lt=over)
    return close_waiting(waiting, to_state=WishState.EXPIRED, reason="last day passed", now=now)
