"""Reading a step's form: each field checked, every problem collected under the field's name.

Handlers call the readers they need and then ``done()``, which raises ``ValidationFailed``
with a plain-Chinese message per field, so the page shows them next to the fields and keeps
what was typed.
"""
from __future__ import annotations

from datetime import date
from typing import Type

from werkzeug.datastructures import FileStorage, MultiDict

from domain.enums import LabelledEnum
from domain.evidence import EvidenceKind
from domain import numbers
from services.errors import ValidationFailed
from services.platform.uploads import EVIDENCE_MAX_BYTES, FileRejected, check_evidence
from services.workflow.case_events import Evidence


class FormReader:
    def __init__(self, form: MultiDict, files: MultiDict | None = None):
        self.form = form
        self.files = files or MultiDict()
        self.errors: dict[str, str] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def text(self, name: str, label: str, *, required: bool = False, max_len: int = 500) -> str:
        value = (self.form.get(name) or "").strip()
        if required and not value:
            self.fail(name, f"请填写{label}")
        elif len(value) > max_len:
            self.fail(name, f"{label}不超过{max_len}个字")
        return value

    def flag(self, name: str) -> bool:
        return self.form.get(name) in ("1", "on", "true", "yes")

    def tristate(self, name: str, label: str, *, required: bool = False) -> bool | None:
        """A yes/no question that may be left unanswered ("1", "0" or empty)."""
        value = self.form.get(name, "")
        if value in ("1", "0"):
            return value == "1"
        if required or value:
            self.fail(name, f"请选择{label}")
        return None

    def day(self, name: str, label: str, *, required: bool = False) -> date | None:
        value = (self.form.get(name) or "").strip()
        if not value:
            if required:
                self.fail(name, f"请填写{label}")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(name, f"{label}格式应为 年-月-日，例如 2026-11-20")
            return None

    def integer(self, name: str, label: str, *, required: bool = False) -> int | None:
        value = (self.form.get(name) or "").strip()
        if not value:
            if required:
                self.fail(name, f"请选择{label}")
            return None
        if not numbers.is_digits(value):
            self.fail(name, f"{label}无效")
            return None
        return int(value)

    def choice(self, name: str, enum: Type[LabelledEnum], label: str, *, required: bool = False) -> str | None:
        value = (self.form.get(name) or "").strip()
        if not value:
            if required:
                self.fail(name, f"请选择{label}")
            return None
        if value not in enum.codes():
            self.fail(name, f"{label}无效")
            return None
        return value

    def choices(self, name: str, enum: Type[LabelledEnum], label: str, *, required: bool = False) -> tuple[str, ...]:
        values = tuple(dict.fromkeys(v for v in self.form.getlist(name) if v))
        if any(v not in enum.codes() for v in values):
            self.fail(name, f"{label}无效")
            return ()
        if required and not values:
            self.fail(name, f"请至少选择一项{label}")
        return values

    def evidence(self, name: str, kind: EvidenceKind | None = None, *, required: bool = False) -> list[Evidence]:
        """Files of one input (``multiple`` allowed): PDF, JPEG or PNG, at most 10 MB each, each
        read whole by its decoder (``services.platform.uploads``): images are kept re-encoded."""
        found: list[Evidence] = []
        label = kind.label if kind else "附件"
        for upload in self.files.getlist(name):
            if not isinstance(upload, FileStorage) or not upload.filename:
                continue
            try:
                checked = check_evidence(upload.read(EVIDENCE_MAX_BYTES + 1), label)
            except FileRejected as exc:
                self.fail(name, str(exc))
                continue
            found.append(Evidence(label=_file_label(upload.filename, label), content=checked.content,
                                  content_type=checked.content_type, kind=kind.value if kind else None))
        if required and not found:
            self.fail(name, f"请上传{label}")
        return found

    def done(self) -> None:
        if self.errors:
            raise ValidationFailed(dict(self.errors))


def _file_label(filename: str, fallback: str) -> str:
    # Keep the person's file name for the list of papers; drop any folder part.
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (name or fallback)[:100]
