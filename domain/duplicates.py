"""Which open clues are likely about the same household (线索受理: 重复线索合并).

DOMAIN.md (identification, step 1): duplicates of an open clue for the same household are
merged, not counted twice. Before anyone merges, the triage inbox flags the clues that look
alike; a person decides. The rule works on plain facts (ids and blind indexes, never the
personal values themselves):

- two clues about the same registered household;
- two clues that claim the same ID number (same blind index);
- two clues that claim the same phone number in the same village;
- two clues not yet linked to a household that give the same name in the same village.

Flags are transitive: if A looks like B and B like C, the three form one group. Only the first
two reasons make two clues mergeable (the merge step accepts the same household or the same
person); a shared phone or name is a hint to check, since neighbours share names and phones.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Iterable

from .enums import LabelledEnum


class DuplicateReason(LabelledEnum):
    SAME_HOUSEHOLD = ("same_household", "同一农户")
    SAME_ID_NUMBER = ("same_id_number", "申报的身份证号相同")
    SAME_PHONE = ("same_phone", "同村申报的手机号相同")
    SAME_NAME = ("same_name", "同村申报的姓名相同（均未关联农户）")

    @property
    def mergeable(self) -> bool:
        """The merge step accepts clues of the same household or the same person."""
        return self in (DuplicateReason.SAME_HOUSEHOLD, DuplicateReason.SAME_ID_NUMBER)


@dataclass(frozen=True)
class ClueFacts:
    """What the rule needs to know about one open clue."""

    case_id: int
    village_id: int | None = None       # the village the clue belongs to (None above village)
    household_id: int | None = None     # the registered household, once matched
    id_number_index: str | None = None  # blind index of the claimed ID number
    phone_index: str | None = None      # blind index of the claimed phone
    claimed_name: str | None = None     # the name the reporter gave


@dataclass(frozen=True)
class DuplicateGroup:
    case_ids: tuple[int, ...]                 # ascending, at least two
    reasons: tuple[DuplicateReason, ...]      # in the enum's order

    def others(self, case_id: int) -> tuple[int, ...]:
        return tuple(c for c in self.case_ids if c != case_id)

    @property
    def reason_text(self) -> str:
        return "、".join(r.label for r in self.reasons)


def normalize_name(name: str | None) -> str:
    """Names compare without any whitespace (people type "张 三" and "张三")."""
    return "".join((name or "").split())


def _keys(clue: ClueFacts) -> list[tuple[DuplicateReason, Hashable]]:
    keys: list[tuple[DuplicateReason, Hashable]] = []
    if clue.household_id is not None:
        keys.append((DuplicateReason.SAME_HOUSEHOLD, clue.household_id))
    if clue.id_number_index:
        keys.append((DuplicateReason.SAME_ID_NUMBER, clue.id_number_index))
    if clue.phone_index and clue.village_id is not None:
        keys.append((DuplicateReason.SAME_PHONE, (clue.village_id, clue.phone_index)))
    name = normalize_name(clue.claimed_name)
    if name and clue.household_id is None and clue.village_id is not None:
        keys.append((DuplicateReason.SAME_NAME, (clue.village_id, name)))
    return keys


def pair_reasons(a: ClueFacts, b: ClueFacts) -> tuple[DuplicateReason, ...]:
    """Why two clues look like the same household (empty: they do not)."""
    if a.case_id == b.case_id:
        return ()
    shared = set(_keys(a)) & set(_keys(b))
    return tuple(r for r in DuplicateReason if any(reason is r for reason, _ in shared))


def may_merge(a: ClueFacts, b: ClueFacts) -> bool:
    """Whether the merge step would accept merging one of the two into the other."""
    return any(r.mergeable for r in pair_reasons(a, b))


def find_duplicates(clues: Iterable[ClueFacts]) -> list[DuplicateGroup]:
    """Groups of clues that are likely the same household, ordered by their first case id."""
    clues = list(clues)
    parent = {c.case_id: c.case_id for c in clues}

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    buckets: dict[tuple[DuplicateReason, Hashable], list[int]] = {}
    for clue in clues:
        for key in _keys(clue):
            buckets.setdefault(key, []).append(clue.case_id)
    for ids in buckets.values():
        for other in ids[1:]:
            a, b = root(ids[0]), root(other)
            if a != b:
                parent[max(a, b)] = min(a, b)

    members: dict[int, list[int]] = {}
    for case_id in parent:
        members.setdefault(root(case_id), []).append(case_id)
    reasons: dict[int, set[DuplicateReason]] = {}
    for (reason, _), ids in buckets.items():
        if len(set(ids)) > 1:
            reasons.setdefault(root(ids[0]), set()).add(reason)
    groups = [DuplicateGroup(tuple(sorted(ids)), tuple(r for r in DuplicateReason if r in reasons.get(top, ())))
              for top, ids in members.items() if len(ids) > 1]
    return sorted(groups, key=lambda g: g.case_ids[0])


def group_of_each(groups: Iterable[DuplicateGroup]) -> dict[int, DuplicateGroup]:
    """Each flagged case id → its group, for marking rows in a list."""
    return {case_id: group for group in groups for case_id in group.case_ids}
