"""Beat tasks of the ledger: thin wrappers over its messages, idempotent."""

from celery import shared_task

from payments import messages


@shared_task(name="payments.send_balance_due_reminders", ignore_result=True)
def send_balance_due_reminders() -> int:
    """Tell clients who still owe money before their session; once per booking."""
    return messages.send_balance_due_reminders()
