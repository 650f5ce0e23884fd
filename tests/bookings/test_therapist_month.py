"""The therapist's "Month view" opens the month the week they were looking at belongs to."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from schedules.slots import settings_for

pytestmark = pytest.mark.django_db
URL = reverse("bookings:therapist_calendar")


def _week_across_a_month_end(*, thursday_in_next_month: bool) -> date:
    """The Monday of a week two years ahead (today is not in it) that spans two months."""
    monday = timezone.localdate() + timedelta(days=730)
    monday -= timedelta(days=monday.weekday())
    while True:
        sunday, thursday = monday + timedelta(days=6), monday + timedelta(days=3)
        if monday.month != sunday.month and (thursday.month == sunday.month) == thursday_in_next_month:
            return monday
        monday += timedelta(days=7)


def _month_opened(client, therapist, monday: date) -> date:
    client.force_login(therapist.user)
    week_page = client.get(URL, {"week": monday.isoformat()}).content.decode()
    link = f'href="?view=month&week={monday.isoformat()}"'
    assert link in week_page.replace("&amp;", "&")  # the week page's "Month view" link
    response = client.get(URL, {"view": "month", "week": monday.isoformat()})
    assert response.status_code == 200
    return response.context["month"]


def test_a_week_ending_in_the_next_month_opens_that_month(client, therapist):
    monday = _week_across_a_month_end(thursday_in_next_month=True)  # e.g. 30 Nov - 6 Dec
    assert _month_opened(client, therapist, monday) == (monday + timedelta(days=6)).replace(day=1)


def test_a_week_whose_thursday_is_in_the_first_month_opens_the_first(client, therapist):
    monday = _week_across_a_month_end(thursday_in_next_month=False)  # e.g. 27 Apr - 3 May
    assert _month_opened(client, therapist, monday) == monday.replace(day=1)


def test_this_week_opens_todays_month(client, therapist):
    today = timezone.localtime(timezone.now(), settings_for(therapist).zone).date()
    monday = today - timedelta(days=today.weekday())
    assert _month_opened(client, therapist, monday) == today.replace(day=1)


def test_the_months_arrows_page_by_month(client, therapist):
    client.force_login(therapist.user)
    html = client.get(URL, {"view": "month", "month": "2031-01"}).content.decode()
    assert 'href="?view=month&amp;month=2030-12"' in html and 'href="?view=month&amp;month=2031-02"' in html
