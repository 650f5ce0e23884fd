from django.urls import path

from feedback import views

app_name = "feedback"

urlpatterns = [
    path("bookings/<slug:reference>/feedback/", views.give, name="give"),
    path("my-feedback/", views.mine, name="mine"),
    path("reports/feedback/", views.report, name="report"),
]
