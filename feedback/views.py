"""The client's feedback form, and the pages where practitioners and the owner read feedback."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.http import AuthedRequest
from bookings.models import Booking
from bookings.report_views import csv_response, report_period
from bookings.services import BookingError, NotPermitted
from feedback import selectors, services
from feedback.forms import FeedbackForm
from feedback.models import Feedback


@login_required
def give(request: AuthedRequest, reference: str) -> HttpResponse:
    """The link in the feedback request: the client's own booking only (404 for anyone else's)."""
    booking = Booking.objects.with_what_and_where().filter(reference=reference, client=request.user).first()
    if booking is None:
        raise Http404(_("No such booking."))
    given = Feedback.objects.filter(booking=booking).first()
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and given is None and form.is_valid():
        try:
            services.leave_feedback(
                booking=booking,
                client=request.user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except (BookingError, NotPermitted) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Thank you for your feedback!"))
            return redirect("feedback:give", reference=booking.reference)
    closed = None
    if given is None:
        try:
            services.check_may_give(booking, request.user, timezone.now())
        except BookingError as exc:
            closed = str(exc)
    return render(request, "feedback/give.html", {"booking": booking, "form": form, "given": given, "closed": closed})


@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    """An instructor's or therapist's own feedback."""
    practitioner = getattr(request.user, "practitioner", None)
    if practitioner is None:
        raise PermissionDenied(_("These pages are for instructors and therapists."))
    rows, summary = selectors.own_feedback(practitioner=practitioner, actor=request.user)
    return render(request, "feedback/mine.html", {"rows": rows, "summary": summary})


@login_required
def report(request: AuthedRequest) -> HttpResponse:
    """The owner's averages per practitioner and class or therapy type, for a period (last month)."""
    if not request.user.has_perm(selectors.VIEW_ALL):
        raise PermissionDenied  # before reading a single parameter
    form, period = report_period(request)
    table = selectors.averages(actor=request.user, start=period.start, end=period.end, location_id=period.location_id)
    if request.GET.get("format") == "csv":
        header = [_("Teacher or therapist"), _("Class or therapy"), _("Answers"), _("Average rating")]
        return csv_response(
            "feedback", header, ([r["who"], r["what"], r["count"], f"{r['average']:.2f}"] for r in table)
        )
    query = request.GET.copy()
    query.pop("format", None)
    context = {"table": table, "form": form, "period": period, "query": query.urlencode()}
    return render(request, "feedback/report.html", context)
