"""allauth adapter: our wording where allauth's differs from the rest of the site."""

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string


def lockout_message() -> str:
    """The one lock-out wording (templates/account/_lockout_message.txt), also on axes' page."""
    return render_to_string("account/_lockout_message.txt").strip()


class AccountAdapter(DefaultAccountAdapter):
    def validation_error(self, code, *args) -> ValidationError:
        # allauth's per-account limit answers before axes' lockout page would: same words.
        if code == "too_many_login_attempts":
            return ValidationError(lockout_message(), code=code)
        return super().validation_error(code, *args)
