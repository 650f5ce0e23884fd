"""manage.py check_integrity: counters recomputed from bookings."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from bookings import services
from schedules.models import ClassSession

pytestmark = pytest.mark.django_db


def test_it_passes_when_counters_match(session, client_user, other_client):
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=2)
    services.book_class(client=other_client, session_id=session.pk, quantity=1)
    services.cancel_booking(booking=booking, actor=client_user)
    out = StringIO()
    call_command("check_integrity", stdout=out)
    assert "All class session counters match" in out.getvalue()


def test_it_reports_drift_and_exits_non_zero(session, client_user):
    services.book_class(client=client_user, session_id=session.pk, quantity=2)
    ClassSession.objects.filter(pk=session.pk).update(spots_taken=5)  # a bad manual edit
    out = StringIO()
    with pytest.raises(CommandError, match="1 class session counter"):
        call_command("check_integrity", stdout=out)
    assert f"session {session.pk}" in out.getvalue() and "counter says 5, bookings hold 2" in out.getvalue()


def test_fix_repairs_the_counter(session, client_user):
    services.book_class(client=client_user, session_id=session.pk, quantity=2)
    ClassSession.objects.filter(pk=session.pk).update(spots_taken=0)
    with pytest.raises(CommandError):
        call_command("check_integrity", "--fix", stdout=StringIO())
    assert ClassSession.objects.get(pk=session.pk).spots_taken == 2
    call_command("check_integrity", stdout=StringIO())
