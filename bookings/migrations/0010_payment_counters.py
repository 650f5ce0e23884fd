# The payments ledger (issue 15) keeps a third counter on the booking, refunds owed, and
# invariant 6 becomes "refunded + owed <= paid", every figure at least zero.

from decimal import Decimal

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("bookings", "0009_hold_until"),
    ]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="amount_refund_pending",
            field=models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=9, verbose_name="refund owed"),
        ),
        migrations.RemoveConstraint(
            model_name="booking",
            name="refund_never_exceeds_paid",
        ),
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("amount_paid__gte", 0), ("amount_refund_pending__gte", 0), ("amount_refunded__gte", 0)
                ),
                name="booking_money_not_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount_refunded__lte", models.F("amount_paid") - models.F("amount_refund_pending"))),
                name="refund_never_exceeds_paid",
            ),
        ),
    ]
