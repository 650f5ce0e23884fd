"""Client pages of the waitlist: join and leave a class's queue; wish for a therapy time and
withdraw the wish. Offers (both kinds) have their pages in waitlist.offer_views. Thin views."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthedRequest
from bookings import therapy_selectors
from bookings.services import RequestMeta
from config import params
from schedules.models import TherapyType
from waitlist import services, wishes
from waitlist.forms import JoinWaitlistForm, TherapyWishForm
from waitlist.models import TherapyWish, WaitlistEntry


@login_required
def join(request: AuthedRequest, session_id: int) -> HttpResponse:
    """POST joins; a GET (the link in the "just filled up" message) shows the class page's waitlist box."""
    session_url = reverse("schedules:session", args=[session_id])
    if request.method != "POST":
        return redirect(f"{session_url}#waitlist")
    form = JoinWaitlistForm(request.POST, max_party=50)
    if not form.is_valid():
        messages.error(request, _("Please choose how many spots you are waiting for."))
        return redirect(f"{session_url}#waitlist")
    try:
        services.join_waitlist(
            client=request.user,
            session_id=session_id,
            party_size=form.cleaned_data["party_size"],
            meta=RequestMeta.from_request(request),
        )
    except services.WaitlistError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("You're on the waitlist. We'll tell you as soon as a spot frees up."))
    return redirect(f"{session_url}#waitlist")


@login_required
@require_POST
def leave(request: AuthedRequest, entry_id: int) -> HttpResponse:
    try:
        entry = WaitlistEntry.objects.get(pk=entry_id, client=request.user)
    except WaitlistEntry.DoesNotExist:
        raise Http404(_("No such waitlist entry.")) from None
    try:
        services.leave_waitlist(entry=entry, actor=request.user, meta=RequestMeta.from_request(request))
    except services.WaitlistError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("You have left the waitlist."))
    return redirect(params.safe_next(request, "bookings:mine"))


# --- therapy wishes ---------------------------------------------------------------------------


@login_required
def therapy_wish(request: AuthedRequest, slug: str) -> HttpResponse:
    """ "Tell me when a time frees up": therapist, length, days and hours, in the client's zone."""
    try:
        kind = therapy_selectors.therapy_type(slug)
    except TherapyType.DoesNotExist:
        raise Http404(_("No such therapy.")) from None
    zone = timezone.get_current_timezone()
    therapists = kind.therapists.filter(is_active=True, is_therapist=True).order_by("public_name")
    form = TherapyWishForm(
        request.POST or None,
        kind=kind,
        therapists=therapists,
        durations=list(kind.durations.all()),
        today=timezone.localdate(),
        initial={"therapist": therapists.filter(slug=params.query_slug(request.GET.get("therapist"))).first()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            wishes.add_wish(
                client=request.user,
                therapy_type=kind,
                minutes=data["minutes"],
                practitioner=data["therapist"],
                earliest_date=data["earliest_date"],
                latest_date=data["latest_date"],
                weekdays=data["weekdays"],
                earliest_time=data["earliest_time"],
                latest_time=data["latest_time"],
                zone=zone,
                meta=RequestMeta.from_request(request),
            )
        except services.WaitlistError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Done: we'll tell you as soon as a time like this frees up."))
            return redirect("bookings:mine")
    return render(request, "waitlist/therapy_wish.html", {"kind": kind, "form": form, "zone_name": str(zone)})


@login_required
@require_POST
def withdraw_wish(request: AuthedRequest, wish_id: int) -> HttpResponse:
    try:
        wish = TherapyWish.objects.get(pk=wish_id, client=request.user)
    except TherapyWish.DoesNotExist:
        raise Http404(_("No such wish.")) from None
    try:
        wishes.withdraw_wish(wish=wish, actor=request.user, meta=RequestMeta.from_request(request))
    except services.WaitlistError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("We won't tell you about free times for this any more."))
    return redirect("bookings:mine")
