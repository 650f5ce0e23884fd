from django import forms
from django.utils.translation import gettext_lazy as _

from feedback.models import RATINGS


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("How was it?"), choices=RATINGS, coerce=int, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Anything you'd like to tell us? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
