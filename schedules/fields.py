"""A recurrence field whose dates are wall times of the schedule's location.

django-recurrence serialises RDATE/EXDATE by making naive datetimes aware in the
*active* Django time zone and writing them as UTC with a trailing ``Z``. Pages and
admin run under the viewer's zone, so the same naive "25 December 00:00" would be
written as ``20261224T230000Z`` by a staff member in Madrid and come back as the
24th. We pin serialisation and parsing to UTC, so a naive wall time goes in and
the very same naive wall time comes out, whoever saves it.
"""

from datetime import UTC

from django.utils import timezone
from recurrence.fields import RecurrenceField


class WallTimeRecurrenceField(RecurrenceField):
    def to_python(self, value):
        with timezone.override(UTC):
            return super().to_python(value)

    def get_prep_value(self, value):
        with timezone.override(UTC):
            return super().get_prep_value(value)

    def formfield(self, **kwargs):
        field = super().formfield(**kwargs)
        field.clean = _utc_clean(field.clean)
        return field


def _utc_clean(clean):
    def wrapped(value):
        with timezone.override(UTC):
            return clean(value)

    return wrapped
