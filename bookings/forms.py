"""Forms of the booking pages."""

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings import selectors, services


class BookClassForm(forms.Form):
    # No max_value: the policy's limit is checked by the service, with its one message.
    quantity = forms.IntegerField(label=_("Spots"), min_value=1, initial=1)
    note = forms.CharField(
        label=_("Note to the instructor (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Injuries, pregnancy, accessibility needs. Only the studio and the instructor see it."),
    )
    promo_code = forms.CharField(label=_("Promo code (optional)"), required=False, max_length=40)
    # A fresh token per rendered form: the same form submitted twice books once.
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, max_quantity: int = 4, **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("token", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.fields["quantity"].widget = forms.Select(
            choices=[(n, n) for n in range(1, max(max_quantity, 1) + 1)], attrs={"class": "form-select"}
        )
        self.fields["note"].widget.attrs["class"] = "form-control"
        self.fields["promo_code"].widget.attrs.update({"class": "form-control", "autocomplete": "off"})


class CancelBookingForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class ChangeBookingForm(forms.Form):
    """Move to another date of the same class and/or change the number of spots."""

    session = forms.TypedChoiceField(label=_("Date"), coerce=int, required=False)
    quantity = forms.IntegerField(label=_("Spots"), min_value=1)  # the limit: see BookClassForm

    def __init__(self, *args, booking, options, max_quantity: int, **kwargs) -> None:
        kwargs.setdefault("initial", {"session": booking.class_session_id, "quantity": booking.quantity})
        super().__init__(*args, **kwargs)
        current = booking.class_session
        choices = [(current.pk, _("Keep %(when)s") % {"when": _when(current)})]
        choices += [(s.pk, _when(s)) for s in options]
        field = self.fields["session"]
        assert isinstance(field, forms.ChoiceField)  # declared above
        field.choices = choices
        field.widget.attrs["class"] = "form-select"
        self.fields["quantity"].widget = forms.Select(
            choices=[(n, n) for n in range(1, max(max_quantity, 1) + 1)], attrs={"class": "form-select"}
        )


def _when(session) -> str:
    local = timezone.localtime(session.starts_at)
    return f"{local:%a %d %b, %H:%M} · {session.location.name} · {session.spots_left} free"


def change_form_for(booking, data=None) -> ChangeBookingForm:
    """The change form with the dates a booking may move to and its policy's party size."""
    rules = booking.policy or services.policy_for(booking.class_session.class_type_id)
    return ChangeBookingForm(
        data, booking=booking, options=selectors.move_options(booking=booking), max_quantity=rules.max_party_size
    )
