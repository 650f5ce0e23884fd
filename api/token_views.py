"""The client's API token page: make a token (shown once), see and revoke their tokens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.http import AuthedRequest
from api import tokens


class NewTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=80,
        help_text=gettext_lazy("What the token is for, e.g. my calendar app."),
    )


@login_required
def tokens_page(request: AuthedRequest) -> HttpResponse:
    form = NewTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            _row, new_token = tokens.create_token(user=request.user, name=form.cleaned_data["name"])
        except tokens.TokenError as exc:
            form.add_error("name", str(exc))
        else:
            form = NewTokenForm()
    return render(
        request,
        "api/tokens.html",
        {"form": form, "new_token": new_token, "tokens": tokens.active_tokens(user=request.user)},
    )


@login_required
@require_POST
def revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    if tokens.revoke_token(user=request.user, token_id=pk):
        messages.success(request, _("The token was revoked; programs using it can no longer sign in."))
    else:
        messages.error(request, _("No such token."))
    return redirect("api:tokens")
