"""allauth adapter: our wording where allauth's differs, and our idea of the client's address."""

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.template.loader import render_to_string

from accounts.client_ip import client_ip


def lockout_message() -> str:
    """The one lock-out wording (templates/account/_lockout_message.txt), also on axes' page."""
    return render_to_string("account/_lockout_message.txt").strip()


class AccountAdapter(DefaultAccountAdapter):
    def validation_error(self, code, *args) -> ValidationError:
        # allauth's per-address limit answers before axes' lockout page would: same words.
        if code == "too_many_login_attempts":
            return ValidationError(lockout_message(), code=code)
        return super().validation_error(code, *args)

    def get_client_ip(self, request: HttpRequest) -> str:
        """The address allauth's rate limits count per: the same one axes locks (TRUSTED_PROXY_COUNT)."""
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip
