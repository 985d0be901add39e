"""Reading list filters from a query string: a value must be one of the choices offered, or it
is ignored with a Chinese message shown beside the filter (a stale bookmark, a hand-edited
address) — never an error page."""
from __future__ import annotations

from typing import Collection, Mapping


class FilterReader:
    def __init__(self, args: Mapping[str, str]):
        self.args = args
        self.errors: dict[str, str] = {}

    def pick(self, name: str, allowed: Collection[str], message: str) -> str:
        """The value of ``name`` if it is one of ``allowed``; "" (and ``message``) otherwise."""
        value = (self.args.get(name) or "").strip()
        if value and value not in allowed:
            self.errors[name] = message
            return ""
        return value

    def flag(self, name: str, message: str) -> bool:
        """A check box: "1" or nothing."""
        return self.pick(name, {"1"}, message) == "1"
