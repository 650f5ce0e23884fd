"""The waitlist's domain errors: str() is the message the client or staff member sees."""

from __future__ import annotations


class WaitlistError(Exception):
    """A waitlist action that cannot be done; str() is the message for the client."""


class NotPermitted(WaitlistError):
    """The actor's role does not allow this (pages answer 403; the admin hides the action too)."""
