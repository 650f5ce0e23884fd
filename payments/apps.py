"""Payments: the money ledger, Stripe plumbing and refunds by policy (issue 15)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from bookings.checkout_hooks import register_class_checkout, register_held_checkout
        from bookings.integrity import register_integrity_check
        from bookings.panels import register_my_bookings_panel
        from payments import handlers, messages  # noqa: F401  (connect signal receivers)
        from payments.checkout_views import class_checkout, held_checkout
        from payments.integrity import MONEY_CHECK
        from payments.panels import awaiting_payment_panel

        register_integrity_check(MONEY_CHECK)
        register_class_checkout(class_checkout)
        register_held_checkout(held_checkout)
        register_my_bookings_panel(awaiting_payment_panel)
