"""The site's URLs plus one careless page that prints a session's note: the negative control."""

from django.http import HttpResponse
from django.urls import path

from bookings.models import Booking
from config.urls import urlpatterns as site


def leaky(request, reference: str) -> HttpResponse:
    return HttpResponse(Booking.objects.get(reference=reference).therapist_note)


urlpatterns = [*site, path("leaky/<str:reference>/", leaky, name="leaky")]
