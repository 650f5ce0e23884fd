from django.urls import path

from payments import views

app_name = "payments"
urlpatterns = [
    path("payments/stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    path("payments/return/<slug:reference>/", views.payment_return, name="return"),
    path("payments/cancelled/<slug:reference>/", views.payment_cancelled, name="cancelled"),
    path("bookings/<slug:reference>/pay/", views.pay_now, name="pay_now"),
]
