"""Page weight of the farmer pages: what a phone on weak 3G/4G downloads, against a 30 KB budget.

Run: .venv/bin/python bench/bench_farmer_pages.py [extra_villages]   (after `make install`)

Builds the app on a temporary SQLite database with the demo county (services.demo.seeding.seed; pass a
number to add that many villages, as a real county has a few hundred and the form lists them all),
then fetches every farmer page with the Flask test client, once with ``Accept-Encoding: gzip`` and
once without: the QR landing page /q/<code>, the form /report?village=<code>, /report/done after a
real submission, /track (GET, and the POSTed result), and the CSS/JS each page references (parsed
from its <link>/<script> tags). Sizes are response bodies; HTTP headers are not counted.

The budget covers the first visit: landing + form HTML, plus every asset they reference, once
(assets have content-hashed names and are cached). Exit status 1 when the gzip total is over it.
"""
from __future__ import annotations

import re
import sys
from datetime import date

from bench_support import scratch_app
from core.extensions import db
from domain.enums import RegionLevel
from services.demo import seeding
from services.regions import tree

BUDGET = 30 * 1024
VILLAGE = "341599101001"
PHONE = "13812345678"
ASSET = re.compile(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"|<script[^>]+src="([^"]+)"')


def _add_villages(count: int) -> None:
    township = tree.resolve_code("341599101000")
    for i in range(min(count, 990)):
        tree.create_region(f"341599101{i + 3:03d}", f"测试{i + 1}村", RegionLevel.VILLAGE, township)


def _fetch(client, method: str, url: str, **kwargs) -> tuple[bytes, bytes, str]:
    """(raw body, body as sent with gzip, Content-Encoding) for one request, made twice."""
    plain = client.open(url, method=method, **kwargs)
    packed = client.open(url, method=method, headers={"Accept-Encoding": "gzip"}, **kwargs)
    assert plain.status_code == packed.status_code == 200, (url, plain.status_code, packed.status_code)
    return plain.data, packed.data, packed.headers.get("Content-Encoding", "identity")


def main(extra_villages: int = 0) -> int:
    rows: list[tuple[str, str, int, int, str]] = []     # (label, url, raw, gzip, encoding)
    refs: dict[str, list[str]] = {}                      # page label -> asset urls

    def page(label: str, method: str, url: str, **kwargs) -> str:
        raw, packed, encoding = _fetch(client, method, url, **kwargs)
        rows.append((label, url, len(raw), len(packed), encoding))
        html = raw.decode()
        refs[label] = [a or b for a, b in ASSET.findall(html)]
        return html

    with scratch_app() as app:
        with app.app_context():
            seeding.seed(today=date.today())
            _add_villages(extra_villages)
            db.session.commit()
        client = app.test_client()
        page("landing /q", "GET", f"/q/{VILLAGE}")
        form = page("form /report", "GET", f"/report?village={VILLAGE}")
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
        sent = client.post("/report", data={
            **fields, "name": "王大山", "id_number": "11010519491231002X", "phone": PHONE,
            "village_code": VILLAGE, "hardships": ["illness"], "description": "老伴住院花了五万多",
            "urgent": "no", "consent": "yes"})
        assert sent.status_code == 302, sent.get_data(as_text=True)[:2000]
        done = page("done /report/done", "GET", "/report/done")
        code = re.search(r'data-testid="lookup-code">([^<]+)<', done).group(1)
        track = page("track /track", "GET", "/track")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', track).group(1)
        result = page("track result (POST)", "POST", "/track",
                      data={"csrf_token": csrf, "code": code, "phone_tail": PHONE[-4:]})
        assert "已受理" in result
        assets = sorted({url for urls in refs.values() for url in urls})
        for url in assets:
            raw, packed, encoding = _fetch(client, "GET", url)
            rows.append((url.rsplit("/", 1)[-1], url, len(raw), len(packed), encoding))

    print(f"demo county + {extra_villages} extra villages; body bytes (headers not counted)\n")
    print(f"{'page':<26}{'raw bytes':>11}{'gzip bytes':>12}{'gzip/raw':>10}  encoding  assets referenced")
    for label, url, raw, packed, encoding in rows:
        used = " ".join(u.rsplit("/", 1)[-1] for u in refs.get(label, []))
        print(f"{label:<26}{raw:>11,}{packed:>12,}{packed / raw:>10.2f}  {encoding:<8}  {used}")

    sizes = {label: (raw, packed) for label, _, raw, packed, _ in rows}
    first_visit = ["landing /q", "form /report"]
    first_visit += sorted({u.rsplit("/", 1)[-1] for p in first_visit for u in refs[p]})
    raw_total = sum(sizes[p][0] for p in first_visit)
    gzip_total = sum(sizes[p][1] for p in first_visit)
    print(f"\nlanding + form (HTML+CSS+JS) = {' + '.join(first_visit)}")
    print(f"  gzip             : {gzip_total:>7,} bytes = {gzip_total / 1024:5.1f} KB, "
          f"{gzip_total / BUDGET:6.1%} of the {BUDGET // 1024} KB budget")
    print(f"  raw (baseline)   : {raw_total:>7,} bytes = {raw_total / 1024:5.1f} KB, "
          f"{raw_total / BUDGET:6.1%} of the {BUDGET // 1024} KB budget")
    print(f"  gzip / raw       : {gzip_total / raw_total:.2f} (same run)")
    over = gzip_total > BUDGET
    print(f"  verdict          : {'OVER BUDGET' if over else 'within budget'}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
