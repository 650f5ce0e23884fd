"""The bookings list's date drill-down on its start, an annotation (see bookings.admin.BookingChangeList)."""

from __future__ import annotations

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy

from bookings.models import Booking

register = template.Library()


class _StartIsADateTime:
    """All Django's tag asks of the model is the drill-down field's type; ``begins`` is a datetime."""

    class _meta:  # stands in for a model's _meta
        @staticmethod
        def get_field(name: str):
            return Booking._meta.get_field("starts_at")


class _OnStart:
    """The change list as it is, except for the model the tag inspects."""

    model = _StartIsADateTime

    def __init__(self, cl) -> None:
        self._cl = cl

    def __getattr__(self, name: str):
        return getattr(self._cl, name)


@register.inclusion_tag("admin/date_hierarchy.html")
def start_date_hierarchy(cl) -> dict | None:
    """Django's own year → month → day links, queries and all, on the start annotation."""
    return date_hierarchy(_OnStart(cl))  # type: ignore[arg-type]  # a proxy of the ChangeList (__getattr__)
