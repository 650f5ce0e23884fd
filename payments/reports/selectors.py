"""The money reports as the pages and the CSV files read them, for the owner's role only."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.reports.period import Period
from bookings.reports.selectors import check_reads_reports
from payments.models import Method
from payments.reports import money, pay, queries


def labels() -> dict[str, str]:
    """The shown names of the products and the payment methods, in the viewer's language."""
    return {money.CLASS: _("Drop-in classes"), money.THERAPY: _("Therapy"), **{m.value: str(m.label) for m in Method}}


def money_report(*, viewer: User, period: Period, grain: str | None = None) -> money.Money:
    """Four queries whatever the range: payments, refunds, and the class and therapy balances."""
    check_reads_reports(viewer)
    return money.summarise(
        queries.ledger_rows(period),
        first=period.first,
        last=period.last,
        grain=grain or money.grain_for(period.first, period.last),
        balances=queries.balances(period),
        labels=labels(),
    )


def pay_statements(*, viewer: User, period: Period, instructor_id: int | None = None) -> list[pay.Statement]:
    """The classes each instructor taught in the period (those over by now) and their pay: three queries."""
    check_reads_reports(viewer)
    rows, names, rules = queries.classes_taught(period, until=timezone.now(), instructor_id=instructor_id)
    return pay.statements(rows, names=names, rules=rules)
