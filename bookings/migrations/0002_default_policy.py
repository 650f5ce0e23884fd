"""The studio default booking policy, so a new studio books and cancels sensibly.

30 days ahead, closes 1 h before the start, up to 4 spots per booking; full refund
24 h or more before, half 12 h or more before, nothing later. Staff edit it in admin.
"""

from decimal import Decimal

from django.db import migrations


def create_default(apps, schema_editor):
    BookingPolicy = apps.get_model("bookings", "BookingPolicy")
    RefundTier = apps.get_model("bookings", "RefundTier")
    if BookingPolicy.objects.filter(is_default=True).exists():
        return
    policy = BookingPolicy.objects.create(
        name="Studio default", is_default=True, booking_opens_days=30, cutoff_minutes=60, max_party_size=4,
    )
    RefundTier.objects.create(policy=policy, min_hours_before=Decimal("24"), refund_percent=Decimal("100"))
    RefundTier.objects.create(policy=policy, min_hours_before=Decimal("12"), refund_percent=Decimal("50"))


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
