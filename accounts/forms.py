"""Sign-up extras and the profile form."""

import zoneinfo
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from timezone_field import TimeZoneField

from accounts.models import User
from config import params


def _valid_zone(name: str) -> str:
    """The browser's zone if the profile page offers it, else the studio default.

    ZoneInfo loads odd names too (``Factory``, ``posix/...``) that the profile's list
    does not contain; accepting them would make the profile form unsavable.
    """
    field = User._meta.get_field("time_zone")
    assert isinstance(field, TimeZoneField)
    offered = {str(zone) for zone in field.default_tzs}
    known = params.zone_name(name)  # a tz-database name, else None (whatever the form was sent)
    return known if known is not None and known in offered else settings.DEFAULT_VIEWER_TIME_ZONE


class SignupExtraForm(forms.Form):
    """Extra fields on allauth's sign-up form.

    ``time_zone`` is filled in by the browser (Intl API) and can be changed later on
    the profile page; a missing or bogus value falls back to the studio default.
    """

    display_name = forms.CharField(label=_("Your name"), max_length=120)
    time_zone = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_time_zone(self) -> str:
        return _valid_zone(self.cleaned_data.get("time_zone") or "")

    def clean(self) -> dict[str, Any]:
        """The password must not resemble the name either.

        allauth validates the password against a stand-in user that has only the
        e-mail address; the name is a field of this form, so the similarity check for
        it runs here, with the validators configured in AUTH_PASSWORD_VALIDATORS.
        """
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        password, name = data.get("password1"), data.get("display_name")
        if password and name:
            similarity = [
                validator
                for validator in password_validation.get_default_password_validators()
                if isinstance(validator, password_validation.UserAttributeSimilarityValidator)
            ]
            try:
                password_validation.validate_password(password, User(display_name=name), similarity)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data

    def signup(self, request, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"]
        user.time_zone = zoneinfo.ZoneInfo(self.cleaned_data["time_zone"])
        # The language the page was signing up in (switcher or Accept-Language) is theirs.
        language = translation.get_language()
        if language in dict(settings.LANGUAGES):
            user.language = language
        user.save(update_fields=["display_name", "time_zone", "language"])


class ProfileForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # ModelForm.clean returns cleaned_data
        if (data.get("notify_sms") or data.get("notify_whatsapp")) and not data.get("phone"):
            self.add_error("phone", _("Add a phone number to get messages by SMS or WhatsApp."))
        return data

    class Meta:
        model = User
        fields = [
            "display_name",
            "first_name",
            "last_name",
            "phone",
            "time_zone",
            "language",
            "notify_email",
            "notify_sms",
            "notify_whatsapp",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, enabled in (("notify_sms", settings.SMS_ENABLED), ("notify_whatsapp", settings.WHATSAPP_ENABLED)):
            if not enabled:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Not available at this studio yet.")
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save profile")))
