"""Reading Locust's CSV statistics and printing them: requests per second, p50 and p95 per
endpoint, and the errors with their reasons.

Locust keeps response times in buckets (exact below 100 ms, two significant digits above), so a
p95 of 1,300 ms means 1,250–1,349 ms.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

TOTAL = "Aggregated"


@dataclass
class Row:
    name: str
    method: str
    requests: int
    failures: int
    rate: float       # requests per second over the whole run
    p50: float        # ms
    p95: float        # ms
    worst: float      # ms


@dataclass
class Result:
    label: str
    rows: list[Row]
    total: Row
    failures: list[tuple[int, str, str]] = field(default_factory=list)  # (count, endpoint, reason)
    notes: list[str] = field(default_factory=list)

    def row(self, name: str) -> Row | None:
        return next((r for r in self.rows if r.name == name), None)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:  # "N/A" for an endpoint that never answered
        return float("nan")


def read(prefix: Path, label: str) -> Result:
    rows: list[Row] = []
    total = None
    with open(f"{prefix}_stats.csv", newline="", encoding="utf-8") as stats:
        for line in csv.DictReader(stats):
            row = Row(line["Name"], line["Type"], int(line["Request Count"]), int(line["Failure Count"]),
                      _number(line["Requests/s"]), _number(line["50%"]), _number(line["95%"]),
                      _number(line["Max Response Time"]))
            if line["Name"] == TOTAL:
                total = row
            else:
                rows.append(row)
    if total is None:
        raise ValueError(f"{prefix}_stats.csv has no {TOTAL} line")
    failures = []
    failures_file = Path(f"{prefix}_failures.csv")
    if failures_file.exists():
        with open(failures_file, newline="", encoding="utf-8") as found:
            failures = [(int(line["Occurrences"]), f"{line['Method']} {line['Name']}", line["Error"])
                        for line in csv.DictReader(found)]
    return Result(label, rows, total, sorted(failures, reverse=True))


def _line(name: str, row: Row) -> str:
    return (f"{name:<36}{row.requests:>9}{row.failures:>7}{row.rate:>8.1f}"
            f"{row.p50:>9.0f}{row.p95:>9.0f}{row.worst:>9.0f}")


def print_result(result: Result) -> None:
    print(f"\n{'endpoint':<36}{'requests':>9}{'errors':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for row in sorted(result.rows, key=lambda r: r.name):
        print(_line(f"{row.method} {row.name}"[:35], row))
    print(_line("all requests", result.total))
    if result.failures:
        print(f"\nerrors ({sum(count for count, _, _ in result.failures)}):")
        for count, endpoint, reason in result.failures:
            print(f"  {count:>6}  {endpoint}: {reason[:160]}")
    else:
        print("\nerrors: none")
    for note in result.notes:
        print(note)


def print_comparison(results: list[Result]) -> None:
    """p95 per endpoint side by side, one column per data size."""
    if len(results) < 2:
        return
    width = 16
    print("\n== p95 ms per endpoint (req/s) by data size ==")
    print(f"{'endpoint':<36}" + "".join(f"{r.label:>{width}}" for r in results))
    names = sorted({(row.method, row.name) for result in results for row in result.rows}, key=lambda k: k[1])
    for method, name in names:
        cells = []
        for result in results:
            row = result.row(name)
            cells.append(f"{row.p95:.0f} ({row.rate:.1f})" if row else "-")
        print(f"{(method + ' ' + name)[:35]:<36}" + "".join(f"{c:>{width}}" for c in cells))
    totals = [f"{r.total.p95:.0f} ({r.total.rate:.1f})" for r in results]
    print(f"{'all requests':<36}" + "".join(f"{cell:>{width}}" for cell in totals))
    print(f"{'errors':<36}" + "".join(f"{r.total.failures:>{width}}" for r in results))
