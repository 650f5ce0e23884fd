"""Staff screens of the bookings app, one module per subject; importing them registers them."""

from bookings.admin.booking import START_FORMAT, BookingAdmin
from bookings.admin.policies import BookingPolicyAdmin
from bookings.admin.promos import PromoCodeAdmin
from bookings.admin.roster import ClassSessionWithRosterAdmin

__all__ = ["START_FORMAT", "BookingAdmin", "BookingPolicyAdmin", "ClassSessionWithRosterAdmin", "PromoCodeAdmin"]
