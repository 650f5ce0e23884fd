"""The outbox: one row per message to one person on one channel.

Rows are written inside the transaction of the change that causes them (DESIGN
invariant 4) and delivered after commit by Celery; a unique de-duplication key
makes a retried task or a second sweep a no-op.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    INAPP = "inapp", _("In the app")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped (channel not available)")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("message"), max_length=50)
    dedupe_key = models.CharField(_("de-duplication key"), max_length=200, unique=True)
    context = models.JSONField(_("data"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="outbox_due_idx",
            ),
            models.Index(fields=["recipient", "channel", "read_at"], name="inapp_unread_idx"),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id} ({self.channel})"


class CalendarFeedToken(models.Model):
    """The secret in a person's calendar subscription URL; regenerate to revoke the old one."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"feed of {self.user_id}"


class ChannelDefaults(models.Model):
    """The studio's default channels for new accounts (one row). People change theirs in their profile."""

    email = models.BooleanField(_("e-mail"), default=True)
    sms = models.BooleanField(_("SMS"), default=False, help_text=_("Only used when an SMS provider is configured."))
    whatsapp = models.BooleanField(_("WhatsApp"), default=False, help_text=_("Only used when WhatsApp is configured."))

    class Meta:
        verbose_name = _("default channels for new accounts")
        verbose_name_plural = _("default channels for new accounts")

    def __str__(self) -> str:
        chosen = [
            str(label)
            for on, label in ((self.email, _("e-mail")), (self.sms, _("SMS")), (self.whatsapp, _("WhatsApp")))
            if on
        ]
        return ", ".join(chosen) or str(_("in the app only"))

    @classmethod
    def current(cls) -> ChannelDefaults:
        return cls.objects.order_by("pk").first() or cls()
