"""The client's offer pages, one set for both kinds: see an offer, accept it, decline it.

URLs carry the kind (``class`` or ``therapy``, waitlist.offer_kinds.KINDS):
``waitlist/offers/<kind>/<id>/`` and its ``accept/`` and ``decline/`` (POST). Another
client's offer is not found (404); the service checks the owner again whoever calls it.
The offer pages' old addresses (from messages already sent) redirect here for good:
the pages with 301, the POST answers with 308 so the browser posts again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.http import AuthedRequest
from bookings.services import RequestMeta
from waitlist import offers
from waitlist.errors import WaitlistError
from waitlist.models import OfferState
from waitlist.offer_kinds import KINDS, Offer, OfferKind


@dataclass(frozen=True)
class OfferPage:
    """How a kind's offer is shown: its template, the held thing it shows (the class session,
    or the kept booking), and what the page says after a decline."""

    template: str
    shows: str
    declined: str | Promise


PAGES = {
    "class": OfferPage(
        "waitlist/offer.html",
        "session",
        gettext_lazy("Thank you for letting us know: the spot goes to the next person waiting."),
    ),
    "therapy": OfferPage(
        "waitlist/therapy_offer.html",
        "booking",
        gettext_lazy("Thank you for letting us know: the time goes to the next person waiting."),
    ),
}


def _kind(kind: str) -> OfferKind:
    try:
        return KINDS[kind]
    except KeyError:
        raise Http404(_("No such offer.")) from None


def _own_offer(request: AuthedRequest, kind: str, offer_id: int) -> Offer:
    offer_kind = _kind(kind)
    try:
        return offers.client_offer(kind=offer_kind, client=request.user, offer_id=offer_id)
    except offer_kind.model.DoesNotExist:
        raise Http404(_("No such offer.")) from None


@login_required
def offer_detail(request: AuthedRequest, kind: str, offer_id: int) -> HttpResponse:
    """The page the offer message links to: one click accepts."""
    offer = _own_offer(request, kind, offer_id)
    is_open = offer.state == OfferState.OPEN and offer.expires_at > timezone.now()
    page = PAGES[kind]
    context = {
        "offer": offer,
        "is_open": is_open,
        "refusal": offers.refusal(offer),
        page.shows: getattr(offer, page.shows),
    }
    return render(request, page.template, context)


@login_required
@require_POST
def accept(request: AuthedRequest, kind: str, offer_id: int) -> HttpResponse:
    offer = _own_offer(request, kind, offer_id)
    try:
        booking = offers.accept_offer(offer=offer, actor=request.user, meta=RequestMeta.from_request(request))
    except WaitlistError as exc:
        messages.error(request, str(exc))
        return redirect("waitlist:offer", kind=kind, offer_id=offer.pk)
    messages.success(request, _("You're booked! Your reference is %(ref)s.") % {"ref": booking.reference})
    return redirect(booking)


@login_required
@require_POST
def decline(request: AuthedRequest, kind: str, offer_id: int) -> HttpResponse:
    offer = _own_offer(request, kind, offer_id)
    try:
        offers.decline_offer(offer=offer, actor=request.user, meta=RequestMeta.from_request(request))
    except WaitlistError as exc:
        messages.error(request, str(exc))
        return redirect("waitlist:offer", kind=kind, offer_id=offer.pk)
    messages.info(request, str(PAGES[kind].declined))
    return redirect("bookings:mine")


# --- the old addresses -------------------------------------------------------------------------


def moved(name: str, kind: str) -> Callable[[HttpRequest, int], HttpResponseBase]:
    """A view that sends an old offer address to its new one, for good: 301 for a page, 308
    (the browser repeats the POST) for an answer. The new address checks log-in and owner."""
    answer = name != "offer"

    def view(request: HttpRequest, offer_id: int) -> HttpResponseBase:
        target = reverse(f"waitlist:{name}", kwargs={"kind": kind, "offer_id": offer_id})
        return redirect(target, permanent=True, preserve_request=answer)

    view.__name__ = view.__qualname__ = f"moved_{kind}_{name}"
    return view
