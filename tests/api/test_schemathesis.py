"""schemathesis against the OpenAPI schema, in process: no 5xx, every answer as the schema says.

Each operation gets a few generated requests (valid and invalid), through Django's WSGI
application on the test database, with a client's API token so the /me/ operations run
past authentication. The clock is pinned by the package's conftest.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.tokens import create_token
from tests.bookings.conftest import upcoming_class
from tests.factories import UserFactory

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
# What the issue asks: no 5xx, and every status, content type, header and body as documented.
# (Not schemathesis' checks that valid-looking data is accepted: a date more than five
# years from today is refused by design, which a static schema cannot say.)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def same_connection():
    """Django's test Client keeps the test's database connection across a request; the WSGI
    application called directly would close it when the request finishes, as in production."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(settings_override, same_connection) -> dict[str, str]:
    upcoming_class(days=2)
    token = create_token(user=UserFactory(), name="schemathesis")[1]
    # identity: the WSGI client does not undo GZipMiddleware's compression
    return {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}


@pytest.fixture
def settings_override(settings):
    # Generated requests come quickly: no rate limit in the way of what is being checked.
    from rest_framework.throttling import SimpleRateThrottle

    saved = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {"token": "100000/min", "address": "100000/min"}
    yield settings
    SimpleRateThrottle.THROTTLE_RATES = saved


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_answers_as_its_schema_says(case, bearer):
    case.call_and_validate(headers=bearer, checks=CHECKS)
