"""The OpenAPI schema committed in docs/openapi.yaml is the one the code generates."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"


@pytest.mark.postgres  # model fields' integer bounds in the schema are the database's
def test_the_committed_schema_is_current():
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert out.getvalue() == COMMITTED.read_text(), (
        "The API changed: regenerate docs/openapi.yaml with "
        "`DEBUG=true DATABASE_URL=postgres://... .venv/bin/python manage.py spectacular --file docs/openapi.yaml`."
    )
