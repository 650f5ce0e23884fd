"""The django.contrib.sites record (SITE_ID) kept in line with SITE_URL and STUDIO_NAME.

allauth's e-mails greet with the Site's name and domain ("Hello from …!"); Django
creates it as example.com and nothing else would ever change it. A data migration
sets it once; `sync_site_after_migrate` (connected in AccountsConfig.ready) sets it
again on every `migrate`, so changing SITE_URL or STUDIO_NAME in production and
migrating is all it takes.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.conf import settings


def site_domain_and_name() -> tuple[str, str]:
    """SITE_URL's host (with its port, if any) and the studio's name."""
    return urlsplit(settings.SITE_URL).netloc or "localhost", settings.STUDIO_NAME


def sync_site(*, apps: Apps, using: str = "default") -> None:
    """Create or update the Site row SITE_ID from the settings; safe to run any number of times."""
    site_model = apps.get_model("sites", "Site")
    domain, name = site_domain_and_name()
    if site_model.objects.using(using).filter(domain=domain).exclude(pk=settings.SITE_ID).exists():
        return  # another Site row already has this domain (unique): staff set it up by hand
    site_model.objects.using(using).update_or_create(pk=settings.SITE_ID, defaults={"domain": domain, "name": name})


def sync_site_after_migrate(sender, *, using: str, apps: Apps | None = None, **kwargs) -> None:
    """`migrate` passes its model state as ``apps``; `flush` (and tests) pass none."""
    from django.contrib.sites.models import Site

    sync_site(apps=apps or global_apps, using=using)
    Site.objects.clear_cache()  # the row was written through the migration state's model: no signal
