from django.urls import path

from waitlist import offer_views, views

app_name = "waitlist"
urlpatterns = [
    path("classes/<int:session_id>/waitlist/", views.join, name="join"),
    path("waitlist/<int:entry_id>/leave/", views.leave, name="leave"),
    path("therapy/<slug:slug>/waitlist/", views.therapy_wish, name="therapy_wish"),
    path("waitlist/wishes/<int:wish_id>/withdraw/", views.withdraw_wish, name="withdraw_wish"),
    # One set of offer pages; <kind> is "class" or "therapy" (anything else: 404).
    path("waitlist/offers/<slug:kind>/<int:offer_id>/", offer_views.offer_detail, name="offer"),
    path("waitlist/offers/<slug:kind>/<int:offer_id>/accept/", offer_views.accept, name="accept_offer"),
    path("waitlist/offers/<slug:kind>/<int:offer_id>/decline/", offer_views.decline, name="decline_offer"),
    # The old addresses, in messages already sent: 301 for the pages, 308 for the POSTs.
    path("waitlist/offers/<int:offer_id>/", offer_views.moved("offer", "class"), name="old_offer"),
    path("waitlist/offers/<int:offer_id>/accept/", offer_views.moved("accept_offer", "class"), name="old_accept"),
    path("waitlist/offers/<int:offer_id>/decline/", offer_views.moved("decline_offer", "class"), name="old_decline"),
    path(
        "waitlist/therapy-offers/<int:offer_id>/",
        offer_views.moved("offer", "therapy"),
        name="old_therapy_offer",
    ),
    path(
        "waitlist/therapy-offers/<int:offer_id>/accept/",
        offer_views.moved("accept_offer", "therapy"),
        name="old_accept_therapy_offer",
    ),
    path(
        "waitlist/therapy-offers/<int:offer_id>/decline/",
        offer_views.moved("decline_offer", "therapy"),
        name="old_decline_therapy_offer",
    ),
]
