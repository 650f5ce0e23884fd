from django.urls import path

from schedules import views

app_name = "schedules"
urlpatterns = [
    path("classes/", views.timetable, name="timetable"),
    path("classes/<int:pk>/", views.session_detail, name="session"),
    path("teachers/", views.practitioner_list, name="practitioners"),
    path("teachers/<slug:slug>/", views.practitioner_detail, name="practitioner"),
]
