# One deadline for every pending hold (bookings.services.holds): Booking.hold_until.
#
# Until now a therapy hold (a wish offer's kept time) kept its deadline in respond_by,
# the field a request's "answer due" lives in; it moves to hold_until, so respond_by
# means one thing again. Class holds (waitlist offers) kept theirs only on the offer
# row, which bookings never reads (waitlist depends on bookings, not the other way):
# they keep hold_until empty and the waitlist's offer expiry ends them as before; holds
# made from now on carry their deadline. The reverse step puts the therapy deadlines
# back into respond_by, so the code before this migration finds them where it looked.

from django.db import migrations, models
from django.db.models import F


def _pending_therapy_holds(apps):
    Booking = apps.get_model("bookings", "Booking")
    return Booking.objects.filter(status="pending", therapy_type__isnull=False)


def copy_deadlines(apps, schema_editor):
    """A pending therapy hold's respond_by becomes its hold_until."""
    _pending_therapy_holds(apps).filter(hold_until__isnull=True, respond_by__isnull=False).update(
        hold_until=F("respond_by"), respond_by=None
    )


def copy_deadlines_back(apps, schema_editor):
    _pending_therapy_holds(apps).filter(respond_by__isnull=True, hold_until__isnull=False).update(
        respond_by=F("hold_until")
    )


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0008_attendance_closes'),
    ]

    operations = [
        migrations.AddField(
            model_name='booking',
            name='hold_until',
            field=models.DateTimeField(blank=True, help_text='A pending hold (a waitlist offer, a kept therapy time) lapses then if not confirmed.', null=True, verbose_name='held until'),
        ),
        migrations.AddIndex(
            model_name='booking',
            index=models.Index(condition=models.Q(('status', 'pending')), fields=['hold_until'], name='booking_hold_due_idx'),
        ),
        migrations.RunPython(copy_deadlines, copy_deadlines_back, elidable=True),
    ]
