"""Filters for message templates, whose data is stored as JSON."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django import template

register = template.Library()


@register.filter
def as_local(value: str, zone: ZoneInfo) -> datetime:
    """An ISO timestamp from a message's data, in the recipient's zone."""
    return datetime.fromisoformat(value).astimezone(zone)
