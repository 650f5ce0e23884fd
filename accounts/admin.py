"""Staff screens for users, and the third-party screens about log-ins.

allauth's e-mail addresses and axes' log-in attempts are registered by those apps
with actions that declare no permission (anyone who may view them could run them);
they are registered again here with the permission each action needs, like ours
(docs/architecture.md, "Admin actions and permissions").
"""

from allauth.account import admin as allauth_admin
from allauth.account.models import EmailAddress
from axes import admin as axes_admin
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import ASSIGN_ROLES


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "phone", "time_zone", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "language"]
    search_fields = ["email", "display_name", "first_name", "last_name", "phone"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("display_name", "first_name", "last_name", "phone", "time_zone", "language")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "display_name", "password1", "password2")}),)

    def get_readonly_fields(self, request, obj=None):
        """Roles and staff access are the owner's to give; superuser and one-off grants a superuser's."""
        fixed = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fixed += ["is_superuser", "user_permissions"]
            if not request.user.has_perm(ASSIGN_ROLES):
                fixed += ["is_staff", "groups"]
        return fixed

    def has_change_permission(self, request, obj=None) -> bool:
        """The desk changes clients, not staff (or it could take over the owner's account)."""
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or request.user.is_superuser:
            return True
        if obj.is_superuser:
            return False
        return not obj.is_staff or request.user.has_perm(ASSIGN_ROLES)


admin.site.unregister(EmailAddress)


@admin.register(EmailAddress)
class EmailAddressAdmin(allauth_admin.EmailAddressAdmin):
    @admin.action(description=_("Mark selected email addresses as verified"), permissions=["change"])
    def make_verified(self, request, queryset) -> None:
        """Verifying an address lets it log in and receive mail: the change permission."""
        return super().make_verified(request, queryset)


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(axes_admin.AccessAttemptAdmin):
    @admin.action(description=_("Clean up expired attempts"), permissions=["delete"])
    def cleanup_expired_attempts(self, request, queryset) -> None:
        """It deletes rows: the delete permission.

        axes reads the attempt time from the request, which it sets on log-in requests
        only; without it the action fails with a server error, so set it as axes would.
        """
        AxesProxyHandler.update_request(request)
        return super().cleanup_expired_attempts(request, queryset)
