"""The owner's money pages: revenue, refunds and balances, and the instructors' monthly pay.

Thin, like bookings.report_views (whose filter and CSV helpers these share): the filter
gives a Period, the selectors check the role and compute, the view draws the chart's
bars so the template only places them.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.http import AuthedRequest
from bookings.report_views import csv_response, report_period
from bookings.reports.period import Period
from payments.report_forms import MoneyReportForm, PayReportForm
from payments.reports import money as money_figures
from payments.reports import selectors

CHART_W, CHART_H, AXIS_W, LABEL_H = 720, 200, 64, 34


@login_required
def money(request: AuthedRequest) -> HttpResponse:
    form, period = report_period(request, MoneyReportForm)
    grain = form.cleaned_data.get("by") if form.is_bound and form.is_valid() else None
    report = selectors.money_report(viewer=request.user, period=period, grain=grain or None)
    if request.GET.get("format") == "csv":
        return csv_response(f"money-{period.first}-{period.last}", CSV_HEADER, _csv_rows(report))
    context = {
        "form": form,
        "period": period,
        "report": report,
        "chart": _chart(report),
        "groups": [
            (_("By product"), report.by_product),
            (_("By instructor"), report.by_instructor),
            (_("By therapist"), report.by_therapist),
            (_("By payment method"), report.by_method),
        ],
        "grain_label": {"day": _("Day"), "week": _("Week of"), "month": _("Month")}[report.grain],
        "currency": settings.DEFAULT_CURRENCY,
        "query": request.GET.urlencode(),
    }
    return render(request, "reports/money.html", context)


CSV_HEADER = ["group", "label", "taken", "refunded", "net", "payments", "refunds"]


def _csv_rows(report: money_figures.Money) -> list[list]:
    def line(group: str, row: money_figures.Line) -> list:
        return [group, row.label, row.taken, row.refunded, row.net, row.payments, row.refunds]

    rows = [line("total", report.total)]
    rows += [line(report.grain, row) for row in report.by_period]
    for group, lines in (
        ("product", report.by_product),
        ("instructor", report.by_instructor),
        ("therapist", report.by_therapist),
        ("method", report.by_method),
    ):
        rows += [line(group, row) for row in lines]
    b = report.balances
    rows += [
        ["balances", "fees_charged", b.fees_charged, "", "", "", ""],
        ["balances", "refunds_owed", b.refunds_owed, "", "", "", ""],
        ["balances", "outstanding", b.outstanding, "", "", b.owing_bookings, ""],
    ]
    return rows


def _chart(report: money_figures.Money) -> dict:
    """Bars of money taken (refunds paid back drawn below them) per day, week or month."""
    lines = report.by_period
    top = max([report.top, *(line.refunded for line in lines)]) or Decimal(1)
    slot = (CHART_W - AXIS_W) / max(len(lines), 1)
    bar_w = max(slot * 0.7, 1.0)
    label_every = max(1, round(len(lines) / 12))  # at most about twelve labels under the bars
    bars = []
    for i, (line, start) in enumerate(zip(lines, report.period_starts, strict=True)):
        height = float(line.taken / top) * CHART_H
        down = float(line.refunded / top) * LABEL_H * 0.8
        x = AXIS_W + i * slot + (slot - bar_w) / 2
        bars.append(
            {
                "x": f"{x:.1f}",
                "y": f"{CHART_H - height:.1f}",
                "h": f"{height:.1f}",
                "down": f"{down:.1f}",
                "line": line,
                "start": start,
                "label": i % label_every == 0,
                "mid": f"{x + bar_w / 2:.1f}",
            }
        )
    return {
        "bars": bars,
        "bar_w": f"{bar_w:.1f}",
        "width": CHART_W,
        "height": CHART_H + LABEL_H + 14,
        "base": CHART_H,
        "axis": AXIS_W - 6,
        "top": report.top,
        "label_y": CHART_H + LABEL_H,
    }


@login_required
def instructor_pay(request: AuthedRequest) -> HttpResponse:
    """Each instructor's classes of one month and their pay; the CSV is the monthly statement."""
    selectors.check_reads_reports(request.user)  # before reading a single parameter
    zone = request.viewer_zone
    today = timezone.localtime(timezone.now(), zone).date()
    form = PayReportForm(request.GET, today=today)
    if not form.is_valid():
        for error in form.errors.as_data().values():
            messages.error(request, " ".join(e.messages[0] for e in error))
        form = PayReportForm(QueryDict(), today=today)
        form.is_valid()
    data = form.cleaned_data
    first = data["month"].replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    location, instructor = data.get("location"), data.get("instructor")
    period = Period(first, last, zone, location.pk if location else None)
    found = selectors.pay_statements(
        viewer=request.user, period=period, instructor_id=instructor.pk if instructor else None
    )
    if request.GET.get("format") == "csv":
        name = f"instructor-pay-{first:%Y-%m}" + (f"-{instructor.slug}" if instructor else "")
        return csv_response(name, PAY_HEADER, _pay_rows(found))
    context = {
        "form": form,
        "period": period,
        "month": first,
        "statements": found,
        "currency": settings.DEFAULT_CURRENCY,
        "query": request.GET.urlencode(),
    }
    return render(request, "reports/instructor_pay.html", context)


PAY_HEADER = ["instructor", "date", "time", "class", "heads", "revenue", "pay", "rule"]


def _pay_rows(found) -> list[list]:
    rows = []
    for s in found:
        rule = "" if s.rule is None else f"{s.rule.basis}:{s.rule.amount}:{s.rule.share_percent}"
        for taught, pay in s.lines:
            rows.append(
                [
                    s.name,
                    taught.starts_at.date(),
                    f"{taught.starts_at:%H:%M}",
                    taught.title,
                    taught.heads,
                    taught.revenue,
                    "" if pay is None else pay,
                    rule,
                ]
            )
        rows.append([s.name, "", "", "total", s.heads, s.revenue, "" if s.pay is None else s.pay, rule])
    return rows
