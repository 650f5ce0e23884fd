from django.urls import path

from bookings import views

app_name = "bookings"
urlpatterns = [
    path("classes/<int:session_id>/book/", views.book_class, name="book_class"),
    path("bookings/", views.my_bookings, name="mine"),
    path("bookings/<str:reference>/", views.booking_detail, name="detail"),
    path("bookings/<str:reference>/cancel/", views.cancel_booking, name="cancel"),
    path("bookings/<str:reference>/change/", views.change_booking, name="change"),
]
