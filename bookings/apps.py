from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Bookings")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from bookings import handlers  # noqa: F401  (connects signal receivers)
        from bookings.messages import register_private_data
        from bookings.models import BookingPolicy, ClassTypePolicy, TherapyTypePolicy
        from bookings.panels import booking_panel
        from bookings.policy_cache import forget_on_change
        from bookings.prices import forget_tax_rules
        from schedules.models import ClassType, TaxRate, TherapyType
        from schedules.panels import register_session_panel

        register_session_panel(booking_panel)
        register_private_data()
        for model in (BookingPolicy, ClassTypePolicy, TherapyTypePolicy):
            for name, signal in (("save", post_save), ("delete", post_delete)):
                signal.connect(
                    forget_on_change, sender=model, dispatch_uid=f"bookings.policies.{name}.{model.__name__}"
                )
        for taxed in (TaxRate, ClassType, TherapyType):  # which tax rule each type follows
            for name, signal in (("save", post_save), ("delete", post_delete)):
                signal.connect(forget_tax_rules, sender=taxed, dispatch_uid=f"bookings.tax.{name}.{taxed.__name__}")
