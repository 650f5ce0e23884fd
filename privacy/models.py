"""The access log of therapy data (append-only), and clients' export and erasure requests.

The access log is a record of fact, like the payments ledger: a PostgreSQL trigger
(migration 0002_access_log_guard) refuses every UPDATE and DELETE, and admin offers no
change or delete. Its foreign keys are PROTECT for the same reason: erasure anonymises
a person, it never deletes one, so a row never has to follow a deleted user.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
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


class ExportState(models.TextChoices):
    PENDING = "pending", _("being prepared")
    READY = "ready", _("ready")


class DataExport(models.Model):
    """A copy of everything the studio keeps about a client (GDPR articles 15 and 20).

    The ZIP is kept in the row (small, and every web process can serve it) until its link
    expires; erasure deletes the client's exports with everything else about them.
    """

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports", verbose_name=_("client")
    )
    state = models.CharField(_("state"), max_length=10, choices=ExportState.choices, default=ExportState.PENDING)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    archive = models.BinaryField(_("archive"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")

    def __str__(self) -> str:
        return f"export {self.pk} of {self.client_id} ({self.state})"


class ErasureState(models.TextChoices):
    PENDING = "pending", _("waiting for the cooling-off period")
    CANCELLED = "cancelled", _("cancelled")
    DONE = "done", _("anonymised")


class ErasureRequest(models.Model):
    """A request to be forgotten (GDPR article 17): anonymised when due, cancellable until then.

    Who asked and why is kept here: the client themselves, or staff from admin with a reason.
    """

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="erasure_requests", verbose_name=_("client")
    )
    state = models.CharField(_("state"), max_length=10, choices=ErasureState.choices, default=ErasureState.PENDING)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    due_at = models.DateTimeField(_("erased from"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    finished_at = models.DateTimeField(_("done or cancelled at"), null=True, blank=True)
    cancelled_bookings = models.PositiveIntegerField(_("bookings cancelled"), default=0)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"], condition=models.Q(state="pending"), name="one_pending_erasure_per_client"
            )
        ]
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")

    def __str__(self) -> str:
        return f"erasure {self.pk} of {self.client_id} ({self.state})"
