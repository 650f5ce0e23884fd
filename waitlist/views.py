"""Client pages of the waitlist: join, leave, see and answer an offer; wish for a therapy
time, withdraw the wish, see and answer its offer. Thin views."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings import therapy_selectors
from bookings.services import RequestMeta
from config import params
from schedules.models import TherapyType
from waitlist import services, wishes
from waitlist.forms import JoinWaitlistForm, TherapyWishForm
from waitlist.models import OfferState, TherapyWish, TherapyWishOffer, WaitlistEntry, WaitlistOffer


def _own_offer(request: HttpRequest, offer_id: int) -> WaitlistOffer:
    try:
        return services.client_offer(client=request.user, offer_id=offer_id)
    except WaitlistOffer.DoesNotExist:
        raise Http404(_("No such offer.")) from None


@login_required
def join(request: HttpRequest, session_id: int) -> HttpResponse:
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
def leave(request: HttpRequest, entry_id: int) -> HttpResponse:
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


@login_required
def offer_detail(request: HttpRequest, offer_id: int) -> HttpResponse:
    """The page the offer message links to: one click accepts."""
    offer = _own_offer(request, offer_id)
    is_open = offer.state == OfferState.OPEN and offer.expires_at > timezone.now()
    return render(
        request,
        "waitlist/offer.html",
        {"offer": offer, "session": offer.session, "is_open": is_open, "refusal": services.refusal(offer)},
    )


@login_required
@require_POST
def accept(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = _own_offer(request, offer_id)
    try:
        booking = services.accept_offer(offer=offer, actor=request.user, meta=RequestMeta.from_request(request))
    except services.WaitlistError as exc:
        messages.error(request, str(exc))
        return redirect("waitlist:offer", offer_id=offer.pk)
    messages.success(request, _("You're booked! Your reference is %(ref)s.") % {"ref": booking.reference})
    return redirect(booking)


@login_required
@require_POST
def decline(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = _own_offer(request, offer_id)
    try:
        services.decline_offer(offer=offer, actor=request.user, meta=RequestMeta.from_request(request))
    except services.WaitlistError as exc:
        messages.error(request, str(exc))
        return redirect("waitlist:offer", offer_id=offer.pk)
    messages.info(request, _("Thank you for letting us know: the spot goes to the next person waiting."))
    return redirect("bookings:mine")


# --- therapy wishes ---------------------------------------------------------------------------


def _own_therapy_offer(request: HttpRequest, offer_id: int) -> TherapyWishOffer:
    try:
        return wishes.client_offer(client=request.user, offer_id=offer_id)
    except TherapyWishOffer.DoesNotExist:
        raise Http404(_("No such offer.")) from None


@login_required
def therapy_wish(request: HttpRequest, slug: str) -> HttpResponse:
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
def withdraw_wish(request: HttpRequest, wish_id: int) -> HttpResponse:
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


@login_required
def therapy_offer(request: HttpRequest, offer_id: int) -> HttpResponse:
    """The page the offer message links to: one click accepts."""
    offer = _own_therapy_offer(request, offer_id)
    is_open = offer.state == OfferState.OPEN and offer.expires_at > timezone.now()
    return render(
        request,
        "waitlist/therapy_offer.html",
        {"offer": offer, "booking": offer.booking, "is_open": is_open, "refusal": wishes.refusal(offer)},
    )


@login_required
@require_POST
def accept_therapy_offer(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = _own_therapy_offer(request, offer_id)
    try:
        booking = wishes.accept_offer(offer=offer, actor=request.user, meta=RequestMeta.from_request(request))
    except services.WaitlistError as exc:
        messages.error(request, str(exc))
        return redirect("waitlist:therapy_offer", offer_id=offer.pk)
    messages.success(request, _("You're booked! Your reference is %(ref)s.") % {"ref": booking.reference})
    return redirect(booking)


@login_required
@require_POST
def decline_therapy_offer(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = _own_therapy_offer(request, offer_id)
    try:
        wishes.decline_offer(offer=offer, actor=request.user, meta=RequestMeta.from_request(request))
    except services.WaitlistError as exc:
        messages.error(request, str(exc))
        return redirect("waitlist:therapy_offer", offer_id=offer.pk)
    messages.info(request, _("Thank you for letting us know: the time goes to the next person waiting."))
    return redirect("bookings:mine")
