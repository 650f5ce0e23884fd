from django.urls import path

from waitlist import views

app_name = "waitlist"
urlpatterns = [
    path("classes/<int:session_id>/waitlist/", views.join, name="join"),
    path("waitlist/<int:entry_id>/leave/", views.leave, name="leave"),
    path("waitlist/offers/<int:offer_id>/", views.offer_detail, name="offer"),
    path("waitlist/offers/<int:offer_id>/accept/", views.accept, name="accept"),
    path("waitlist/offers/<int:offer_id>/decline/", views.decline, name="decline"),
]
