# Waitlist and therapy-wish events keep the actor's name on the row, like booking events
# (bookings 0006): deleting a staff account no longer erases who moved or removed someone.

from django.db import migrations, models


def actor_name(user) -> str:
    """User.name as of this migration (historical models have no properties)."""
    full = f"{user.first_name} {user.last_name}".strip()
    return (user.display_name or full or user.email.split("@")[0])[:150]


def backfill(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for name in ("WaitlistEvent", "TherapyWishEvent"):
        named = apps.get_model("waitlist", name).objects.filter(actor__isnull=False, actor_name="")
        for user in User.objects.filter(pk__in=named.values("actor_id")).iterator():
            named.filter(actor_id=user.pk).update(actor_name=actor_name(user))


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_site_from_settings'),
        ('waitlist', '0003_therapy_wishes'),
    ]

    operations = [
        migrations.AddField(
            model_name='therapywishevent',
            name='actor_name',
            field=models.CharField(blank=True, max_length=150, verbose_name='by'),
        ),
        migrations.AddField(
            model_name='waitlistevent',
            name='actor_name',
            field=models.CharField(blank=True, max_length=150, verbose_name='by'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
