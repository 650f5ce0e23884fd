from django.urls import path

from privacy import views

app_name = "privacy"
urlpatterns = [
    path("privacy/", views.my_data, name="my_data"),
    path("privacy/export/", views.request_export, name="request_export"),
    path("privacy/export/<str:token>/", views.download_export, name="download_export"),
    path("privacy/delete/", views.request_erasure, name="request_erasure"),
    path("privacy/delete/cancel/", views.cancel_erasure, name="cancel_erasure"),
    path("privacy/clients/<int:client_id>/record/", views.client_record, name="client_record"),
]
