"""The desk books a therapy time for a client (a phone call, someone at the counter).

Thin, like desk_views: the filter gives a therapy, a length, a therapist and a day; the
free times come from desk_therapy; the booking from the same ``book_therapy`` as the
client's page, with ``booked_by`` and, inside the therapist's notice, a reason.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.http import AuthedRequest
from accounts.models import User
from accounts.selectors import search_clients
from bookings import desk_therapy, services
from bookings.desk_forms import ClientSearchForm, DeskTherapyBookForm, DeskTherapyForm
from bookings.permissions import may_book_for_clients, sees_bookings
from schedules.models import TherapyType


@login_required
def book_therapy(request: AuthedRequest) -> HttpResponse:
    """Choose a therapy, a day and a free time, find the client, and book."""
    if not sees_bookings(request.user):
        raise PermissionDenied(_("The desk's pages are for studio staff."))
    zone = request.viewer_zone
    today = timezone.localtime(timezone.now(), zone).date()
    data = request.GET.copy() if request.GET else QueryDict(mutable=True)
    data.setdefault("day", today.isoformat())
    choose = DeskTherapyForm(data)
    search = ClientSearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    kind, minutes, therapists, day = _chosen(request, choose)
    book_form = DeskTherapyBookForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        booking = _book(request, kind, minutes, therapists, book_form)
        if booking is not None:
            back = (
                reverse("bookings:desk_today")
                + "?"
                + urlencode({"day": timezone.localtime(booking.starts_at, zone).date().isoformat()})
            )
            return redirect(back)
        status = 422
    times = []
    if kind and minutes and day and may_book_for_clients(request.user):
        times = desk_therapy.desk_therapy_times(
            viewer=request.user, kind=kind, minutes=minutes, therapists=therapists, day=day, zone=zone
        )
    context = {
        "choose": choose,
        "kind": kind,
        "minutes": minutes,
        "durations": list(kind.durations.all()) if kind else [],
        "day": day,
        "times": times,
        "search": search,
        "query": query,
        "results": list(search_clients(query)) if query else [],
        "book_form": book_form if request.method == "POST" else DeskTherapyBookForm(),
        "may_book": may_book_for_clients(request.user),
        "has_kinds": TherapyType.objects.filter(is_active=True).exists(),
    }
    return render(request, "desk/book_therapy.html", context, status=status)


def _chosen(request: AuthedRequest, form: DeskTherapyForm):
    """The therapy, the length (its shortest by default), its therapists (or the one chosen) and the day."""
    if not form.is_valid():
        if request.GET:
            for error in form.errors.as_data().values():
                messages.error(request, " ".join(e.messages[0] for e in error))
        return None, None, [], None
    kind = form.cleaned_data["therapy"]
    durations = [d.minutes for d in kind.durations.all()]
    wanted = form.cleaned_data["minutes"]
    minutes = wanted if wanted in durations else (durations[0] if durations else None)
    offered = list(kind.therapists.filter(is_active=True, is_therapist=True).order_by("public_name"))
    chosen = form.cleaned_data["therapist"]
    therapists = [t for t in offered if chosen is None or t.pk == chosen.pk]
    if chosen is not None and not therapists:
        messages.warning(request, _("%(name)s does not offer %(therapy)s.") % {"name": chosen, "therapy": kind})
    return kind, minutes, therapists, form.cleaned_data["day"]


def _book(request: AuthedRequest, kind, minutes, therapists, form: DeskTherapyBookForm):
    if kind is None or minutes is None or not form.is_valid():
        messages.error(request, _("Choose a client and one of the free times."))
        return None
    therapist_id, start = form.cleaned_data["slot"]
    therapist = next((t for t in therapists if t.pk == therapist_id), None)
    client = User.objects.filter(pk=form.cleaned_data["client"], is_active=True).first()
    if therapist is None or client is None:
        messages.error(request, _("That client or therapist is not available any more: choose again."))
        return None
    override = form.cleaned_data["override"]
    try:
        booking = services.book_therapy(
            client=client,
            therapy_type=kind,
            minutes=minutes,
            practitioner=therapist,
            starts_at=start,
            idempotency_key=form.cleaned_data["token"],
            booked_by=request.user,
            override=override,
            meta=services.RequestMeta.from_request(request),
        )
    except services.NotPermitted as exc:
        raise PermissionDenied(str(exc)) from None
    except services.SlotTaken as exc:
        messages.error(request, str(exc) + " " + _("Choose another time."))
        return None
    except services.BookingError as exc:
        hint = "" if override else " " + _("To book anyway, say why in “Book past the rules”.")
        messages.error(request, str(exc) + hint)
        return None
    when = date_format(timezone.localtime(booking.starts_at, request.viewer_zone), "DATETIME_FORMAT")
    if booking.status == "requested":
        text = _("%(client)s's request for %(when)s is waiting for the therapist (%(ref)s).")
    else:
        text = _("%(client)s is booked for %(when)s (%(ref)s).")
    messages.success(request, text % {"client": client.name, "when": when, "ref": booking.reference})
    return booking
