from django.urls import path

from payments import checkout_views, report_views, views

app_name = "payments"
urlpatterns = [
    path("bookings/<slug:reference>/receipt/", views.receipt, name="receipt"),
    path("desk/bookings/<int:booking_id>/take-payment/", views.desk_take_payment, name="desk_take_payment"),
    path("reports/money/", report_views.money, name="report_money"),
    path("reports/instructor-pay/", report_views.instructor_pay, name="report_pay"),
    path("payments/stripe/webhook/", checkout_views.stripe_webhook, name="stripe_webhook"),
    path("payments/return/<slug:reference>/", checkout_views.payment_return, name="return"),
    path("payments/cancelled/<slug:reference>/", checkout_views.payment_cancelled, name="cancelled"),
    path("bookings/<slug:reference>/pay/", checkout_views.pay_now, name="pay_now"),
]
