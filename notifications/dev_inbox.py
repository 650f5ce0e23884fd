"""The local inbox of `make run`: the e-mails kept in var/mail/, for staff, with DEBUG on.

With DEBUG off every URL here is a 404, whoever asks: it is a developer's tool.
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from notifications import devmail


def _debug_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.DEBUG:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@_debug_only
@staff_member_required
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "notifications/dev_inbox.html", {"mails": devmail.stored_mails()})


@_debug_only
@staff_member_required
def message(request: HttpRequest, name: str) -> HttpResponse:
    mail = devmail.stored_mail(name=name)
    if mail is None:
        raise Http404
    return render(request, "notifications/dev_message.html", {"mail": mail})


app_name = "dev_inbox"
urlpatterns = [
    path("", inbox, name="inbox"),
    path("<str:name>", message, name="message"),
]
