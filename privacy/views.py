"""Privacy pages: the client's own data page, and the owner's reasoned look at a therapy record."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthedRequest
from accounts.models import User
from privacy import access, erasure, exports, selectors
from privacy.forms import AccessReasonForm

ACCESS_LOG_SHOWN = 200


@login_required
def my_data(request: AuthedRequest) -> HttpResponse:
    """Who looked at my data; and (below) getting a copy and deleting the account."""
    return render(
        request,
        "privacy/my_data.html",
        {
            "accesses": selectors.accesses_of(request.user)[:ACCESS_LOG_SHOWN],
            "latest_export": exports.latest_export(request.user),
            "pending_erasure": erasure.pending_erasure(request.user),
            "cooling_off_days": settings.PRIVACY_ERASURE_COOLING_OFF_DAYS,
        },
    )


@login_required
@require_POST
def request_export(request: AuthedRequest) -> HttpResponse:
    try:
        exports.request_export(client=request.user)
    except exports.ExportError as exc:
        messages.info(request, str(exc))
    else:
        messages.success(request, _("We are preparing a copy of your data and will e-mail you a link."))
    return redirect("privacy:my_data")


@login_required
def download_export(request: AuthedRequest, token: str) -> HttpResponse:
    """The ZIP, for the client whose export it is, while the link is valid (else a 404 page)."""
    try:
        archive = exports.archive_for_download(token=token, viewer=request.user)
    except exports.ExportError as exc:
        return render(request, "privacy/link_invalid.html", {"message": str(exc)}, status=404)
    response = HttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="my-data.zip"'
    response["Cache-Control"] = "private, no-store"
    return response


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


@login_required
@require_POST
def request_erasure(request: AuthedRequest) -> HttpResponse:
    """Delete my account: asked with a ticked box, done after the cooling-off period."""
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that you want your account deleted."))
        return redirect("privacy:my_data")
    try:
        row = erasure.request_erasure(client=request.user, actor=request.user)
    except erasure.ErasureError as exc:
        messages.info(request, str(exc))
    else:
        messages.success(
            request,
            _("Your account will be deleted on %(day)s. Until then you can change your mind here.")
            % {"day": date_format(timezone.localtime(row.due_at), "DATE_FORMAT")},
        )
    return redirect("privacy:my_data")


@login_required
@require_POST
def cancel_erasure(request: AuthedRequest) -> HttpResponse:
    if erasure.cancel_erasure(client=request.user, actor=request.user):
        messages.success(request, _("Your account will not be deleted."))
    return redirect("privacy:my_data")
