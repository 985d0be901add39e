"""Personal data never reaches a log (PIPL): every log record is scrubbed as it is made.

A record's message and its traceback are rendered once, at creation, and passed through
``scrub``: mobile numbers and ID numbers become masks, and the values PostgreSQL quotes back in
its errors (``invalid input syntax for type integer: "…"``, ``Key (…)=(…)``) are dropped. The
engine itself is built with ``hide_parameters`` so SQL errors never carry their parameters; this
catches what the database or a library writes into an exception's text. Installed through the
log-record factory, so it applies to every logger and every handler (gunicorn's, pytest's).
"""
from __future__ import annotations

import logging
import re
import traceback

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx]|\d)(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_LONG_DIGITS = re.compile(r"(?<!\d)\d{7,}(?!\d)")  # a number typed anywhere (a phone in a login box)
_QUOTED_VALUE = re.compile(r'((?:invalid input (?:syntax|value) for [^:]*|out of range[^:]*|'
                           r'not present in table[^:]*|for encoding[^:]*)):\s*"[^"]*"', re.IGNORECASE)
_KEY_VALUE = re.compile(r"(Key \([^)]*\))=\((?:[^()]|\([^)]*\))*\)")
_MARKER = "_shoudi_scrubbed"


def scrub(text: str) -> str:
    text = _KEY_VALUE.sub(r"\1=(…)", text)
    text = _QUOTED_VALUE.sub(r'\1: "…"', text)
    text = _ID_NUMBER.sub(lambda m: m.group(1) + "********" + "****"[: len(m.group(0)) - 14], text)
    text = _MOBILE.sub(r"\1****\2", text)
    return _LONG_DIGITS.sub(lambda m: m.group(0)[:3] + "…", text)


def _scrubbed_record_factory(original):
    def make(*args, **kwargs) -> logging.LogRecord:
        record = original(*args, **kwargs)
        try:
            record.msg, record.args = scrub(record.getMessage()), ()
        except Exception:  # a record whose arguments do not fit its message: keep the text only
            record.msg, record.args = scrub(str(record.msg)), ()
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = scrub("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return record

    setattr(make, _MARKER, True)
    return make


def install() -> None:
    """Idempotent: an app factory may run many times in one process (tests)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, _MARKER, False):
        logging.setLogRecordFactory(_scrubbed_record_factory(current))
