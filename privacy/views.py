"""Privacy pages: the client's own data page, and the owner's reasoned look at a therapy record."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.http import AuthedRequest
from accounts.models import User
from privacy import access, selectors
from privacy.forms import AccessReasonForm

ACCESS_LOG_SHOWN = 200


@login_required
def my_data(request: AuthedRequest) -> HttpResponse:
    """Who looked at my data; and (below) getting a copy and deleting the account."""
    return render(
        request,
        "privacy/my_data.html",
        {"accesses": selectors.accesses_of(request.user)[:ACCESS_LOG_SHOWN]},
    )


@login_required
def client_record(request: AuthedRequest, client_id: int) -> HttpResponse:
    """The owner reads a client's intake answers and notes: only after giving a reason (a POST)."""
    if not access.may_read_any(request.user):
        raise PermissionDenied(_("Only the studio's owner may read clients' therapy records."))
    client = User.objects.filter(pk=client_id).first()
    if client is None:
        raise Http404(_("No such client."))
    form = AccessReasonForm(request.POST or None)
    records = None
    if request.method == "POST" and form.is_valid():
        bookings = list(selectors.sessions_with_records(client))
        records = access.read_records(
            bookings=bookings, viewer=request.user, request=request, reason=form.cleaned_data["reason"]
        )
    return render(request, "privacy/client_record.html", {"client": client, "form": form, "records": records})
