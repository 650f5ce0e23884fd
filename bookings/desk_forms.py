"""Forms of the front desk's pages: the client search, a class or therapy booking for a client, a guest."""

from __future__ import annotations

import uuid
from datetime import datetime

from django import forms
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from config.params import BoundedDateField, query_datetime
from schedules.models import Practitioner, TherapyType


class ClientSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find a client"),
        max_length=100,
        required=False,
        help_text=_("Name, e-mail or phone (at least two characters)."),
    )


class DeskBookForm(forms.Form):
    client = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    quantity = forms.IntegerField(label=_("Spots"), min_value=1, max_value=50, initial=1)
    override = forms.CharField(
        label=_("Book past the rules, because…"),
        max_length=200,
        required=False,
        help_text=_("Only to book after the cut-off, before booking opens or past the client's limits: say why."),
    )
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)  # the same form twice books once

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("token", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)


class GuestForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = PhoneNumberField(label=_("Phone"), required=False)


class DeskTherapyForm(forms.Form):
    """What the desk looks for: a therapy, its length, a therapist (or anyone) and a day."""

    therapy = forms.ModelChoiceField(label=_("Therapy"), queryset=TherapyType.objects.none(), empty_label=None)
    minutes = forms.IntegerField(label=_("Length (minutes)"), min_value=1, max_value=24 * 60, required=False)
    therapist = forms.ModelChoiceField(
        label=_("Therapist"), queryset=Practitioner.objects.none(), required=False, empty_label=_("Anyone")
    )
    day = BoundedDateField(label=_("Day"), input_formats=["%Y-%m-%d"], widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["therapy"].queryset = TherapyType.objects.filter(is_active=True).order_by("title")  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["therapist"].queryset = Practitioner.objects.filter(  # type: ignore[attr-defined]  # a ModelChoiceField
            is_active=True, is_therapist=True
        ).order_by("public_name")


class DeskTherapyBookForm(forms.Form):
    """The chosen time and client; a reason books inside the therapist's notice."""

    client = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    slot = forms.CharField(max_length=80)  # "<therapist id>|<ISO start>", one radio button per free time
    override = forms.CharField(
        label=_("Book past the rules, because…"),
        max_length=200,
        required=False,
        help_text=_("Only to book inside the therapist's notice or past the booking window: say why."),
    )
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("token", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)

    def clean_slot(self) -> tuple[int, datetime]:
        therapist, _sep, start = self.cleaned_data["slot"].partition("|")
        parsed = query_datetime(start)
        if not therapist.isascii() or not therapist.isdigit() or parsed is None:
            raise forms.ValidationError(_("Choose one of the free times."))
        return int(therapist), parsed
