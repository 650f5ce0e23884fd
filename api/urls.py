"""/api/v1/ (JSON, OpenAPI at /api/v1/schema/), the client's API token page and the embeddable timetable."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import embed_views, token_views
from api.views import bookings, public

app_name = "api"
urlpatterns = [
    path("api/v1/locations/", public.LocationList.as_view(), name="locations"),
    path("api/v1/class-types/", public.ClassTypeList.as_view(), name="class_types"),
    path("api/v1/teachers/", public.TeacherList.as_view(), name="teachers"),
    path("api/v1/sessions/", public.SessionList.as_view(), name="sessions"),
    path("api/v1/therapy-types/", public.TherapyTypeList.as_view(), name="therapy_types"),
    path("api/v1/therapy-types/<str:slug>/slots/", public.TherapySlotList.as_view(), name="therapy_slots"),
    path("api/v1/summary/", public.MonthSummary.as_view(), name="summary"),
    path("api/v1/me/bookings/", bookings.MyBookings.as_view(), name="my_bookings"),
    path("api/v1/me/bookings/<str:reference>/", bookings.MyBooking.as_view(), name="my_booking"),
    path("api/v1/me/bookings/<str:reference>/cancel/", bookings.CancelMyBooking.as_view(), name="my_booking_cancel"),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("accounts/api-tokens/", token_views.tokens_page, name="tokens"),
    path("accounts/api-tokens/<int:pk>/revoke/", token_views.revoke, name="revoke_token"),
    path("embed/timetable/", embed_views.timetable, name="embed_timetable"),
]
