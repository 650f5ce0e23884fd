"""How many inline rows one admin POST can make Django build.

Django's admin gives every inline formset ``absolute_max = max_num + 1000`` (2,000 when
``max_num`` is unset): a forged ``…-TOTAL_FORMS=100000`` makes it build, validate and
render that many forms. Every inline of ours mixes in ``BoundedInline``, which caps the
forms at what the page can show. Kept in ``schedules`` because the admin modules of
``bookings`` and ``waitlist`` already import from here (the app arrows point this way).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.admin.options import InlineModelAdmin

    # For the type checker, the mixin is an inline (what it is always mixed into); at run
    # time its base stays ``object``, so the admin classes' MRO is as before.
    _InlineBase = InlineModelAdmin[Any, Any]
else:
    _InlineBase = object

# Rows an editable inline may hold unless it says otherwise: rooms of a location, weekly
# hours and time off of a therapist, durations of a therapy, refund tiers of a policy.
INLINE_MAX_ROWS = 50


class BoundedInline(_InlineBase):
    """An admin inline whose formset never builds more forms than it may show.

    The cap is ``max_num`` (the rows one may keep or add; Django sets it to 0 for a user
    without the add permission) or the rows that already exist, whichever is more, so
    history inlines that list every event still save, and the admin's own "Add another"
    stops where the cap is. A larger ``TOTAL_FORMS`` is refused with a form error. Not
    ``validate_max``: with ``max_num`` at 0 it would refuse every row a user may only view.
    """

    max_num: int | None = INLINE_MAX_ROWS

    def get_formset(self, request: HttpRequest, obj=None, **kwargs) -> type[BaseInlineFormSet]:
        formset = super().get_formset(request, obj, **kwargs)
        existing = 0
        if obj is not None and obj.pk is not None:
            # inlineformset_factory sets ``fk`` on the class, to the ForeignKey itself.
            fk_name = formset.fk.name  # type: ignore[attr-defined]  # the stubs type it as a descriptor
            existing = self.get_queryset(request).filter(**{fk_name: obj}).count()
        formset.absolute_max = max(formset.max_num, existing)
        return formset
