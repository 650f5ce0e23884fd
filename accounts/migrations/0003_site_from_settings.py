"""Name the Site record (SITE_ID) after the studio and SITE_URL's host instead of example.com.

Idempotent: it only creates or updates that one row, so running it again (or the
post_migrate sync in accounts.apps after it) changes nothing.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import migrations


def name_the_site(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    db = schema_editor.connection.alias
    domain = urlsplit(settings.SITE_URL).netloc or "localhost"
    if Site.objects.using(db).filter(domain=domain).exclude(pk=settings.SITE_ID).exists():
        return  # that domain is already another Site's (unique): leave it to staff
    Site.objects.using(db).update_or_create(
        pk=settings.SITE_ID, defaults={"domain": domain, "name": settings.STUDIO_NAME}
    )


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_notification_preferences"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [migrations.RunPython(name_the_site, migrations.RunPython.noop)]
