"""Every action and object code the code records in the audit log has its Chinese words on the
audit page (a code without them would be shown raw to an auditor)."""
import re
from pathlib import Path

from domain.audit_labels import ACTIONS, OBJECT_TYPES

ROOT = Path(__file__).resolve().parents[2]
# audit.record(actor, "action", "object_type", ...) with literal codes, over line breaks too.
CALL = re.compile(r"audit\.record\(\s*[\w.\[\]\"']+,\s*\"([a-z_]+)\",\s*\"([a-z_]+)\"")
OBJECT_ARGUMENT = re.compile(r"object_type=\"([a-z_]+)\"")


def _recorded() -> tuple[set[str], set[str]]:
    actions, objects = set(), set()
    for folder in ("services", "portal", "api", "shoudi"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for action, object_type in CALL.findall(text):
                actions.add(action)
                objects.add(object_type)
            objects.update(OBJECT_ARGUMENT.findall(text))
    return actions, objects


def test_every_recorded_code_has_its_words():
    actions, objects = _recorded()
    assert {"create", "export", "submit"} <= actions and {"case", "department_warning", "ledger_item"} <= objects
    assert actions - set(ACTIONS) == set()
    assert objects - set(OBJECT_TYPES) == set()
