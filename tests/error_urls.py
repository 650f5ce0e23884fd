"""The site's URLs (and its error handlers) plus two that fail on purpose, for tests/test_error_pages.py."""

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from django.urls import path

from config import urls as site


def crash(request: HttpRequest):
    raise RuntimeError("a bug")


def suspicious(request: HttpRequest):
    raise SuspiciousOperation("tampered input")


urlpatterns = [*site.urlpatterns, path("test-crash/", crash), path("test-bad-request/", suspicious)]
# Whatever the site's URL conf sets, or Django's defaults when it sets nothing.
handler400 = getattr(site, "handler400", "django.views.defaults.bad_request")
handler500 = getattr(site, "handler500", "django.views.defaults.server_error")
