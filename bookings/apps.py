from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Bookings"

    def ready(self) -> None:
        from bookings import handlers  # noqa: F401  (connects signal receivers)
        from bookings.panels import booking_panel
        from schedules.panels import register_session_panel

        register_session_panel(booking_panel)
