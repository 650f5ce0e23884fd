"""What a message says that the outbox must not keep: read from its owner when rendered.

An outbox row stores what its templates need (names, times, links), and anyone whose
role may read the outbox could read that. What a client wrote themselves (a booking's
note, which can be about their health) stays with the app that owns it: the message
stores a reference (``booking_id``), and a loader that app registered at start-up adds
the text to the template context when the message is rendered for its recipient. The
note is then always the booking's current one, and never a copy in the outbox.

``notifications`` imports nothing of the apps it serves: they register here
(bookings.apps), as they do for the roster panels.
"""

from __future__ import annotations

from collections.abc import Callable

Loader = Callable[[dict], dict]  # the stored context -> the keys to add (or replace) for rendering

_loaders: dict[str, list[Loader]] = {}


def register(kind: str, loader: Loader) -> None:
    """Add ``loader``'s keys to every message of ``kind`` when it is rendered."""
    if loader not in _loaders.setdefault(kind, []):
        _loaders[kind].append(loader)


def private_context(kind: str, stored: dict) -> dict:
    """The keys the owners add to a stored context of ``kind``, for rendering only."""
    extra: dict = {}
    for loader in _loaders.get(kind, ()):
        extra.update(loader(stored))
    return extra
