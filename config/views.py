"""Project-level views."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.views.decorators.cache import never_cache


@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """For load balancers and monitoring: the app answers and the database does too.

    One query, nothing else; `make bench` also uses it as the baseline a booking
    request is compared with.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok", content_type="text/plain")


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links: send them to our SVG icon.

    Not permanent: with hashed static names (STATIC_MANIFEST) the target changes with the file.
    """
    return HttpResponseRedirect(static("favicon.svg"))
