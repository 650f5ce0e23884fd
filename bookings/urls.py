from django.urls import path

from bookings import feeds, instructor_views, therapist_views, therapy_views, views

app_name = "bookings"
urlpatterns = [
    path("classes/<int:session_id>/book/", views.book_class, name="book_class"),
    path("bookings/", views.my_bookings, name="mine"),
    path("bookings/<slug:reference>/", views.booking_detail, name="detail"),
    path("bookings/<slug:reference>/cancel/", views.cancel_booking, name="cancel"),
    path("bookings/<slug:reference>/change/", views.change_booking, name="change"),
    path("bookings/<slug:reference>/calendar.ics", feeds.booking_file, name="ics"),
    path("bookings/<slug:reference>/reschedule/", therapy_views.reschedule, name="reschedule"),
    path("bookings/<slug:reference>/cancel-series/", therapy_views.cancel_series, name="cancel_series"),
    path("proposals/<int:pk>/", therapy_views.proposal, name="proposal"),
    path("therapy/", therapy_views.therapy_list, name="therapy_list"),
    path("therapy/<slug:slug>/", therapy_views.therapy_type, name="therapy_type"),
    path("therapy/<slug:slug>/book/", therapy_views.book_therapy, name="book_therapy"),
    path("therapist/", therapist_views.calendar_week, name="therapist_calendar"),
    path("therapist/availability/", therapist_views.availability, name="therapist_availability"),
    path("therapist/time-off/", therapist_views.add_override, name="therapist_add_override"),
    path("therapist/time-off/<int:pk>/remove/", therapist_views.remove_override, name="therapist_remove_override"),
    path("therapist/requests/", therapist_views.requests_inbox, name="therapist_requests"),
    path("therapist/sessions/", therapist_views.sessions, name="therapist_sessions"),
    path("therapist/sessions/<slug:reference>/", therapist_views.session_detail, name="therapist_session"),
    path("therapist/sessions/<slug:reference>/approve/", therapist_views.approve, name="therapist_approve"),
    path("therapist/sessions/<slug:reference>/decline/", therapist_views.decline, name="therapist_decline"),
    path("therapist/sessions/<slug:reference>/propose/", therapist_views.propose, name="therapist_propose"),
    path("therapist/sessions/<slug:reference>/mark/", therapist_views.mark, name="therapist_mark"),
    path("therapist/sessions/<slug:reference>/cancel/", therapist_views.cancel, name="therapist_cancel"),
    path("instructor/", instructor_views.my_classes, name="instructor_classes"),
    path("instructor/classes/<int:session_id>/", instructor_views.roster, name="instructor_roster"),
    path(
        "instructor/classes/<int:session_id>/check-in/<int:booking_id>/",
        instructor_views.check_in,
        name="instructor_check_in",
    ),
    path("calendar/<slug:token>/shala.ics", feeds.personal_feed, name="feed"),
    path("calendar/classes.ics", feeds.studio_feed, name="studio_feed"),
    path("calendar/regenerate/", feeds.regenerate_feed, name="regenerate_feed"),
    path("calendar/revoke/", feeds.revoke_feed, name="revoke_feed"),
]
