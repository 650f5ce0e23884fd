"""Filters for message templates, whose data is stored as JSON."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django import template

register = template.Library()


@register.filter
def as_local(value: str | datetime, zone: ZoneInfo) -> datetime:
    """A timestamp from a message's data (ISO text, or already a datetime), in the recipient's zone."""
    return (value if isinstance(value, datetime) else datetime.fromisoformat(value)).astimezone(zone)
