from django.urls import path

from bookings import feeds, views

app_name = "bookings"
urlpatterns = [
    path("classes/<int:session_id>/book/", views.book_class, name="book_class"),
    path("bookings/", views.my_bookings, name="mine"),
    path("bookings/<str:reference>/", views.booking_detail, name="detail"),
    path("bookings/<str:reference>/cancel/", views.cancel_booking, name="cancel"),
    path("bookings/<str:reference>/change/", views.change_booking, name="change"),
    path("bookings/<str:reference>/calendar.ics", feeds.booking_file, name="ics"),
    path("calendar/<str:token>/shala.ics", feeds.personal_feed, name="feed"),
    path("calendar/classes.ics", feeds.studio_feed, name="studio_feed"),
    path("calendar/regenerate/", feeds.regenerate_feed, name="regenerate_feed"),
    path("calendar/revoke/", feeds.revoke_feed, name="revoke_feed"),
]
