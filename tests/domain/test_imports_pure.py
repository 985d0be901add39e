"""The domain package stays pure: standard library only, and no reading of the clock."""
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_domain_imports_no_framework():
    code = (
        "import domain.workflow, domain.deadlines, domain.eligibility, domain.validation, "
        "domain.masking, domain.settings; import sys; "
        "assert not any(m.split('.')[0] in ('flask','sqlalchemy') for m in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_no_rule_reads_the_clock():
    clock = re.compile(r"\b(date|datetime)\.(today|now|utcnow)\(|\btime\.time\(")
    offenders = [p.name for p in (REPO / "domain").glob("*.py") if clock.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
