"""The Site record allauth's e-mails greet with: the studio, never example.com."""

from __future__ import annotations

from importlib import import_module
from urllib.parse import urlsplit

import pytest
from django.apps import apps as django_apps
from django.contrib.sites.models import Site
from django.core import mail
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _sign_up(client, email: str = "nora@example.com"):
    password = "lotus-pose-morning-42"
    data = {"display_name": "Nora", "email": email, "password1": password, "password2": password}
    return client.post(reverse("account_signup"), {**data, "time_zone": "Europe/Madrid"})


def test_the_verification_email_after_sign_up_names_the_studio(client, settings):
    _sign_up(client)

    (message,) = mail.outbox
    assert f"Hello from {settings.STUDIO_NAME}!" in message.body
    assert urlsplit(settings.SITE_URL).netloc in message.body  # SITE_URL's host, as the site's domain
    assert "example.com" not in message.body.replace("nora@example.com", "")


def test_migrate_brings_the_site_in_line_with_changed_settings(client, settings):
    settings.STUDIO_NAME = "Lotus Loft"
    settings.SITE_URL = "https://book.lotus.example"

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    _sign_up(client)

    site = Site.objects.get_current()
    assert (site.domain, site.name) == ("book.lotus.example", "Lotus Loft")
    (message,) = mail.outbox
    assert "Hello from Lotus Loft!" in message.body


def test_the_data_migration_can_run_again(settings):
    migration = import_module("accounts.migrations.0003_site_from_settings")
    settings.STUDIO_NAME = "Lotus Loft"

    with connection.schema_editor() as editor:
        migration.name_the_site(django_apps, editor)
        migration.name_the_site(django_apps, editor)

    assert list(Site.objects.values_list("pk", "name")) == [(settings.SITE_ID, "Lotus Loft")]
