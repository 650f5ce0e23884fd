"""Domain actions on therapy wishes: a client asks to be told when a therapist (or any
therapist of a type) has a free time in chosen days and hours; a freed time is kept
for the first matching wish as an offer.

The kept time is a pending therapy booking with firm Occupancy (bookings.services.hold_time),
so nobody else can book it while the client decides. Accepting confirms it; declining
or expiry releases it, which sends therapy_time_released, and the receiver offers it
to the next matching wish in the same transaction.

Lock order, always the one of bookings.therapy: the therapist's settings row, then the
booking row. An offer's state is claimed with a conditional UPDATE (open -> …) whose
row count decides between the client, the expiry task and a second worker; the race
seam of the class waitlist (config.race: pause "waitlist-offer", guard "waitlist")
widens the window and turns the lock and the condition off for the negative controls.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings import services as booking_services
from bookings.models import Booking, BookingStatus
from bookings.services import BookingError, RequestMeta
from bookings.transitions import Status
from config import race
from schedules.models import Practitioner, TherapyType
from schedules.slots import slots_for
from waitlist import messages, rules, services
from waitlist.models import (
    WEEKDAY_DIGITS,
    OfferState,
    TherapyWish,
    TherapyWishEvent,
    TherapyWishOffer,
    WaitlistPriority,
    WaitlistSettings,
    WishState,
)
from waitlist.services import TASK, NotPermitted, WaitlistError

MANAGE_WISHES = "waitlist.change_therapywish"

PAGE = RequestMeta()
QUEUE_ORDER = ("-priority", "created_at", "pk")
BATCH = 200  # waiting wishes read per released time; matching needs each wish's own zone
MAX_LIVE_WISHES = 10
MAX_SPAN_DAYS = 180


# --- events -----------------------------------------------------------------------------------


def _log(
    wish: TherapyWish,
    *,
    from_state: str,
    to_state: str,
    meta: RequestMeta,
    actor: User | None = None,
    reason: str = "",
    offer: TherapyWishOffer | None = None,
    data: dict | None = None,
) -> None:
    TherapyWishEvent.objects.create(
        wish=wish,
        offer=offer,
        actor=actor if actor and actor.pk else None,
        actor_name=actor.name[:150] if actor and actor.pk else "",
        from_state=from_state,
        to_state=to_state,
        reason=reason[:255],
        source=meta.source,
        data=data or {},
    )


def _move(wish: TherapyWish, to_state: str, *, meta: RequestMeta, **event) -> None:
    old = wish.state
    wish.state = to_state
    wish.save(update_fields=["state", "updated_at"])
    _log(wish, from_state=old, to_state=to_state, meta=meta, **event)


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
        _log(wish, from_state="", to_state=wish.state, meta=meta, actor=client)
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
        _log(wish, from_state=WishState.WAITING, to_state=WishState.LEFT, meta=meta, actor=actor)


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
    settle_stale_offers(practitioner_id=practitioner_id, now=now)
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
                offer = _keep_for(wish, practitioner, slot, terms, meta=meta, now=now)
            except booking_services.SlotTaken:
                continue  # taken since the slots were read (a room shared with another therapist)
            except (BookingError, WaitlistError):
                break  # this wish cannot be booked here, or was just offered elsewhere: the next one
            if offer is not None:
                return offer
    return None


def _keep_for(
    wish: TherapyWish, practitioner: Practitioner, slot, terms: rules.HoldTerms, *, meta: RequestMeta, now: datetime
) -> TherapyWishOffer | None:
    """Hold ``slot`` for the wish and tell the client; None when it is too late to offer it.

    The caller holds the therapist's lock. In a savepoint: the wish is claimed with a
    conditional UPDATE (waiting -> offered), so a release and the sweep, working on two
    therapists' calendars at once, never both offer it a time (WaitlistError for the
    loser); SlotTaken / BookingError from hold_time undo the claim.
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
        booking = booking_services.hold_time(
            client=wish.client,
            therapy_type=wish.therapy_type,
            minutes=wish.minutes,
            practitioner=practitioner,
            starts_at=slot.start,
            hold_until=expires_at,
            reason="held for a therapy wish",
            meta=meta,
            now=now,
        )
        offer = TherapyWishOffer.objects.create(
            wish=wish, booking=booking, client=wish.client, practitioner=practitioner, expires_at=expires_at
        )
        wish.state = WishState.OFFERED
        _log(
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
                    offer = _keep_for(wish, cfg.practitioner, slot, terms, meta=TASK, now=now)
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


def settle_stale_offers(*, practitioner_id: int, now: datetime) -> None:
    """Open offers whose kept booking was changed elsewhere (cancelled from the booking page
    or by the therapist, confirmed or expired by staff or the safety net) follow it. One read;
    nearly always empty."""
    stale = list(
        TherapyWishOffer.objects.filter(practitioner_id=practitioner_id, state=OfferState.OPEN)
        .exclude(booking__status=BookingStatus.PENDING)
        .select_related("wish", "booking")
    )
    for offer in stale:
        status = offer.booking.status
        offer_state, wish_state = {
            BookingStatus.CONFIRMED: (OfferState.ACCEPTED, WishState.BOOKED),
            BookingStatus.EXPIRED: (OfferState.EXPIRED, WishState.EXPIRED),
        }.get(status, (OfferState.CANCELLED, WishState.LEFT))
        TherapyWishOffer.objects.filter(pk=offer.pk).update(state=offer_state, decided_at=now)
        _move(offer.wish, wish_state, meta=TASK, offer=offer, reason=f"held booking {status}")


# --- answering an offer -------------------------------------------------------------------------


def _lock_therapist(practitioner_id: int) -> None:
    """The first lock of an answer (accept, decline, expire); the negative control (guard "waitlist") skips it."""
    if race.locking("waitlist"):
        booking_services.lock_therapist(practitioner_id)


def _claim(offer_id: int, to_state: str, now: datetime, *, due: bool | None = None) -> bool:
    """Move an open offer to ``to_state``; the row count says whether this call won.

    ``due``: True only if it has expired by ``now``, False only if it has not, None either.
    The negative control (guard "waitlist" off) reads, then writes unconditionally.
    """
    still_open = Q(pk=offer_id, state=OfferState.OPEN)
    if due is True:
        still_open &= Q(expires_at__lte=now)
    elif due is False:
        still_open &= Q(expires_at__gt=now)
    if not race.locking("waitlist"):
        found = TherapyWishOffer.objects.filter(still_open).exists()
        race.pause("waitlist-offer")
        if found:
            TherapyWishOffer.objects.filter(pk=offer_id).update(state=to_state, decided_at=now)
        return found
    race.pause("waitlist-offer")
    return TherapyWishOffer.objects.filter(still_open).update(state=to_state, decided_at=now) == 1


def client_offer(*, client: User, offer_id: int) -> TherapyWishOffer:
    """The client's own offer; another client's is simply not found (DoesNotExist)."""
    return TherapyWishOffer.objects.select_related(
        "wish", "booking__therapy_type", "booking__location", "booking__room", "practitioner"
    ).get(pk=offer_id, client=client)


def refusal(offer: TherapyWishOffer) -> str:
    """Why a therapy offer can no longer be accepted ("" while it is open)."""
    return services.refusal(
        offer, expired=_("Sorry, this offer expired at %(time)s and the time has passed to the next person waiting.")
    )


def accept_offer(
    *, offer: TherapyWishOffer, actor: User, meta: RequestMeta = PAGE, now: datetime | None = None
) -> Booking:
    """Book the kept time. Only the offer's own client; refused with a clear message once the
    offer has expired, even if the expiry task has not run yet (this call then expires it)."""
    now = now or timezone.now()
    if offer.client_id != actor.pk:
        raise WaitlistError(_("This offer is not yours."))
    with transaction.atomic():
        _lock_therapist(offer.practitioner_id)
        settle_stale_offers(practitioner_id=offer.practitioner_id, now=now)
        if _claim(offer.pk, OfferState.ACCEPTED, now, due=False):
            try:
                booking = booking_services.confirm_hold(
                    booking=offer.booking, actor=actor, meta=meta, reason="therapy wish offer accepted"
                )
            except BookingError:
                # The kept booking was changed elsewhere: the offer follows it.
                TherapyWishOffer.objects.filter(pk=offer.pk).update(state=OfferState.OPEN, decided_at=None)
                settle_stale_offers(practitioner_id=offer.practitioner_id, now=now)
            else:
                wish = TherapyWish.objects.get(pk=offer.wish_id)
                _move(wish, WishState.BOOKED, meta=meta, actor=actor, offer=offer, reason="accepted")
                return booking
        offer.refresh_from_db()
        overdue = offer.state == OfferState.OPEN and offer.expires_at <= now
    if overdue:
        expire_offer(offer_id=offer.pk, now=now)
        offer.refresh_from_db()
    booking = Booking.objects.get(pk=offer.booking_id)
    if offer.state == OfferState.ACCEPTED and booking.status == BookingStatus.CONFIRMED:
        return booking  # a second click: the booking is there
    raise WaitlistError(refusal(offer))


def decline_offer(*, offer: TherapyWishOffer, actor: User | None, meta: RequestMeta = PAGE) -> None:
    """Give the kept time back; it goes to the next matching wish in the same transaction."""
    now = timezone.now()
    if actor is not None and not actor.has_perm(MANAGE_WISHES) and offer.client_id != actor.pk:
        raise NotPermitted(_("This offer is not yours."))
    with transaction.atomic():
        _lock_therapist(offer.practitioner_id)
        settle_stale_offers(practitioner_id=offer.practitioner_id, now=now)
        if not _claim(offer.pk, OfferState.DECLINED, now):
            offer.refresh_from_db()
            raise WaitlistError(refusal(offer))
        wish = TherapyWish.objects.get(pk=offer.wish_id)
        _move(wish, WishState.DECLINED, meta=meta, actor=actor, offer=offer)
        # The release sends therapy_time_released: the receiver offers the time to the next wish.
        booking_services.release_hold(
            booking=offer.booking, to=Status.CANCELLED, actor=actor, meta=meta, reason="therapy wish offer declined"
        )


def expire_offer(*, offer_id: int, now: datetime | None = None) -> bool:
    """Expire one overdue offer and pass its time on; False when it was not open and due.

    Safe to run twice or from two workers at once: the conditional UPDATE lets one win.
    """
    now = now or timezone.now()
    with transaction.atomic():
        offer = TherapyWishOffer.objects.select_related("booking", "wish__client", "wish__therapy_type").get(
            pk=offer_id
        )
        _lock_therapist(offer.practitioner_id)
        settle_stale_offers(practitioner_id=offer.practitioner_id, now=now)
        if not _claim(offer.pk, OfferState.EXPIRED, now, due=True):
            return False
        offer.state = OfferState.EXPIRED
        wish = offer.wish
        _move(wish, WishState.EXPIRED, meta=TASK, offer=offer, reason="offer not accepted in time")
        messages.wish_offer_expired(offer)
        booking_services.release_hold(
            booking=offer.booking, to=Status.EXPIRED, actor=None, reason="therapy wish offer expired"
        )
        return True


def expire_due_offers(*, now: datetime | None = None, limit: int = 500) -> int:
    """Expire every overdue therapy offer (the beat task); returns how many this run expired."""
    now = now or timezone.now()
    due = list(
        TherapyWishOffer.objects.filter(state=OfferState.OPEN, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in due if expire_offer(offer_id=pk, now=now))


def close_lapsed_wishes(*, now: datetime | None = None) -> int:
    """Waiting wishes whose last day is over in every zone: expired, with an event each (beat task).

    A conditional UPDATE per batch of ids, so two workers expire each wish once.
    """
    now = now or timezone.now()
    over = (now - timedelta(hours=12)).date()  # the last zone (UTC-12) has finished that day
    with transaction.atomic():
        lapsed = list(
            TherapyWish.objects.select_for_update(skip_locked=True)
            .filter(state=WishState.WAITING, latest_date__lt=over)
            .values_list("pk", flat=True)[:2000]
        )
        if not lapsed:
            return 0
        TherapyWish.objects.filter(pk__in=lapsed, state=WishState.WAITING).update(
            state=WishState.EXPIRED, updated_at=now
        )
        TherapyWishEvent.objects.bulk_create(
            TherapyWishEvent(
                wish_id=pk,
                from_state=WishState.WAITING,
                to_state=WishState.EXPIRED,
                reason="last day passed",
                source=TASK.source,
            )
            for pk in lapsed
        )
    return len(lapsed)
