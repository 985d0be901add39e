"""Masking of personal data for lists, exports and logs (PIPL: show only what the reader needs).

Rule: when a value is too short to mask in the usual pattern, return stars only. A masking
function must never hand back the raw value it was given.
"""
from __future__ import annotations


def _clean(value: str | None) -> str:
    return "" if value is None else "".join(str(value).split())


def mask_id_number(value: str | None) -> str:
    """``110101199003071234`` -> ``110101********1234``: region and last four stay visible."""
    text = _clean(value)
    if len(text) < 11:  # fewer than one hidden character left after keeping 6 + 4
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def mask_phone(value: str | None) -> str:
    """``13812345678`` -> ``138****5678``."""
    text = _clean(value)
    if len(text) < 8:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def mask_name(value: str | None) -> str:
    """``张三丰`` -> ``张*丰``, ``张三`` -> ``张*``, ``欧阳娜娜`` -> ``欧**娜``, ``张`` -> ``*``."""
    text = "" if value is None else str(value).strip()
    if len(text) <= 1:
        return "*" * len(text)
    if len(text) == 2:
        return text[0] + "*"
    return text[0] + "*" * (len(text) - 2) + text[-1]
