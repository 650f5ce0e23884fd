"""The bookings tables, one module per subject: policies, bookings, promo codes, proposals, history."""

from bookings.models.booking import (
    REFERENCE_ALPHABET,
    Booking,
    BookingQuerySet,
    BookingSeries,
    BookingStatus,
    new_reference,
)
from bookings.models.history import BookingEvent, EventSource
from bookings.models.policies import BookingPolicy, ClassTypePolicy, RefundTier, TherapyTypePolicy
from bookings.models.promos import PromoCode, PromoRedemption
from bookings.models.proposals import ProposalKind, ProposalState, TimeProposal

__all__ = [
    "REFERENCE_ALPHABET",
    "Booking",
    "BookingEvent",
    "BookingPolicy",
    "BookingQuerySet",
    "BookingSeries",
    "BookingStatus",
    "ClassTypePolicy",
    "EventSource",
    "PromoCode",
    "PromoRedemption",
    "ProposalKind",
    "ProposalState",
    "RefundTier",
    "TherapyTypePolicy",
    "TimeProposal",
    "new_reference",
]
