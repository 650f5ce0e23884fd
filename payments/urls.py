from django.urls import path

from payments import report_views

app_name = "payments"
urlpatterns = [
    path("reports/money/", report_views.money, name="report_money"),
    path("reports/instructor-pay/", report_views.instructor_pay, name="report_pay"),
]
