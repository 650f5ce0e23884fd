# Booking events keep the actor's name on the row, so deleting (or later erasing) a staff
# account no longer leaves history that says nobody did it. Existing rows are filled
# from their actor while it still exists.

from django.db import migrations, models


def actor_name(user) -> str:
    """User.name as of this migration (historical models have no properties)."""
    full = f"{user.first_name} {user.last_name}".strip()
    return (user.display_name or full or user.email.split("@")[0])[:150]


def backfill(apps, schema_editor):
    BookingEvent = apps.get_model("bookings", "BookingEvent")
    User = apps.get_model("accounts", "User")
    named = BookingEvent.objects.filter(actor__isnull=False, actor_name="")
    # One UPDATE per person who acted: a studio has few staff, however many events.
    for user in User.objects.filter(pk__in=named.values("actor_id")).iterator():
        named.filter(actor_id=user.pk).update(actor_name=actor_name(user))


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_site_from_settings'),
        ('bookings', '0005_booking_export_permission'),
    ]

    operations = [
        migrations.AddField(
            model_name='bookingevent',
            name='actor_name',
            field=models.CharField(blank=True, max_length=150, verbose_name='by'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
