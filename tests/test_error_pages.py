"""Error pages (DEBUG off) in the site's layout, with a sentence that helps, not a bare "403 Forbidden".

403 (a CSRF failure too: Django renders templates/403_csrf.html) and 404 are rendered
with the request (navbar with the user's links); 400 and 500 without it, so they must
not touch the database or need a context processor.
"""

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production_errors(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.error_urls"


def test_a_client_opening_a_therapist_page_gets_the_sites_403(client):
    client.force_login(UserFactory(display_name="Carla Client"))
    response = client.get("/therapist/")
    assert response.status_code == 403
    page = response.content.decode()
    assert 'id="mainnav"' in page and "My bookings" in page  # the site's navbar, logged in
    assert "These pages are for therapists." in page
    assert "You are logged in as Carla Client, and this account cannot open this page." in page


def test_an_unknown_address_gets_the_sites_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'id="mainnav"' in page and "Log in" in page
    assert "We can't find that page" in page
    assert 'href="/classes/"' in page


def test_a_crash_gets_the_sites_500_without_a_database_query(django_assert_num_queries):
    client = Client(raise_request_exception=False)
    with django_assert_num_queries(0):
        response = client.get("/test-crash/")
    assert response.status_code == 500
    page = response.content.decode()
    assert 'class="navbar-brand"' in page and "Shala Studio" in page
    assert "Something went wrong on our side" in page
    assert 'href="/classes/"' in page


def test_a_bad_request_gets_the_sites_400(settings):
    response = Client(raise_request_exception=False).get("/test-bad-request/")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="navbar-brand"' in page and settings.STUDIO_NAME in page
    assert "We could not understand that request" in page


def test_a_post_without_a_csrf_token_gets_the_sites_403_in_its_layout():
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(display_name="Carla Client"))
    response = client.post("/accounts/profile/", {"display_name": "Someone else"})
    assert response.status_code == 403
    page = response.content.decode()
    assert 'id="mainnav"' in page and "My bookings" in page  # the site's navbar, logged in
    assert "Your form could not be sent" in page
    assert "reload the page and send the form again" in page
