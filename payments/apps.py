"""Payments: the money ledger, Stripe plumbing and refunds by policy (issue 15)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from bookings.integrity import register_integrity_check
        from payments import handlers, messages  # noqa: F401  (connect signal receivers)
        from payments.integrity import MONEY_CHECK

        register_integrity_check(MONEY_CHECK)
