"""Numbers as people type them into forms and query strings, read strictly.

``str.isdigit`` says yes to ``²`` and ``①`` (which ``int`` then refuses), and ``isdecimal`` to
Arabic-Indic and full-width digits; ``Decimal`` takes ``NaN``, ``Infinity`` and ``1e999``. A
number here is ASCII digits only, so what passes a check always converts, and nothing odd reaches
a query. Callers decide what a wrong number means (a field error, a 404, the first page).
"""
from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]+")


def is_digits(text: object, longest: int = 9) -> bool:
    """ASCII digits only, at most ``longest`` of them (9 keep any value inside 32 bits)."""
    return isinstance(text, str) and len(text) <= longest and _DIGITS.fullmatch(text) is not None


def whole(text: object, low: int = 0, high: int = 2**31 - 1) -> int | None:
    """The whole number ``text`` spells in ASCII digits, if it lies in ``low..high``; else None."""
    if not is_digits(text, len(str(high))):
        return None
    value = int(text)
    return value if low <= value <= high else None


def count_digits(text: str) -> int:
    return sum(1 for c in text if "0" <= c <= "9")
