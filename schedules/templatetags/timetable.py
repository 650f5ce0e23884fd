"""The timetable's week grid, rendered in Python rather than by the template engine.

Why in Python: a week shows up to about 150 session cards. As template markup each
card cost some 0.3 ms (a dozen variables and tags, an ``{% include %}`` of the badges
with a ``{% blocktranslate count %}``, ``reverse()``, two ``|time`` filters,
``get_level_display``): about 45 ms a page. Here whatever is the same on every card
(the translated badges and level names, the class page's URL pattern) is worked out
once per page, and a card is one ``str.format()`` of its values. Escaping is kept:
every text from the database goes through Django's ``escape()`` (once per distinct
string and page, as names repeat from card to card), and everything else through
``format_html()``, as the template's autoescaping did.

The markup is the one ``templates/schedules/timetable.html`` had (the badges are
``templates/schedules/_session_badges.html``'s, which the class page still uses): a
change to either belongs in both. The timetable view caches the result
(``schedules.cache``); ``{% week_grid %}`` renders it from a template.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django import template
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from schedules.models import Level
from schedules.selectors import TimetableDay, TimetableSession

register = template.Library()

_CARD = (
    '<article class="card mb-2 session-card{classes}" data-testid="session">\n'
    '  <div class="card-body p-2">\n'
    '    <div class="session-time small text-muted">{starts}–{ends}</div>\n'
    '    <a class="session-title fw-semibold stretched-link text-decoration-none" href="{url}">{title}</a>\n'
    '    <div class="small">{instructor}{room}</div>\n'
    '    <div class="small text-muted">{location} · {level}</div>\n'
    "    <div>{badges}</div>\n"
    "  </div>\n"
    "</article>"
)
_DAY = (
    '<section class="col timetable-day" aria-label="{}">\n'
    '  <h2 class="h6{}">{} <span class="text-muted">{}</span></h2>\n'
    "{}\n"
    "</section>"
)
_GRID = '{}<div class="row row-cols-1 row-cols-md-2 row-cols-lg-4 row-cols-xxl-7 g-3">\n{}\n</div>'
_PK = 2_147_483_647  # a pk no URL pattern holds elsewhere, to split the class URL around


class _Escaped(dict):
    """escape() of each string asked for, once a page: names repeat from card to card."""

    def __missing__(self, text: str) -> str:
        self[text] = value = escape(text)
        return value


class _Labels:
    """Markup that is the same on every card of a page, in the active language."""

    def __init__(self) -> None:
        self.escaped = _Escaped()
        self.cancelled = format_html('<span class="badge text-bg-secondary">{}</span>', gettext("Cancelled"))
        self.full = format_html('<span class="badge text-bg-danger">{}</span>', gettext("Full"))
        self.online = format_html('\n<span class="badge text-bg-info">{}</span>', gettext("Online"))
        self.past = format_html('<span class="badge text-bg-light border">{}</span>', gettext("Past"))
        self.levels = {value: escape(str(label)) for value, label in Level.choices}  # str(): not lazy
        prefix, _, suffix = reverse("schedules:session", args=[_PK]).rpartition(str(_PK))
        self.url_prefix, self.url_suffix = escape(prefix), escape(suffix)
        self._spots: dict[int, SafeString] = {}

    def spots_left(self, n: int) -> SafeString:
        if n not in self._spots:
            text = ngettext("%(n)s spot left", "%(n)s spots left", n) % {"n": n}
            self._spots[n] = format_html('<span class="badge text-bg-success">{}</span>', text)
        return self._spots[n]

    def badges(self, session: TimetableSession, *, past: bool) -> SafeString:
        """_session_badges.html, or "Past" for a class that has ended (and was not cancelled)."""
        if past and not session.is_cancelled:
            return self.past
        if session.is_cancelled:
            badge = self.cancelled
        elif session.is_full:
            badge = self.full
        else:
            badge = self.spots_left(session.spots_left)
        return badge + self.online if session.is_online else badge


def _hh_mm(moment: datetime) -> str:
    """|time:"H:i", without strftime()."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def _card(s: TimetableSession, labels: _Labels, zone: ZoneInfo, now: datetime) -> str:
    """One card. Every text from the database goes through ``labels.escaped`` (escape())."""
    escaped, past = labels.escaped, s.ends_at < now
    return _CARD.format(
        classes=(" cancelled" if s.is_cancelled else "") + (" past" if past else ""),
        starts=_hh_mm(s.starts_at.astimezone(zone)),
        ends=_hh_mm(s.ends_at.astimezone(zone)),
        url=f"{labels.url_prefix}{s.pk:d}{labels.url_suffix}",
        title=escaped[s.title],
        instructor=escaped[s.instructor_name],
        room="" if s.room_name is None else f" · {escaped[s.room_name]}",
        location=escaped[s.location_name],
        level=labels.levels.get(s.level) or escaped[s.level],
        badges=labels.badges(s, past=past),
    )


def _join(parts: Iterable[str]) -> SafeString:
    return mark_safe("\n".join(parts))  # each part escaped its values: format_html() or _card()


def _day(day: TimetableDay, *, today: date, cards: list[str]) -> SafeString:
    return format_html(
        _DAY,
        date_format(day.day, gettext("l j F")),
        " text-primary fw-bold" if day.day == today else "",
        date_format(day.day, "l"),
        date_format(day.day, "j M"),
        _join(cards) if cards else format_html('<p class="small text-muted">{}</p>', gettext("No classes")),
    )


@register.simple_tag
def week_grid(days: list[TimetableDay], today: date, now: datetime, zone: ZoneInfo) -> SafeString:
    """The days' columns of session cards, as of ``now``, with times in ``zone``."""
    labels = _Labels()
    columns = _join(_day(day, today=today, cards=[_card(s, labels, zone, now) for s in day.sessions]) for day in days)
    alert = ""
    if not any(day.sessions for day in days):
        alert = format_html('<p class="alert alert-info">{}</p>\n', gettext("No classes this week for these filters."))
    return format_html(_GRID, alert, columns)
