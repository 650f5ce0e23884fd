"""Client pages of the waitlist: join, leave, see and answer an offer. Thin views."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings.services import RequestMeta
from waitlist import services
from waitlist.forms import JoinWaitlistForm
from waitlist.models import OfferState, WaitlistEntry, WaitlistOffer


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
    return redirect(request.POST.get("next") or reverse("bookings:mine"))


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
