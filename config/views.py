"""Project-level views."""

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    HttpResponseServerError,
    JsonResponse,
)
from django.template import loader
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token

from config.health import readiness


@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """Liveness, for load balancers and process supervisors: this process answers.

    Nothing else: no database, no cache, no broker. A dependency that is down is
    /readyz's business; restarting web processes would not bring it back.
    """
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when the database, the cache and the broker all answer, else 503 naming which do not."""
    report = readiness()
    return JsonResponse(report, status=503 if report["down"] else 200)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links: send them to our SVG icon.

    Not permanent: with hashed static names (STATIC_MANIFEST) the target changes with the file.
    """
    return HttpResponseRedirect(static("favicon.svg"))


def _plain_context() -> dict:
    """What the 400 and 500 pages may use: settings only, no request, user or database."""
    return {"STUDIO_NAME": settings.STUDIO_NAME}


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page in the site's look; like Django's own, rendered without the request.

    Something is already broken, so it must not need the context processors (the
    database for the unread count, the session for the user); only the studio name.
    """
    return HttpResponseServerError(loader.get_template("500.html").render(_plain_context()))


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 400 page (e.g. a suspicious Host header): same layout and rules as the 500 page."""
    return HttpResponseBadRequest(loader.get_template("400.html").render(_plain_context()))
