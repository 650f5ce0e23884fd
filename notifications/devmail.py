"""E-mail for `make run`: printed to the console and kept as .eml files in var/mail/.

``EMAIL_URL=devmail://`` selects the backend. The files are what the dev inbox
(/dev/inbox/, staff only, DEBUG only) lists, so a developer clicks the verification
link of a sign-up instead of fishing it out of the worker's log.
"""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage as ParsedMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend
from django.utils import timezone

# Written by the backend below: a sortable UTC time, then a random part.
FILE_NAME = re.compile(r"^\d{8}T\d{12}-[0-9a-f]{8}\.eml$")


def mail_folder() -> Path:
    return Path(settings.EMAIL_FILE_PATH)


class EmailBackend(ConsoleEmailBackend):
    """The console backend, plus one .eml file per message (newest sorts last by name)."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = super().send_messages(email_messages)
        folder = mail_folder()
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            if not message.recipients():
                continue
            name = f"{timezone.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
            # Written aside, then renamed: the inbox never reads half a message.
            part = folder / f".{name}.part"
            mime = message.message()
            part.write_bytes(mime.as_bytes(linesep="\n"))  # type: ignore[call-arg]  # Django's MIMEMixin takes it
            part.rename(folder / name)
        return sent


@dataclass(frozen=True)
class StoredMail:
    name: str
    subject: str
    sender: str
    to: str
    date: datetime | None  # shown in the viewer's zone


@dataclass(frozen=True)
class StoredMailBody(StoredMail):
    text: str
    attachments: list[str]


def _parse(path: Path) -> ParsedMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def _summary(name: str, message: ParsedMessage) -> dict:
    return {
        "name": name,
        "subject": str(message.get("Subject", "")),
        "sender": str(message.get("From", "")),
        "to": str(message.get("To", "")),
        "date": _date(message),
    }


def _date(message: ParsedMessage) -> datetime | None:
    if not message["Date"]:
        return None
    sent = parsedate_to_datetime(message["Date"])
    # Django writes "-0000" (UTC, by RFC 5322 "zone unknown"), which parses as naive.
    return sent.replace(tzinfo=UTC) if sent.tzinfo is None else sent


def stored_mails(*, limit: int = 200) -> list[StoredMail]:
    """The kept messages, newest first."""
    folder = mail_folder()
    if not folder.is_dir():
        return []
    names = sorted((p.name for p in folder.iterdir() if FILE_NAME.match(p.name)), reverse=True)[:limit]
    return [StoredMail(**_summary(name, _parse(folder / name))) for name in names]


def stored_mail(*, name: str) -> StoredMailBody | None:
    """One kept message by file name; None for a name the backend did not write."""
    path = mail_folder() / name
    if not FILE_NAME.match(name) or not path.is_file():
        return None
    message = _parse(path)
    body = message.get_body(preferencelist=("plain", "html"))
    return StoredMailBody(
        **_summary(name, message),
        text=body.get_content() if body is not None else "",
        attachments=[part.get_filename() or part.get_content_type() for part in message.iter_attachments()],
    )
