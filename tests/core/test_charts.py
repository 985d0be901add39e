"""The SVG chart drawing: pure, escaped, self-contained, proportional."""
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

from portal.office import charts

REPO = Path(__file__).resolve().parents[2]


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # well-formed XML, or this raises


def test_the_chart_module_needs_no_framework():
    # Loaded from its file: importing the package would register the office pages (Flask).
    code = ("import importlib.util, sys; "
            "spec = importlib.util.spec_from_file_location('charts', 'portal/office/charts.py'); "
            "spec.loader.exec_module(importlib.util.module_from_spec(spec)); "
            "assert not any(m.split('.')[0] in ('flask','sqlalchemy','markupsafe') for m in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_bars_are_proportional_and_labelled():
    svg = charts.bar_chart("监测户按类别", [("脱贫不稳定户", 10), ("边缘易致贫户", 5), ("突发严重困难户", 0)])
    root = parse(svg)
    bars = [r for r in root.iter("rect") if r.find("title") is not None]  # the rest are tracks
    assert [b.find("title").text for b in bars] == ["脱贫不稳定户：10", "边缘易致贫户：5"]  # none for zero
    widths = [float(b.get("width")) for b in bars]
    assert abs(widths[0] / widths[1] - 2) < 0.01
    texts = [t.text for t in root.iter("text")]
    assert texts == ["脱贫不稳定户", "10", "边缘易致贫户", "5", "突发严重困难户", "0"]
    assert widths[0] == float(root.get("viewBox").split()[2])  # the largest value spans the chart
    assert root.get("role") == "img"
    assert root.find("title").text == "监测户按类别"
    assert root.find("desc").text == "脱贫不稳定户：10；边缘易致贫户：5；突发严重困难户：0"


def test_labels_are_escaped():
    svg = charts.bar_chart("<b>", [("<script>alert(1)</script>&", 3)])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    parse(svg)


def test_empty_charts_say_so():
    assert "无数据" in charts.bar_chart("空", [])
    assert "无数据" in charts.line_chart("空", [], [])
    parse(charts.bar_chart("空", []))
    parse(charts.line_chart("空", [], []))


def test_line_chart_points_follow_the_values():
    svg = charts.line_chart("趋势", ["1月", "2月", "3月"], [("新增线索", [0, 5, 10]), ("风险消除", [2, 2, 2])])
    root = parse(svg)
    lines = list(root.iter("polyline"))
    assert len(lines) == 2
    ys = [float(p.split(",")[1]) for p in lines[0].get("points").split()]
    assert ys[0] > ys[1] > ys[2]  # higher values are drawn higher up
    assert abs((ys[0] - ys[1]) - (ys[1] - ys[2])) < 0.01
    assert lines[1].get("stroke-dasharray")  # told apart without colour too
    assert {"1月", "2月", "3月", "新增线索", "风险消除", "10"} <= {t.text for t in root.iter("text")}
    assert "新增线索：1月 0，2月 5，3月 10" in root.find("desc").text


def test_two_line_categories_and_full_names():
    svg = charts.line_chart("趋势", ["12\n2025年", "1\n2026年"], [("新增线索", [1, 2])],
                            full_names=["2025年12月", "2026年1月"])
    root = parse(svg)
    assert {"12", "2025年", "1", "2026年"} <= {t.text for t in root.iter("text")}
    assert root.find("desc").text == "新增线索：2025年12月 1，2026年1月 2"


def test_nothing_points_outside():
    svg = charts.line_chart("趋势", ["1月"], [("a", [1])]) + charts.bar_chart("b", [("x", 1)])
    assert not re.search(r"https?:|href|url\(|<script|<image|@import", svg)


def test_axis_maximum_is_round():
    assert [charts.nice_max(v) for v in (0, 1, 3, 7, 10, 11, 240, 999)] == [1, 1, 5, 10, 10, 20, 500, 1000]


def test_text_width_counts_chinese_wider():
    assert charts.text_width("监测", 10) == 20
    assert charts.text_width("ab", 10) == 12
