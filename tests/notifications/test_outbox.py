"""The outbox: exactly one delivery per row whatever runs twice, crashes or races."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications import services
from notifications.models import Notification, OutboxStatus
from notifications.tasks import deliver_notification, sweep_outbox
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _queue(user, key="k1", kind="test_message"):
    services.notify(recipient=user, kind=kind, context={"title": "Hi"}, dedupe_key=key, channels=["email"])
    return Notification.objects.get(dedupe_key=f"{key}:email")


@pytest.fixture
def message_template(settings, tmp_path):
    folder = tmp_path / "notifications" / "test_message"
    folder.mkdir(parents=True)
    (folder / "subject.txt").write_text("Hello {{ title }}")
    (folder / "body.txt").write_text("Body for {{ recipient.name }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]


def test_a_task_run_twice_sends_once(smtp_inbox, message_template):
    row = _queue(UserFactory())
    deliver_notification(row.pk)
    deliver_notification(row.pk)
    assert len(smtp_inbox.messages) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 1)


def test_a_sweep_after_the_task_sends_nothing_more(smtp_inbox, message_template):
    row = _queue(UserFactory())
    deliver_notification(row.pk)
    assert sweep_outbox() == 0
    assert len(smtp_inbox.messages) == 1


def test_the_sweep_sends_what_the_broker_never_delivered(smtp_inbox, message_template):
    _queue(UserFactory(), key="a")
    _queue(UserFactory(), key="b")
    assert sweep_outbox() == 2
    assert sweep_outbox() == 0
    assert len(smtp_inbox.messages) == 2


def test_a_worker_that_died_mid_send_is_retried_after_its_lease(smtp_inbox, message_template):
    row = _queue(UserFactory())
    assert services.claim(row.pk)  # a worker took it, then died
    assert sweep_outbox() == 0  # still within its lease: nobody else may take it
    Notification.objects.filter(pk=row.pk).update(
        claimed_at=timezone.now() - services.CLAIM_LEASE - timedelta(seconds=1)
    )
    assert sweep_outbox() == 1
    assert len(smtp_inbox.messages) == 1


def test_a_temporary_smtp_failure_is_retried_with_backoff(smtp_inbox, message_template):
    smtp_inbox.fail_next = 1
    row = _queue(UserFactory())
    deliver_notification(row.pk)
    row.refresh_from_db()
    assert row.status == OutboxStatus.PENDING and row.attempts == 1 and "451" in row.last_error
    assert row.next_attempt_at > timezone.now()
    assert sweep_outbox() == 0  # not due yet
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert sweep_outbox() == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT and len(smtp_inbox.messages) == 1


def test_it_gives_up_after_the_last_attempt_and_keeps_the_error(smtp_inbox, message_template):
    row = _queue(UserFactory())
    Notification.objects.filter(pk=row.pk).update(attempts=services.MAX_ATTEMPTS - 1)
    smtp_inbox.fail_next = 1
    deliver_notification(row.pk)
    row.refresh_from_db()
    assert row.status == OutboxStatus.FAILED and "451" in row.last_error


def test_a_missing_template_fails_permanently_with_the_reason(smtp_inbox):
    row = _queue(UserFactory(), kind="no_such_message")
    deliver_notification(row.pk)
    row.refresh_from_db()
    assert row.status == OutboxStatus.FAILED and "No template" in row.last_error


def test_sms_and_whatsapp_are_skipped_when_no_provider_is_configured(message_template):
    user = UserFactory(phone="+34600111222")
    services.notify(recipient=user, kind="test_message", context={}, dedupe_key="x", channels=["sms", "whatsapp"])
    sweep_outbox()
    assert set(Notification.objects.values_list("status", flat=True)) == {OutboxStatus.SKIPPED}


def test_backoff_grows_and_is_capped():
    assert [services.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 10, 30)] == [1, 2, 4, 360, 360]


def test_a_changes_messages_share_one_delivery_task_and_all_go_out(
    smtp_inbox, message_template, monkeypatch, django_capture_on_commit_callbacks
):
    from notifications.tasks import deliver_notifications

    published = []
    real_delay = deliver_notifications.delay
    monkeypatch.setattr(deliver_notifications, "delay", lambda **kw: published.append(kw) or real_delay(**kw))
    with django_capture_on_commit_callbacks(execute=True):
        services.send_all(
            [
                services.Message(UserFactory(), "test_message", {"title": "A"}, "change:1:a", ("email",)),
                services.Message(UserFactory(), "test_message", {"title": "B"}, "change:1:b", ("email",)),
            ]
        )
    assert published == [{"keys": ["change:1:a:email", "change:1:b:email"]}]
    assert len(smtp_inbox.messages) == 2


def test_a_large_batch_is_published_in_chunks(monkeypatch, django_capture_on_commit_callbacks):
    from notifications.tasks import deliver_notifications

    published = []
    monkeypatch.setattr(deliver_notifications, "delay", lambda **kw: published.append(kw["keys"]))
    users = [UserFactory() for _ in range(3)]
    messages = [
        services.Message(users[i % 3], "test_message", {}, f"batch:{i}", ("email",))
        for i in range(services.ENQUEUE_CHUNK * 2 + 1)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_many(messages)
    assert [len(keys) for keys in published] == [services.ENQUEUE_CHUNK, services.ENQUEUE_CHUNK, 1]
