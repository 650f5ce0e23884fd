from celery import shared_task

from feedback import services


@shared_task(name="feedback.request_due_feedback")
def request_due_feedback() -> int:
    return services.request_due_feedback()
