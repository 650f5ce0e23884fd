"""What a client thought of a class or session they came to: one rating and comment per booking."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking

RATINGS = [(n, str(n)) for n in range(1, 6)]


class Feedback(models.Model):
    """Given by the booking's client after the session (feedback.services.leave_feedback)."""

    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="feedback")
    rating = models.PositiveSmallIntegerField(
        _("rating"), choices=RATINGS, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("given at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5")]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")

    def __str__(self) -> str:
        return f"{self.booking} ★{self.rating}"
