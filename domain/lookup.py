"""Lookup codes (查询码) farmers use to follow their report.

Short, upper-case, and free of characters that look alike on a cheap screen or in
handwriting (0/O, 1/I/L): a farmer copies it from a screenshot or a slip of paper.
"""
from __future__ import annotations

import secrets
from typing import Callable

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8


def new_lookup_code(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    return "".join(ALPHABET[randbelow(len(ALPHABET))] for _ in range(LENGTH))


def normalize_lookup_code(text: str | None) -> str | None:
    """The code as stored, or None when ``text`` cannot be a code (spaces and dashes ignored)."""
    if not text:
        return None
    code = "".join(ch for ch in text.upper() if ch not in " -_\u3000\uff0d\u2014\u2013")
    code = code.translate(str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF5B)}))
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def format_lookup_code(code: str) -> str:
    """Shown in two groups of four, easier to read aloud: ``ABCD-EFGH``."""
    return f"{code[:4]}-{code[4:]}"
