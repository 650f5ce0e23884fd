"""Every admin action of every registered model refuses a staff member who may only view.

Generated from ``admin.site._registry`` and each ModelAdmin's actions as a superuser
sees them, so an action added later is covered without touching this file. For each
one, a staff member whose role grants only ``view_<model>`` POSTs it on the
changelist with every row of the model selected (and the confirmation a real run
would send: a reason, ``post=yes``): the action is not offered, nothing in the
database changes and no file comes back. ``delete_selected`` is Django's own and
already guarded; it is in the check all the same.

The control: a staff member holding the model's own permissions (no superuser) is
offered the same action and the same POST runs it, so the refusal above is the
permission's doing and not a malformed request.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from notifications.models import Channel, Notification, OutboxStatus
from tests.factories import UserFactory
from tests.test_admin_pages import every_model_has_a_row, studio, superuser  # noqa: F401  (fixtures)

# Rows a request writes whatever it does (the log-in session, the admin's own log of
# actions): not what an action changes.
NOT_STUDIO_DATA = {"sessions.session", "admin.logentry"}


def _superuser_request():
    """A request as an (unsaved) superuser sees the admin: every action there is."""
    request = RequestFactory().get("/admin/")
    request.user = User(email="probe@example.com", is_staff=True, is_superuser=True, is_active=True)
    return request


def _all_actions() -> list[tuple[str, str]]:
    request = _superuser_request()
    return [
        (model._meta.label_lower, name)
        for model, model_admin in sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label_lower)
        for name in model_admin.get_actions(request)
    ]


ACTIONS = _all_actions()


def _staff(model, codenames: list[str]) -> User:
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label=model._meta.app_label, codename__in=codenames)
    )
    return User.objects.get(pk=user.pk)


def _viewer(model) -> User:
    """Staff whose role grants only viewing this model."""
    return _staff(model, [f"view_{model._meta.model_name}"])


def _manager(model) -> User:
    """Staff holding every permission of this model (its custom ones too), and nothing else."""
    codenames = list(
        Permission.objects.filter(
            content_type__app_label=model._meta.app_label, content_type__model=model._meta.model_name
        ).values_list("codename", flat=True)
    )
    return _staff(model, codenames)


def _offered(model, user: User) -> set[str]:
    request = RequestFactory().get("/admin/")
    request.user = user
    return set(admin.site._registry[model].get_actions(request))


def _snapshot() -> dict[str, list[dict]]:
    """Every row of every table the studio's data lives in."""
    return {
        model._meta.label_lower: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and model._meta.label_lower not in NOT_STUDIO_DATA
    }


@pytest.fixture
def rows(every_model_has_a_row) -> None:  # noqa: F811
    """The shared rows, plus a failed message and an unverified address, so that retrying
    and verifying have something to do (_log_in ages the log-in attempts)."""
    Notification.objects.create(
        recipient=UserFactory(),
        channel=Channel.EMAIL,
        kind="booking_confirmed",
        dedupe_key="test:failed:email",
        status=OutboxStatus.FAILED,
        attempts=5,
        last_error="SMTP said no",
    )
    EmailAddress.objects.create(user=UserFactory(), email="unverified@example.com", verified=False, primary=True)


def _log_in(client, user: User) -> None:
    """Log in; then age the log-in attempts past their cool-off, so that cleaning them up
    has something to do (axes drops expired ones at each log-in, and attempt_time is
    auto_now_add)."""
    client.force_login(user)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(days=2))


def _post_action(client, model, action: str):
    pks = [str(pk) for pk in model._default_manager.values_list("pk", flat=True)]
    assert pks, f"add a {model._meta.label} row to the every_model_has_a_row fixture"
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return client.post(
        url,
        {
            "action": action,
            admin.helpers.ACTION_CHECKBOX_NAME: pks,
            "reason": "Staff test",  # actions that ask for a reason first (cancelling)
            "post": "yes",  # and the confirmation delete_selected asks for
        },
    )


@pytest.mark.parametrize(("label", "action"), ACTIONS, ids=[f"{label}:{action}" for label, action in ACTIONS])
def test_a_staff_member_who_may_only_view_cannot_run_it(client, rows, label, action):
    model = apps.get_model(label)
    viewer = _viewer(model)
    _log_in(client, viewer)
    before = _snapshot()

    response = _post_action(client, model, action)

    assert "Content-Disposition" not in response, "a file was handed out"
    assert _snapshot() == before
    assert response.status_code in (200, 302, 403)
    assert action not in _offered(model, viewer)


@pytest.mark.parametrize(
    ("label", "action"),
    [(label, action) for label, action in ACTIONS if action != "delete_selected"],
    ids=[f"{label}:{action}" for label, action in ACTIONS if action != "delete_selected"],
)
def test_a_staff_member_holding_the_models_permissions_can(client, rows, label, action):
    model = apps.get_model(label)
    manager = _manager(model)
    _log_in(client, manager)
    before = _snapshot()

    response = _post_action(client, model, action)

    assert action in _offered(model, manager)
    assert response.status_code in (200, 302)
    ran = "Content-Disposition" in response or _snapshot() != before
    assert ran, f"{action} changed nothing for a user holding {model._meta.label}'s permissions"
