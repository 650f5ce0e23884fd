from django.urls import path

from waitlist import views

app_name = "waitlist"
urlpatterns = [
    path("classes/<int:session_id>/waitlist/", views.join, name="join"),
    path("waitlist/<int:entry_id>/leave/", views.leave, name="leave"),
    path("waitlist/offers/<int:offer_id>/", views.offer_detail, name="offer"),
    path("waitlist/offers/<int:offer_id>/accept/", views.accept, name="accept"),
    path("waitlist/offers/<int:offer_id>/decline/", views.decline, name="decline"),
    path("therapy/<slug:slug>/waitlist/", views.therapy_wish, name="therapy_wish"),
    path("waitlist/wishes/<int:wish_id>/withdraw/", views.withdraw_wish, name="withdraw_wish"),
    path("waitlist/therapy-offers/<int:offer_id>/", views.therapy_offer, name="therapy_offer"),
    path("waitlist/therapy-offers/<int:offer_id>/accept/", views.accept_therapy_offer, name="accept_therapy_offer"),
    path("waitlist/therapy-offers/<int:offer_id>/decline/", views.decline_therapy_offer, name="decline_therapy_offer"),
]
