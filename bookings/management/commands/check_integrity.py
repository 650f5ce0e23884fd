"""Recompute every class session's spot counter from its bookings and report drift.

Exit status 1 when any counter disagrees (or, with --fix, after correcting them),
so a cron job or monitoring check can alert on it.
"""

from django.core.management.base import BaseCommand, CommandError

from bookings import selectors


class Command(BaseCommand):
    help = "Check that every class session's spots_taken equals the spots of its active bookings."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--fix", action="store_true", help="Set drifted counters to the recomputed value.")

    def handle(self, *args, fix: bool = False, **options) -> None:
        drift = selectors.counter_drift()
        for row in drift:
            self.stdout.write(
                f"session {row.session_id} ({row.label}): counter says {row.counter}, bookings hold {row.booked}"
            )
        if fix and drift:
            from bookings.services import repair_counters

            repair_counters(drift)
            self.stdout.write(f"Fixed {len(drift)} counter(s).")
        if drift:
            raise CommandError(f"{len(drift)} class session counter(s) drifted from their bookings.")
        self.stdout.write("All class session counters match their bookings.")
