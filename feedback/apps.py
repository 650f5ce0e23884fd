from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Feedback")

    def ready(self) -> None:
        from bookings.panels import register_my_bookings_panel
        from feedback import panels

        register_my_bookings_panel(panels.awaiting_feedback_panel)
