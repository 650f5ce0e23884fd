"""One open offer of each kind, built through the services as the studio makes them, for the
tests that run both kinds through the one offer life cycle (waitlist.offers)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bookings import services as booking_services
from tests.factories import LocationFactory, TherapyDurationFactory, TherapyTypeFactory, UserFactory
from tests.waitlist.conftest import full_class, offer_of, wait
from tests.waitlist.test_therapy_wishes import madrid, make_therapist, wish_for
from waitlist.models import (
    OfferState,
    TherapyWish,
    TherapyWishEvent,
    TherapyWishOffer,
    WaitlistEntry,
    WaitlistEvent,
    WaitlistOffer,
)
from waitlist.offer_kinds import CLASS, THERAPY, OfferKind

KIND_NAMES = ["class", "therapy"]


@dataclass
class OfferCase:
    """An open offer made to ``subject`` (a queue entry or a wish); ``next`` waits behind it."""

    kind: OfferKind
    offer: WaitlistOffer | TherapyWishOffer
    subject: WaitlistEntry | TherapyWish
    next: WaitlistEntry | TherapyWish
    manage_permission: str  # the staff permission that may answer for the client
    other_permission: str  # the other queue's: grants nothing here

    @property
    def client(self):
        return self.offer.client

    def fresh_offer(self):
        return self.kind.model.objects.select_related("booking").get(pk=self.offer.pk)

    def subject_state(self) -> str:
        return type(self.subject).objects.get(pk=self.subject.pk).state

    def next_has_open_offer(self) -> bool:
        field = self.kind.subject_field
        return self.kind.model.objects.filter(**{field: self.next, "state": OfferState.OPEN}).exists()

    def events(self) -> list:
        if isinstance(self.subject, WaitlistEntry):
            return list(WaitlistEvent.objects.filter(entry=self.subject).order_by("pk"))
        return list(TherapyWishEvent.objects.filter(wish=self.subject).order_by("pk"))


def class_case() -> OfferCase:
    """A full class of two, two people waiting; a cancellation gives the first an offer."""
    session, booked = full_class()
    first, second = wait(session), wait(session)
    booking_services.cancel_booking(booking=booked[0], actor=None)
    return OfferCase(
        CLASS, offer_of(first), first, second, "waitlist.change_waitlistentry", "waitlist.change_therapywish"
    )


def therapy_case() -> OfferCase:
    """A therapist's only hour, booked; two wishes for it; the booking is cancelled."""
    studio = LocationFactory(name="Centro", slug="centro")
    therapist = make_therapist(studio)
    massage = TherapyTypeFactory(title="Massage", slug="massage", therapists=[therapist])
    TherapyDurationFactory(therapy_type=massage, minutes=60, price=Decimal("60.00"))
    booked = booking_services.book_therapy(
        client=UserFactory(), therapy_type=massage, minutes=60, practitioner=therapist, starts_at=madrid(9)
    )
    first, second = wish_for(massage), wish_for(massage)
    booking_services.cancel_booking(booking=booked, actor=booked.client, reason="cannot come")
    offer = TherapyWishOffer.objects.select_related("booking").get(wish=first, state=OfferState.OPEN)
    return OfferCase(THERAPY, offer, first, second, "waitlist.change_therapywish", "waitlist.change_waitlistentry")


def make_case(name: str) -> OfferCase:
    return class_case() if name == "class" else therapy_case()
