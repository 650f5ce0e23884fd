"""Queues for full class sessions and wished-for therapy times."""

from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    name = "waitlist"
    verbose_name = "Waitlist"

    def ready(self) -> None:
        from bookings.instructor_selectors import register_waiting_counter
        from bookings.panels import register_my_bookings_panel, register_roster_panel
        from schedules.panels import register_session_panel
        from waitlist import (
            handlers,  # noqa: F401  (connects signal receivers)
            panels,
            selectors,
        )

        register_session_panel(panels.session_panel)
        register_my_bookings_panel(panels.my_waitlist_panel)
        register_my_bookings_panel(panels.my_wishes_panel)
        register_roster_panel(panels.roster_panel)
        register_waiting_counter(selectors.waiting_counts)
