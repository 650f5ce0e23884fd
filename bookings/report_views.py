"""The owner's report pages: occupancy, clients and therapists, each with a CSV of what it shows.

Thin: the filter form gives a Period, the reports' selectors check the role and compute.
A bad filter shows last month with a message, never an error page.
"""

from __future__ import annotations

import csv
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.dates import WEEKDAYS as WEEKDAY_NAMES
from django.utils.translation import gettext as _

from accounts.http import AuthedRequest
from bookings.report_forms import ReportForm
from bookings.reports import selectors
from bookings.reports.occupancy import WEEKDAYS
from bookings.reports.period import Period, last_month

GROUPS = (
    ("class_type", _("By class type")),
    ("instructor", _("By instructor")),
    ("location", _("By location")),
    ("weekday", _("By weekday")),
    ("hour", _("By starting hour")),
)
INACTIVE_DAYS = 60


def report_period(request: AuthedRequest, form_class: type[ReportForm] = ReportForm) -> tuple[ReportForm, Period]:
    """The filter's period and place for any report page; a bad filter shows last month with a message."""
    selectors.check_reads_reports(request.user)  # before reading a single parameter
    zone = request.viewer_zone
    today = timezone.localtime(timezone.now(), zone).date()
    form = form_class(request.GET, today=today)
    if form.is_valid():
        data = form.cleaned_data
        location = data["location"]
        return form, Period(data["first"], data["last"], zone, location.pk if location else None)
    for error in form.errors.as_data().values():
        messages.error(request, " ".join(e.messages[0] for e in error))
    first, last = last_month(today)
    return form_class(QueryDict(), today=today), Period(first, last, zone)


def csv_response(name: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


@login_required
def occupancy(request: AuthedRequest) -> HttpResponse:
    form, period = report_period(request)
    report = selectors.occupancy_report(viewer=request.user, period=period)
    if request.GET.get("format") == "csv":
        rows = [
            [
                name,
                g.label,
                g.sessions,
                g.capacity,
                g.booked,
                g.attended,
                g.fill_rate,
                g.average_attendance,
                g.below_minimum,
            ]
            for name, _label in GROUPS
            for g in report.by[name]
        ]
        header = [
            "group",
            "label",
            "sessions",
            "capacity",
            "booked",
            "attended",
            "fill_rate_percent",
            "average_attendance",
            "below_minimum",
        ]
        return csv_response(f"occupancy-{period.first}-{period.last}", header, rows)
    context = {
        "form": form,
        "period": period,
        "report": report,
        "groups": [(label, report.by[n]) for n, label in GROUPS],
        "heat": _heat_map(report),
        "query": request.GET.urlencode(),
    }
    return render(request, "reports/occupancy.html", context)


CELL_W, CELL_H, LABEL_W = 44, 22, 40


def _heat_map(report) -> dict:
    """The heat map's cells with their places and shades, so the template only draws them."""
    top = max((g.booked for g in report.heat.values()), default=0)
    rows = []
    for d in WEEKDAYS:
        cells = []
        for i, hour in enumerate(report.hours):
            cell = report.heat_cell(d, hour)
            shade = 0.08 + 0.92 * cell.booked / top if cell and top else 0.03
            cells.append({"hour": hour, "group": cell, "x": LABEL_W + i * CELL_W, "opacity": f"{shade:.2f}"})
        rows.append({"day": str(WEEKDAY_NAMES[d]), "y": 18 + d * CELL_H, "cells": cells})
    columns = [{"hour": h, "x": LABEL_W + i * CELL_W + CELL_W // 2} for i, h in enumerate(report.hours)]
    return {"rows": rows, "columns": columns, "width": LABEL_W + CELL_W * len(report.hours), "height": 18 + 7 * CELL_H}


@login_required
def clients(request: AuthedRequest) -> HttpResponse:
    form, period = report_period(request)
    since = period.end - timedelta(days=INACTIVE_DAYS)
    if request.GET.get("format") == "csv":
        inactive = selectors.inactive_clients(viewer=request.user, since=since, location_id=period.location_id)
        rows = [
            [
                r["client__display_name"],
                r["client__email"],
                r["client__phone"],
                timezone.localtime(r["last_visit"], period.zone).date(),
                r["visits"],
            ]
            for r in inactive
        ]
        return csv_response(f"inactive-clients-{period.last}", ["name", "email", "phone", "last_visit", "visits"], rows)
    figures = selectors.client_report(viewer=request.user, period=period)
    inactive = selectors.inactive_clients(viewer=request.user, since=since, location_id=period.location_id)
    context = {
        "form": form,
        "period": period,
        "figures": figures,
        "inactive_count": len(inactive),
        "inactive_days": INACTIVE_DAYS,
        "query": request.GET.urlencode(),
    }
    return render(request, "reports/clients.html", context)


@login_required
def therapists(request: AuthedRequest) -> HttpResponse:
    form, period = report_period(request)
    figures = selectors.therapist_report(viewer=request.user, period=period)
    if request.GET.get("format") == "csv":
        header = ["therapist", "sessions", "hours_booked", "hours_offered", "utilisation_percent", "revenue"]
        header += ["approved", "declined", "expired", "median_answer_hours"]
        rows = [
            [
                f.name,
                f.sessions,
                f.booked_hours,
                f.offered_hours,
                f.utilisation,
                f.revenue,
                f.approved,
                f.declined,
                f.expired,
                f.median_answer_hours,
            ]
            for f in figures
        ]
        return csv_response(f"therapists-{period.first}-{period.last}", header, rows)
    top = max([1, *(f.offered_minutes for f in figures), *(f.booked_minutes for f in figures)])
    bars = [
        {
            "f": f,
            "y": 24 + i * BAR_ROW,
            "offered": f"{BAR_W * f.offered_minutes / top:.1f}",
            "booked": f"{BAR_W * f.booked_minutes / top:.1f}",
        }
        for i, f in enumerate(figures)
    ]
    context = {
        "form": form,
        "period": period,
        "figures": figures,
        "bars": bars,
        "chart_height": 24 + BAR_ROW * len(figures),
        "currency": settings.DEFAULT_CURRENCY,
        "query": request.GET.urlencode(),
    }
    return render(request, "reports/therapists.html", context)


BAR_W, BAR_ROW = 480, 30
