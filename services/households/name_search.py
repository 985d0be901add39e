"""Finding people by name, one rule for every search box (inbox, household list, clue and
household matching).

A name is found by its start, or by the start of its given name (the name after a
one-character surname): "王小河" is found by 王小河, 王小 and 小河. Chinese names are two or three
characters, too short for trigram indexes (pg_trgm needs three characters of a term); a prefix
is answered from an ordinary B-tree index whatever the database's collation
(``ix_member_name_prefix`` and ``ix_member_given_name_prefix``, migration 0018), so a search
stays fast over millions of members. The rarer two-character surnames (欧阳) are found by the
whole name or its start.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_


def name_prefix(column, text: str) -> ColumnElement[bool]:
    """SQL condition: the name in ``column`` or its given name starts with ``text``."""
    return or_(column.startswith(text, autoescape=True), func.substr(column, 2).startswith(text, autoescape=True))
