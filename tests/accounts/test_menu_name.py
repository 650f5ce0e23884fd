"""The menu shows a person the name others see of them: a practitioner's public name."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import PractitionerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _menu_name(client, user) -> str:
    client.force_login(user)
    html = client.get(reverse("bookings:mine")).content.decode()
    return re.search(r'href="/accounts/profile/">([^<]*)</a>', html).group(1)


def test_a_practitioner_sees_their_public_name(client):
    marta = PractitionerFactory(
        public_name="Marta Ruiz", user__first_name="Marta", user__last_name="Therapist", user__display_name=""
    )
    assert _menu_name(client, marta.user) == "Marta Ruiz"


def test_a_client_sees_their_display_name(client):
    assert (
        _menu_name(client, UserFactory(display_name="Carla C.", first_name="Carla", last_name="Client")) == "Carla C."
    )


def test_it_reads_the_practitioner_once_with_the_therapist_link(client):
    marta = PractitionerFactory(public_name="Marta Ruiz")
    client.force_login(marta.user)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("bookings:mine"))
    practitioner_reads = [q for q in queries.captured_queries if 'FROM "schedules_practitioner"' in q["sql"]]
    assert len(practitioner_reads) == 1
