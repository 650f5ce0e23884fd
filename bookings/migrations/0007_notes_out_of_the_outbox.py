# Clients' notes leave the outbox: practitioners' news messages stored the booking's note
# in their context (readable by anyone who may view the outbox). From now on they store
# the booking's id and the note is read from the booking when the message is rendered
# (bookings.messages.note_of). Existing rows get the id from their de-duplication key
# ("booking:<id>:...") and lose the copy; agendas lose their notes (they are for the day
# they were made; one not yet sent goes out without them).

from django.db import migrations

NEWS_KINDS = ("class_booking_news", "therapy_booking_news")


def booking_id(dedupe_key: str) -> int | None:
    parts = dedupe_key.split(":")
    return int(parts[1]) if len(parts) > 1 and parts[0] == "booking" and parts[1].isdigit() else None


def scrub(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    news = Notification.objects.filter(kind__in=NEWS_KINDS, context__has_key="note")
    for row in news.only("pk", "context", "dedupe_key").iterator():
        context = {k: v for k, v in row.context.items() if k != "note"}
        pk = booking_id(row.dedupe_key)
        if pk is not None:
            context["booking_id"] = pk
        Notification.objects.filter(pk=row.pk).update(context=context)
    for row in Notification.objects.filter(kind="practitioner_agenda").only("pk", "context").iterator():
        items = row.context.get("items", [])
        if any("notes" in item for item in items):
            context = {**row.context, "items": [{k: v for k, v in i.items() if k != "notes"} for i in items]}
            Notification.objects.filter(pk=row.pk).update(context=context)


class Migration(migrations.Migration):

    dependencies = [
        ("bookings", "0006_event_actor_name"),
        ("notifications", "0003_channel_defaults"),
    ]

    operations = [
        migrations.RunPython(scrub, migrations.RunPython.noop, elidable=True),
    ]
