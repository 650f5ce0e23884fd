"""Recompute the counters kept beside their rows and report drift.

Class sessions' spot counters against their bookings, then every check another app
registered (bookings.integrity: the payments ledger's paid, refunded and owed amounts).
Exit status 1 when any counter disagrees (or, with --fix, after correcting them), so a
cron job or monitoring check can alert on it.
"""

from django.core.management.base import BaseCommand, CommandError

from bookings import selectors
from bookings.integrity import integrity_checks


class Command(BaseCommand):
    help = "Check that every counter (class session spots, booking money) equals what its rows hold."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--fix", action="store_true", help="Set drifted counters to the recomputed value.")

    def handle(self, *args, fix: bool = False, **options) -> None:
        problems: list[str] = []
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
            problems.append(f"{len(drift)} class session counter(s) drifted from their bookings.")
        else:
            self.stdout.write("All class session counters match their bookings.")
        for check in integrity_checks():
            found = check.find()
            for item in found:
                self.stdout.write(item.describe())
            if fix and found:
                check.repair(found)
                self.stdout.write(f"Fixed {len(found)} {check.label}(s).")
            if found:
                problems.append(f"{len(found)} {check.label}(s) drifted from their {check.source}.")
            else:
                self.stdout.write(f"All {check.label}s match their {check.source}.")
        if problems:
            raise CommandError(" ".join(problems))
