"""The reports as the pages and the CSV files read them, for the owner's role only."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.permissions import may_read_reports
from bookings.reports import clients, occupancy, queries, therapists
from bookings.reports.period import Period


def check_reads_reports(viewer: User) -> None:
    if not may_read_reports(viewer):
        raise PermissionDenied(_("The reports are for the studio's owner and managers."))


def occupancy_report(*, viewer: User, period: Period) -> occupancy.Occupancy:
    check_reads_reports(viewer)
    return occupancy.summarise(queries.occupancy_rows(period), weekday_names=[str(WEEKDAYS[d]) for d in range(7)])


def client_report(*, viewer: User, period: Period) -> clients.ClientFigures:
    check_reads_reports(viewer)
    rows, first_visit, later = queries.client_rows(period)
    return clients.summarise(
        rows, first_visit=first_visit, later_visits=later, period_start=period.start, period_end=period.end
    )


def inactive_clients(*, viewer: User, since: datetime, location_id: int | None = None) -> list[dict]:
    check_reads_reports(viewer)
    return list(queries.inactive_clients(since=since, location_id=location_id))


def therapist_report(*, viewer: User, period: Period) -> list[therapists.TherapistFigures]:
    check_reads_reports(viewer)
    names, sessions, offered, answers = queries.therapist_rows(period)
    return therapists.summarise(names, sessions=sessions, offered=offered, answers=answers)
