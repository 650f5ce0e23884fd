from django.urls import path

from payments import report_views, views

app_name = "payments"
urlpatterns = [
    path("bookings/<slug:reference>/receipt/", views.receipt, name="receipt"),
    path("desk/bookings/<int:booking_id>/take-payment/", views.desk_take_payment, name="desk_take_payment"),
    path("reports/money/", report_views.money, name="report_money"),
    path("reports/instructor-pay/", report_views.instructor_pay, name="report_pay"),
]
