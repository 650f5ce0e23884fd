"""Hooks that let apps built on the timetable add a panel to the class page.

The timetable knows nothing about bookings or waitlists (they depend on it, not the
other way round), yet the class page is where a client books. Apps register a
renderer at ready() time; the class page shows whatever they return.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from schedules.models import ClassSession

SessionPanel = Callable[[HttpRequest, "ClassSession"], SafeString | str]
_session_panels: list[SessionPanel] = []


def register_session_panel(panel: SessionPanel) -> None:
    if panel not in _session_panels:
        _session_panels.append(panel)


def render_session_panels(request: HttpRequest, session: ClassSession) -> list[SafeString | str]:
    return [html for panel in _session_panels if (html := panel(request, session))]
