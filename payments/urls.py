from django.urls import path

from payments import views

app_name = "payments"
urlpatterns = [
    path("bookings/<slug:reference>/receipt/", views.receipt, name="receipt"),
    path("desk/bookings/<int:booking_id>/take-payment/", views.desk_take_payment, name="desk_take_payment"),
]
