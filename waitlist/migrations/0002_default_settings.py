"""The studio's default waitlist settings, so a full class has a waitlist from the start.

Offers hold the spot for 2 h (30 min when the class starts within 12 h) and stop
60 min before the start. Staff edit it, or add settings per class type, in admin.
"""

from django.db import migrations


def create_default(apps, schema_editor):
    WaitlistSettings = apps.get_model("waitlist", "WaitlistSettings")
    if not WaitlistSettings.objects.filter(class_type__isnull=True).exists():
        WaitlistSettings.objects.create(
            class_type=None, is_enabled=True, mode="offer", offer_hold_minutes=120, soon_hours=12,
            soon_hold_minutes=30, cutoff_minutes=60,
        )


class Migration(migrations.Migration):
    dependencies = [("waitlist", "0001_initial")]

    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
