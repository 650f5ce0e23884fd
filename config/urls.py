"""Top-level URL map."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.static import serve

from accounts.views import set_language
from config.views import favicon, health, ready

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="schedules:timetable", permanent=False), name="home"),
    path("admin/", admin.site.urls),
    path("healthz", health, name="health"),
    path("readyz", ready, name="ready"),
    path("favicon.ico", favicon, name="favicon"),
    path("dev/inbox/", include("notifications.dev_inbox")),  # 404 unless DEBUG; staff only
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("accounts.urls")),
    # The language switcher: Django's set_language, which also saves a signed-in person's choice.
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("schedules.urls")),
    path("", include("payments.urls")),
    path("", include("bookings.urls")),
    path("", include("waitlist.urls")),
    path("", include("notifications.urls")),
    path("", include("feedback.urls")),
    path("", include("privacy.urls")),
    path("", include("api.urls")),  # /api/v1/, the API token page and /embed/
]

if settings.SERVE_MEDIA:
    urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]

# 403 and 404 use Django's handlers with templates/403.html and 404.html (full context);
# 400 and 500 render templates/400.html and 500.html without the request (config.views).
handler400 = "config.views.bad_request"
handler500 = "config.views.server_error"

admin.site.site_header = settings.STUDIO_NAME
admin.site.site_title = settings.STUDIO_NAME
