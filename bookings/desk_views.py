"""The front desk's pages: today's classes and therapy sessions by room, and booking a client in.

Thin: the day comes from desk_selectors, a booking from the same book_class a client's
own page calls (with ``booked_by`` and, past the rules, a reason), a guest from
accounts.guests. Who may do each is decided there; the views only turn refusals into
messages (or a 403 for someone who is not studio staff).
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import guests
from accounts.http import AuthedRequest
from accounts.models import User
from accounts.selectors import search_clients
from accounts.services import NotPermitted as AccountNotPermitted
from bookings import desk_selectors, services
from bookings.desk_forms import ClientSearchForm, DeskBookForm, GuestForm
from bookings.permissions import may_book_for_clients, sees_bookings
from config.params import query_date
from schedules.models import ClassSession


def _staff_only(request: AuthedRequest) -> None:
    if not sees_bookings(request.user):
        raise PermissionDenied(_("The desk's pages are for studio staff."))


@login_required
def today(request: AuthedRequest) -> HttpResponse:
    """One day at the studio (today unless ``?day=YYYY-MM-DD``), room by room."""
    _staff_only(request)
    zone = request.viewer_zone
    today_here = timezone.localtime(timezone.now(), zone).date()
    # A far day moves to the edge of config.params' bounds; one that is not a date is today.
    day = query_date(request.GET.get("day"), None, today=today_here)
    if day is None:
        if request.GET.get("day"):
            messages.warning(request, _("That is not a date (YYYY-MM-DD): here is today."))
        day = today_here
    rooms = desk_selectors.desk_day(viewer=request.user, day=day, zone=zone)
    context = {
        "day": day,
        "rooms": rooms,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "is_today": day == today_here,
        "may_book": may_book_for_clients(request.user),
    }
    return render(request, "desk/today.html", context)


@login_required
def book_class(request: AuthedRequest, session_id: int) -> HttpResponse:
    """Find (or add) a client and book them into this class."""
    _staff_only(request)
    session = get_object_or_404(ClassSession.objects.for_listing(), pk=session_id)
    search = ClientSearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    book_form = DeskBookForm(request.POST)
    if request.method == "POST":
        booking = _book(request, session, book_form)
        if booking is not None:
            return redirect(reverse("bookings:instructor_roster", args=[session.pk]) + f"#booking-{booking.pk}")
        query = request.POST.get("q", query)
    context = {
        "session": session,
        "search": search,
        "query": query,
        "results": list(search_clients(query)) if query else [],
        "book_form": book_form if request.method == "POST" else DeskBookForm(),
        "guest_form": GuestForm(),
        "may_book": may_book_for_clients(request.user),
    }
    return render(request, "desk/book_class.html", context, status=200 if request.method == "GET" else 422)


def _book(request: AuthedRequest, session: ClassSession, form: DeskBookForm):
    if not form.is_valid():
        messages.error(request, _("Choose a client and at least one spot."))
        return None
    client = User.objects.filter(pk=form.cleaned_data["client"], is_active=True).first()
    if client is None:
        messages.error(request, _("That client no longer exists: search again."))
        return None
    try:
        booking = services.book_class(
            client=client,
            session_id=session.pk,
            quantity=form.cleaned_data["quantity"],
            idempotency_key=form.cleaned_data["token"],
            booked_by=request.user,
            override=form.cleaned_data["override"],
            meta=services.RequestMeta.from_request(request),
        )
    except services.NotPermitted as exc:
        raise PermissionDenied(str(exc)) from None
    except services.BookingError as exc:
        hint = "" if form.cleaned_data["override"] else " " + _("To book anyway, say why in “Book past the rules”.")
        messages.error(request, str(exc) + hint)
        return None
    messages.success(request, _("%(client)s is booked (%(ref)s).") % {"client": client.name, "ref": booking.reference})
    return booking


@login_required
@require_POST
def add_guest(request: AuthedRequest, session_id: int) -> HttpResponse:
    """Add a client who has no account, invite them by e-mail, and show them ready to book."""
    _staff_only(request)
    back = reverse("bookings:desk_book_class", args=[session_id])
    form = GuestForm(request.POST)
    if not form.is_valid():
        for error in form.errors.as_data().values():
            messages.error(request, " ".join(e.messages[0] for e in error))
        return redirect(back)
    data = form.cleaned_data
    try:
        guest = guests.create_guest(
            actor=request.user, name=data["name"], email=data["email"], phone=str(data["phone"] or "")
        )
    except AccountNotPermitted as exc:
        raise PermissionDenied(str(exc)) from None
    except guests.GuestError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    if guests.invite(request, guest):
        messages.success(
            request, _("%(name)s is added; an invitation to set a password is on its way.") % {"name": guest.name}
        )
    else:
        messages.success(request, _("%(name)s is added (no e-mail address, so no invitation).") % {"name": guest.name})
    found = data["email"] or str(data["phone"])
    return redirect(back + "?" + urlencode({"q": found}))
