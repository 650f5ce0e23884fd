"""Forms of the front desk's pages: the day shown, the client search, a booking for a client, a guest."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField


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
