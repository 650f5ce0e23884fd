"""The desk's money forms: take a payment, pay a refund out."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from payments.models import DESK_METHODS, Method, Refund

DESK_CHOICES = [(m.value, m.label) for m in DESK_METHODS]


class TakePaymentForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=9,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("9999999.99"),
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01", "inputmode": "decimal"}),
    )
    method = forms.ChoiceField(
        label=_("Paid by"),
        choices=DESK_CHOICES,
        initial=Method.CASH,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(
        label=_("Note (receipt number, who paid)"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class PayOutRefundForm(forms.Form):
    refund = forms.ModelChoiceField(label=_("Refund owed"), queryset=Refund.objects.none(), empty_label=None)
    method = forms.ChoiceField(label=_("Paid back by"), choices=DESK_CHOICES, initial=Method.CASH)

    def __init__(self, *args, refunds, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["refund"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = refunds
