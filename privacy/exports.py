"""Export life cycle: the client asks, a task builds the ZIP and e-mails a signed link, the client downloads.

The link carries the export's id signed with the site's key and a time stamp
(django.core.signing): it expires after PRIVACY_EXPORT_LINK_HOURS, and the download
also checks that the person logged in is the client, so a forwarded link is useless.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from notifications import services as notifications
from notifications.models import Channel
from privacy import export
from privacy.models import DataExport, ExportState

SALT = "privacy.export"


class ExportError(Exception):
    """str() is the message for the client."""


def link_for(data_export: DataExport) -> str:
    token = signing.dumps(data_export.pk, salt=SALT)
    return settings.SITE_URL.rstrip("/") + reverse("privacy:download_export", args=[token])


@transaction.atomic
def request_export(*, client: User) -> DataExport:
    """A new export of the client's data, built after commit; one at a time per client."""
    User.objects.select_for_update().filter(pk=client.pk).first()  # two clicks make one export
    if DataExport.objects.filter(client=client, state=ExportState.PENDING).exists():
        raise ExportError(_("Your copy is already being prepared: we will e-mail you a link."))
    data_export = DataExport.objects.create(client=client)
    from privacy import tasks

    transaction.on_commit(lambda: tasks.build_export.delay(data_export.pk))
    return data_export


@transaction.atomic
def build_export(export_id: int) -> bool:
    """Build the ZIP and e-mail its link; a second run of a built export does nothing."""
    data_export = DataExport.objects.select_for_update().select_related("client").filter(pk=export_id).first()
    if data_export is None or data_export.state != ExportState.PENDING:
        return False
    client = data_export.client
    data_export.archive = export.zip_bytes(export.collect(client))
    data_export.state = ExportState.READY
    data_export.ready_at = timezone.now()
    data_export.save(update_fields=["archive", "state", "ready_at"])
    notifications.notify(
        recipient=client,
        kind="data_export_ready",
        context={"url": link_for(data_export), "hours": settings.PRIVACY_EXPORT_LINK_HOURS},
        dedupe_key=f"data_export_ready:{data_export.pk}",
        channels=[Channel.EMAIL, Channel.INAPP],
    )
    return True


def archive_for_download(*, token: str, viewer: User) -> bytes:
    """The ZIP behind a link, for its client only, while the link is valid."""
    try:
        pk = signing.loads(token, salt=SALT, max_age=settings.PRIVACY_EXPORT_LINK_HOURS * 3600)
    except signing.SignatureExpired:
        raise ExportError(_("This link has expired: ask for a new copy on your data page.")) from None
    except signing.BadSignature:
        raise ExportError(_("This link is not valid.")) from None
    found = DataExport.objects.filter(pk=pk, client_id=viewer.pk, state=ExportState.READY).first()
    if found is None or found.archive is None:
        raise ExportError(_("This link is not valid."))
    return bytes(found.archive)


def latest_export(client: User) -> DataExport | None:
    return DataExport.objects.filter(client=client).defer("archive").first()
