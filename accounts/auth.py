"""Glue between django-axes and our e-mail log-in."""

from django.http import HttpRequest


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The attempted log-in name, whichever form sent it.

    The admin form posts ``username``, allauth's form ``login``; the backend is
    called with ``email`` (our USERNAME_FIELD). Lower-cased so case tricks do not
    dodge the lockout.
    """
    candidates = []
    if credentials:
        candidates += [credentials.get("email"), credentials.get("username"), credentials.get("login")]
    if request is not None and request.method == "POST":
        candidates += [request.POST.get("login"), request.POST.get("username"), request.POST.get("email")]
    for value in candidates:
        if value:
            return str(value).strip().lower()
    return None
