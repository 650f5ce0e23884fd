# Attendance closes by itself (bookings.services.attendance): each policy says how long
# after the end staff may still check clients in, and whether a client nobody checked in
# is a no-show. Existing policies get an hour, and absent counts as attended.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0007_notes_out_of_the_outbox'),
    ]

    operations = [
        migrations.AddField(
            model_name='bookingpolicy',
            name='absent_is_no_show',
            field=models.BooleanField(default=False, help_text='When attendance closes, a confirmed booking nobody checked in becomes a no-show (and the no-show fee applies) instead of attended.', verbose_name='not checked in counts as a no-show'),
        ),
        migrations.AddField(
            model_name='bookingpolicy',
            name='attendance_closes_minutes',
            field=models.PositiveIntegerField(default=60, help_text='Until then staff can still check clients in; then confirmed bookings are closed automatically.', verbose_name='attendance closes (minutes after the end)'),
        ),
    ]
