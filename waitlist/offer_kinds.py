"""What differs between a class queue's offer and a therapy wish's offer, and nothing else.

waitlist.offers runs the one life cycle (claim, accept, decline, expire, refusals, the owner
check); it asks the offer's kind which table it lives in, which row to lock first, how the
held booking is made, what its queue place (entry or wish) becomes, and what the client
is told. Every call of bookings' one hold life cycle (``hold_spots`` / ``hold_time`` to
make the hold, ``confirm_hold`` and ``release_hold`` for both kinds) is made here and only
here.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from django.utils.translation import gettext as _

from accounts.models import User
from bookings import services as booking_services
from bookings.models import Booking, BookingPolicy, BookingStatus
from bookings.services import RequestMeta
from schedules.models import ClassSession, Practitioner
from waitlist import messages
from waitlist.locks import lock_session, lock_therapist_for_offer
from waitlist.models import (
    EntryState,
    OfferState,
    TherapyWish,
    TherapyWishOffer,
    WaitlistEntry,
    WaitlistOffer,
    WishState,
)
from waitlist.permissions import MANAGE_QUEUE, MANAGE_WISHES

Offer = WaitlistOffer | TherapyWishOffer
Subject = WaitlistEntry | TherapyWish  # the place in a queue an offer was made to


class HeldBooking:
    """Answering an offer's held booking: bookings' one hold life cycle, the same for both
    kinds; the kinds differ in the reasons the booking's events give."""

    accepted_reason: ClassVar[str]
    declined_reason: ClassVar[str]
    expired_reason: ClassVar[str]
    booked: ClassVar[str]  # the queue place's state once its held booking is confirmed
    expired: ClassVar[str]  # ... once the hold lapsed

    def stale_outcome(self, booking_status: str, *, class_cancelled: bool) -> tuple[str, str]:
        """(offer state, queue place state) for an open offer whose held booking is no longer
        pending: the offer follows its booking (confirmed, expired by the hold sweep, or cancelled)."""
        if booking_status == BookingStatus.CONFIRMED:
            return OfferState.ACCEPTED, self.booked
        if booking_status == BookingStatus.EXPIRED:
            return OfferState.EXPIRED, self.expired
        return OfferState.CANCELLED, self.given_up(class_cancelled=class_cancelled)

    def given_up(self, *, class_cancelled: bool) -> str:
        """The queue place's state when the held booking was cancelled elsewhere."""
        raise NotImplementedError

    def confirm(self, offer: Offer, *, actor: User, meta: RequestMeta) -> Booking:
        return booking_services.confirm_hold(booking=offer.booking, actor=actor, meta=meta, reason=self.accepted_reason)

    def release_declined(self, offer: Offer, *, actor: User | None, meta: RequestMeta) -> None:
        booking_services.release_hold(
            booking=offer.booking, to=BookingStatus.CANCELLED, actor=actor, meta=meta, reason=self.declined_reason
        )

    def release_expired(self, offer: Offer) -> None:
        booking_services.release_hold(
            booking=offer.booking, to=BookingStatus.EXPIRED, actor=None, reason=self.expired_reason
        )


class ClassOffers(HeldBooking):
    """A spot of a full class held for the head of its queue (a pending class booking)."""

    name: ClassVar[str] = "class"
    model: ClassVar[type[WaitlistOffer]] = WaitlistOffer
    scope_field: ClassVar[str] = "session_id"  # the row whose lock serialises its offers
    subject_field: ClassVar[str] = "entry"
    manage_permission: ClassVar[str] = MANAGE_QUEUE
    page_related: ClassVar[tuple[str, ...]] = (
        "booking",
        "entry",
        "session__class_type",
        "session__location",
        "session__room",
        "session__instructor",
    )
    booked: ClassVar[str] = EntryState.BOOKED
    declined: ClassVar[str] = EntryState.DECLINED
    expired: ClassVar[str] = EntryState.EXPIRED
    accepted_reason: ClassVar[str] = "waitlist offer accepted"
    declined_reason: ClassVar[str] = "waitlist offer declined"
    expired_reason: ClassVar[str] = "offer expired"

    def expired_text(self) -> str:
        return _("Sorry, this offer expired at %(time)s and the spot has passed to the next person on the waitlist.")

    def scope_of(self, offer: Offer) -> int:
        assert isinstance(offer, WaitlistOffer)
        return offer.session_id

    def lock(self, offer: Offer) -> ClassSession:
        """The class session's row: the first lock of an answer."""
        return lock_session(self.scope_of(offer), for_offer=True)

    def given_up(self, *, class_cancelled: bool) -> str:
        return EntryState.CLOSED if class_cancelled else EntryState.DECLINED

    def subject_after_claim(self, offer: Offer, locked: ClassSession | None) -> WaitlistEntry:
        """The entry, read after the claim (under the session's lock), with what messages show."""
        assert isinstance(offer, WaitlistOffer)
        entry = WaitlistEntry.objects.select_related("client").get(pk=offer.entry_id)
        if locked is not None:
            entry.session = offer.session = locked
        offer.entry = entry
        return entry

    def load_for_expiry(self, offer_id: int) -> WaitlistOffer:
        return WaitlistOffer.objects.select_related("booking").get(pk=offer_id)

    def tell_expired(self, offer: Offer) -> None:
        messages.offer_expired(offer)

    # --- making the hold ----------------------------------------------------------------------

    def hold(
        self,
        entry: WaitlistEntry,
        session: ClassSession,
        policy: BookingPolicy,
        *,
        confirm: bool,
        hold_until: datetime | None,
        meta: RequestMeta,
    ) -> Booking:
        """Hold the entry's spots (pending until ``hold_until``), or book them at once
        (``confirm``: auto-enroll)."""
        return booking_services.hold_spots(
            client=entry.client,
            session=session,
            quantity=entry.party_size,
            rules=policy,
            hold_until=hold_until,
            meta=meta,
            reason="booked from the waitlist" if confirm else "held for a waitlist offer",
            confirm=confirm,
        )

    def release_withdrawn(self, offer: Offer, *, actor: User, meta: RequestMeta) -> None:
        """Staff took the client off the queue: the held spot is freed."""
        booking_services.release_hold(
            booking=offer.booking, to=BookingStatus.CANCELLED, actor=actor, meta=meta, reason="waitlist offer withdrawn"
        )


class TherapyOffers(HeldBooking):
    """A therapist's freed time kept for a matching wish (a pending therapy booking with firm occupancy)."""

    name: ClassVar[str] = "therapy"
    model: ClassVar[type[TherapyWishOffer]] = TherapyWishOffer
    scope_field: ClassVar[str] = "practitioner_id"
    subject_field: ClassVar[str] = "wish"
    manage_permission: ClassVar[str] = MANAGE_WISHES
    page_related: ClassVar[tuple[str, ...]] = (
        "wish",
        "booking__therapy_type",
        "booking__location",
        "booking__room",
        "practitioner",
    )
    booked: ClassVar[str] = WishState.BOOKED
    declined: ClassVar[str] = WishState.DECLINED
    expired: ClassVar[str] = WishState.EXPIRED
    accepted_reason: ClassVar[str] = "therapy wish offer accepted"
    declined_reason: ClassVar[str] = "therapy wish offer declined"
    expired_reason: ClassVar[str] = "therapy wish offer expired"

    def expired_text(self) -> str:
        return _("Sorry, this offer expired at %(time)s and the time has passed to the next person waiting.")

    def scope_of(self, offer: Offer) -> int:
        assert isinstance(offer, TherapyWishOffer)
        return offer.practitioner_id

    def lock(self, offer: Offer) -> None:
        """The therapist's settings row: the first lock of an answer (bookings' lock order)."""
        lock_therapist_for_offer(self.scope_of(offer))

    def given_up(self, *, class_cancelled: bool) -> str:
        return WishState.LEFT

    def subject_after_claim(self, offer: Offer, locked: ClassSession | None) -> TherapyWish:
        """The wish, read after the claim, with what messages show."""
        assert isinstance(offer, TherapyWishOffer)
        offer.wish = TherapyWish.objects.select_related("client", "therapy_type").get(pk=offer.wish_id)
        return offer.wish

    def load_for_expiry(self, offer_id: int) -> TherapyWishOffer:
        return TherapyWishOffer.objects.select_related("booking").get(pk=offer_id)

    def tell_expired(self, offer: Offer) -> None:
        messages.wish_offer_expired(offer)

    # --- making the hold ----------------------------------------------------------------------

    def hold(
        self,
        wish: TherapyWish,
        practitioner: Practitioner,
        *,
        starts_at: datetime,
        expires_at: datetime,
        meta: RequestMeta,
        now: datetime,
    ) -> Booking:
        """Keep the time for the wish (a pending booking; SlotTaken / BookingError when it cannot)."""
        return booking_services.hold_time(
            client=wish.client,
            therapy_type=wish.therapy_type,
            minutes=wish.minutes,
            practitioner=practitioner,
            starts_at=starts_at,
            hold_until=expires_at,
            reason="held for a therapy wish",
            meta=meta,
            now=now,
        )


OfferKind = ClassOffers | TherapyOffers
CLASS = ClassOffers()
THERAPY = TherapyOffers()
KINDS: dict[str, OfferKind] = {CLASS.name: CLASS, THERAPY.name: THERAPY}


def kind_of(offer: Offer) -> OfferKind:
    """The kind an offer row belongs to."""
    return CLASS if isinstance(offer, WaitlistOffer) else THERAPY
