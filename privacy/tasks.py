"""Privacy's Celery tasks: thin wrappers over the services, safe to run twice."""

from celery import shared_task

from privacy import exports


@shared_task(name="privacy.build_export", ignore_result=True)
def build_export(export_id: int) -> bool:
    """Build one client's data export and e-mail the link."""
    return exports.build_export(export_id)


@shared_task(name="privacy.erase_due_accounts", ignore_result=True)
def erase_due_accounts() -> int:
    """Accounts whose cooling-off period is over: anonymised (privacy.erasure)."""
    from privacy import erasure

    return erasure.erase_due()


@shared_task(name="privacy.purge_past_retention", ignore_result=True)
def purge_past_retention() -> dict[str, int]:
    """Session notes past their retention period, and expired exports' files (privacy.retention)."""
    from privacy import retention

    done = retention.purge()
    return {"notes": done.notes, "exports": done.exports}
