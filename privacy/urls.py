from django.urls import path

from privacy import views

app_name = "privacy"
urlpatterns = [
    path("privacy/", views.my_data, name="my_data"),
    path("privacy/clients/<int:client_id>/record/", views.client_record, name="client_record"),
]
