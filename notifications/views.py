"""The in-app message list (the bell)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.http import AuthedRequest
from notifications import selectors, services
from notifications.channels import render as render_part


@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    rows = list(selectors.inbox(user=request.user).select_related("recipient")[:100])
    items = [{"row": row, "text": render_part(row, "short.txt")} for row in rows]
    return render(request, "notifications/inbox.html", {"items": items})


@login_required
@require_POST
def mark_all_read(request: AuthedRequest) -> HttpResponse:
    services.mark_read(recipient=request.user)
    return redirect("notifications:inbox")
