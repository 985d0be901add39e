"""Dependencies point one way: domain → models → services → api / portal. Read from the source
(every import statement, at any depth), so an import inside a function counts too."""
import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# A package and the first-party packages it must never import.
FORBIDDEN = {
    "domain": {"core", "models", "services", "api", "portal", "shoudi"},
    "models": {"services", "api", "portal", "shoudi"},
    "services": {"api", "portal", "shoudi"},
    "api": {"portal", "shoudi"},
    "portal": {"api", "shoudi"},
}


def imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_points_backwards(package):
    offenders = {str(p.relative_to(REPO)): sorted(imported_packages(p) & FORBIDDEN[package])
                 for p in (REPO / package).rglob("*.py")}
    assert {p: bad for p, bad in offenders.items() if bad} == {}
