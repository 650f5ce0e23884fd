"""Money for people to read, in the active language: ``€12.00`` in English, ``12,00 €`` in Spanish.

Amounts are Decimal everywhere (DESIGN invariant 6); this is only how one is written.
The digits come from Django's number formatting for the active language (its decimal
and thousand separators, from django/conf/locale/<code>/formats.py); where the currency's
sign goes is the one thing Django does not know, so it is kept here per language, as
CLDR writes it. A language missing from PLACEMENT puts the sign after the number, the
more common way; add a line when adding a language (docs/configuration.md, "Languages").
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils import formats, translation

# The signs of the currencies a studio is likely to price in; any other shows its ISO code.
SIGNS = {"EUR": "€", "GBP": "£", "USD": "US$", "CHF": "CHF", "MXN": "MX$"}
NBSP = "\u00a0"
# How a language writes "<sign>" and "<number>": before with no space (en), after a no-break space (es).
PLACEMENT = {"en": "{sign}{number}", "es": "{number}" + NBSP + "{sign}"}
DEFAULT_PLACEMENT = "{number}" + NBSP + "{sign}"
# Spanish (CLDR's minimum grouping digits: 2) writes 1000,00 but 10.000,00.
MIN_GROUPED = {"es": Decimal(10000)}

register = template.Library()


def format_money(amount: Decimal | str | int | None, currency: str, *, language: str | None = None) -> str:
    """``amount`` in ``currency`` as the language writes it (the active language if none is given).

    Text that is not a number (a blank in old message data) is returned as it came.
    """
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    with translation.override(language or translation.get_language() or "en"):
        code = (translation.get_language() or "en").split("-")[0]
        grouping = abs(value) >= MIN_GROUPED.get(code, Decimal(1000))
        number = formats.number_format(abs(value), decimal_pos=2, use_l10n=True, force_grouping=grouping)
    sign = SIGNS.get((currency or "").upper(), (currency or "").upper())
    placement = PLACEMENT.get(code, DEFAULT_PLACEMENT)
    if sign.isalpha():  # a code or a lettered sign (CHF) before the number needs a space: "CHF 9.50"
        placement = placement.replace("{sign}{number}", "{sign}" + NBSP + "{number}")
    text = placement.format(sign=sign, number=number).strip()
    return f"-{text}" if value < 0 else text


@register.filter
def money(amount: Decimal | str | None, currency: str) -> str:
    """``{{ booking.total|money:booking.currency }}``: the amount with its currency, for the active language."""
    return format_money(amount, currency)
