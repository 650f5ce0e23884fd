"""The access log of therapy data (append-only), and clients' export and erasure requests.

The access log is a record of fact, like the payments ledger: a PostgreSQL trigger
(migration 0002_access_log_guard) refuses every UPDATE and DELETE, and admin offers no
change or delete. Its foreign keys are PROTECT for the same reason: erasure anonymises
a person, it never deletes one, so a row never has to follow a deleted user.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessKind(models.TextChoices):
    INTAKE = "intake", _("intake answers")
    NOTE = "note", _("session note")


class AccessLogEntry(models.Model):
    """Someone other than the client read the client's therapy data."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("who")
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="data_accesses", verbose_name=_("client")
    )
    kind = models.CharField(_("what"), max_length=20, choices=AccessKind.choices)
    object_label = models.CharField(_("record"), max_length=60)  # e.g. "bookings.booking"
    object_id = models.CharField(_("record id"), max_length=40)
    page = models.CharField(_("page"), max_length=100)  # the URL name of the view that showed it
    ip_address = models.GenericIPAddressField(_("from"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["client", "-at"], name="access_client_at_idx")]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        permissions = [("view_therapy_record", _("Can read any client's therapy record, with a reason"))]

    def __str__(self) -> str:
        return f"{self.viewer_id} → {self.client_id} {self.kind} ({self.at:%Y-%m-%d %H:%M})"
