from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Users and profiles")

    def ready(self) -> None:
        from allauth.account.signals import password_reset

        from accounts.guests import verify_after_reset
        from accounts.lockouts import unlock_after_password_reset
        from accounts.roles import sync_roles_after_migrate
        from accounts.sites import sync_site_after_migrate

        password_reset.connect(unlock_after_password_reset, dispatch_uid="accounts.unlock_after_password_reset")
        password_reset.connect(verify_after_reset, dispatch_uid="accounts.verify_after_reset")

        # After django.contrib.sites' own handler (it comes first in INSTALLED_APPS), which
        # creates example.com on an empty table; flushes (tests) send it too.
        post_migrate.connect(sync_site_after_migrate, sender=self, dispatch_uid="accounts.sync_site")
        # Every app sends post_migrate; the roles are rewritten once, after the last app's
        # permissions exist (accounts.roles).
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="accounts.sync_roles")
