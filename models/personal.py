"""Protected personal fields: ciphertext plus blind indexes, set together in one assignment.

``member.id_number = "1101..."`` stores the AES-GCM ciphertext, a keyed hash of the whole
value (exact match, de-duplication) and a keyed hash of the last four characters (tail
search). Reading ``member.id_number`` decrypts; ``member.id_number_masked`` is for lists.
"""
from __future__ import annotations

from typing import Callable

from domain.masking import mask_id_number, mask_phone
from models.types import protector

ID_NUMBER = "id_number"
PHONE = "phone"

_MASKERS: dict[str, Callable[[str], str]] = {ID_NUMBER: mask_id_number, PHONE: mask_phone}


def blind_index(kind: str, value: str) -> str:
    """Keyed hash of a normalised value; ``kind`` is shared across tables for de-duplication."""
    return protector().blind_index(value, kind)


def tail_index(kind: str, value: str) -> str:
    return protector().blind_index(value[-4:], kind + ".tail")


class ProtectedField:
    """Descriptor tying an encrypted column to its blind-index columns.

    ``prefix`` names the mapped attributes: ``<prefix>_enc``, ``<prefix>_index`` and
    ``<prefix>_tail_index`` (the last is optional).
    """

    def __init__(self, kind: str, prefix: str, with_tail: bool = True):
        self.kind = kind
        self.prefix = prefix
        self.with_tail = with_tail

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return getattr(obj, self.prefix + "_enc")

    def __set__(self, obj, value: str | None):
        setattr(obj, self.prefix + "_enc", value or None)
        setattr(obj, self.prefix + "_index", blind_index(self.kind, value) if value else None)
        if self.with_tail:
            setattr(obj, self.prefix + "_tail_index", tail_index(self.kind, value) if value else None)


class MaskedField:
    """Read-only masked view of a ProtectedField, for lists and landing pages."""

    def __init__(self, source: str, kind: str):
        self.source = source
        self.kind = kind

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        value = getattr(obj, self.source)
        return _MASKERS[self.kind](value) if value else ""
