"""Column types and helpers shared by the models: enum check constraints and encrypted columns."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Type

from flask import current_app
from sqlalchemy import CheckConstraint, DateTime, Text
from sqlalchemy.types import TypeDecorator

from core.crypto import DataProtector
from domain.enums import LabelledEnum

PROTECTOR_EXTENSION = "shoudi_protector"


def protector() -> DataProtector:
    return current_app.extensions[PROTECTOR_EXTENSION]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def enum_check(column: str, enum: Type[LabelledEnum], name: str | None = None,
               nullable: bool = False) -> CheckConstraint:
    """A CHECK constraint keeping ``column`` to the codes of ``enum``."""
    codes = ", ".join(f"'{c}'" for c in enum.codes())
    expr = f"{column} IN ({codes})"
    if nullable:
        expr = f"{column} IS NULL OR {expr}"
    return CheckConstraint(expr, name=name or f"{column}_valid")


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both SQLite (which drops the zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class EncryptedText(TypeDecorator):
    """Text encrypted with AES-GCM before it reaches the database, bound to its purpose."""

    impl = Text
    cache_ok = True

    def __init__(self, purpose: str):
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return protector().encrypt(self._to_text(value), self.purpose)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return self._from_text(protector().decrypt(value, self.purpose))

    def _to_text(self, value) -> str:
        return str(value)

    def _from_text(self, text: str):
        return text


class EncryptedDecimal(EncryptedText):
    """An amount of money (income, spending) stored encrypted; reads back as Decimal."""

    cache_ok = True

    def _to_text(self, value) -> str:
        return str(Decimal(value))

    def _from_text(self, text: str):
        return Decimal(text)
