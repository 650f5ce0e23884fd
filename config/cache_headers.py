"""Cache-Control for pages that belong to one person.

A signed-in user's pages carry their name, bookings, health notes or a therapist's
clients. Without a header a browser keeps them in its disk cache and shows them again
with the back button after log-out (a shared computer at the studio's desk), and a
proxy may store them. So every response to a signed-in user, and every account page
(e-mail confirmation and password-reset pages show an address or carry a key), is
``private, no-store``. Anonymous pages (the timetable, class pages) keep whatever
their view says, and static files never reach this middleware (whitenoise answers
above it).
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import cached_property


class PrivatePagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @cached_property
    def account_prefix(self) -> str:
        """allauth's pages all live in the log-in page's folder (/accounts/)."""
        return reverse("account_login").rstrip("/").rsplit("/", 1)[0] + "/"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith(self.account_prefix):
            # max-age=0, no-cache, no-store, must-revalidate, private (and Expires now).
            add_never_cache_headers(response)
        return response
