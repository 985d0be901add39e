"""The simulated people of one county for Locust: farmers, grid workers, village and county staff.

Started by ``run_load.py`` (which writes the population file and sets SHOUDI_LOAD_POPULATION);
by hand: ``locust -f bench/load/locustfile.py --headless -u 40 -r 10 -t 90s --host http://127.0.0.1:PORT``.

The mix, per simulated user (``weight`` is the share of users of each kind):

- farmers (3): open their village's 明白纸 page (the QR code's address); some go on to the
  self-report form (CSRF token, the form's one-time token, the consent box), wait on the done
  page until the consumer has recorded the report and the lookup code shows, and later look up
  their progress with that code and the phone's last four digits. Each farmer comes from an
  address of their own (``X-Forwarded-For``, the app trusting one proxy), so the per-address
  report and lookup limits stay as configured and are never the bottleneck.
- grid workers (4): log in to the API for a bearer token, fetch their work list and pages of
  their households, and send visits with one phone-sized photo (upload, then the visit naming
  it); one visit in ten is sent again with the same client id, as a phone that lost the answer.
- village staff (2): log in through the web form (CSRF), work the inbox (filters, a search,
  case pages).
- county staff (1): the dashboard and the overdue list.

One more simulated user is no person: it asks the health check (``SELECT 1``) once a second.
Its times are the floor under every endpoint of the same run: what the shared machine and the
wait for a free gunicorn worker cost a request that does nothing.

Think times are compressed (one to six seconds between steps, five to fifteen for county staff,
instead of minutes), so a few dozen simulated users stand for a few hundred people at work. A
step answered with anything but what a browser or the phone app expects counts as a failure,
with the reason.
"""
from __future__ import annotations

import io
import os
import random
import re
import sys
import uuid
from datetime import date, datetime, timedelta, timezone
from html import unescape
from pathlib import Path

import gevent
from locust import HttpUser, between, constant, task
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from domain.case_states import CaseState  # noqa: E402  (the project's codes for the filters)
from domain.deadlines import DeadlineKind  # noqa: E402
from domain.enums import CaseSource, RiskType  # noqa: E402
from domain.validation import make_id_number  # noqa: E402
from population import Population  # noqa: E402

POPULATION = Population.read(os.environ["SHOUDI_LOAD_POPULATION"])
ID_AREA = POPULATION.county_code[:6]
DONE_POLLS = 15          # the done page refreshes every 2 s: 30 s for the consumer to record a report
DONE_REFRESH = 2.0
RESEND_SHARE = 0.1       # visits sent twice (the phone lost the first answer)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰凤梅建国志红德福春海文"
DESCRIPTIONS = ("老伴住院花了五万多，家里没有收入了", "孩子上大学学费交不起", "房子被大雨冲坏了一间",
                "在外打工的厂子关了，回家没有活干", "家里养的猪病死了二十多头")

_INPUT = re.compile(r"<input\b[^>]*>", re.I)
_ATTR = re.compile(r'([\w-]+)="([^"]*)"')
_CASE_LINK = re.compile(r'href="/cases/(\d+)"')
_LOOKUP_CODE = re.compile(r'data-testid="lookup-code">([^<]+)<')
_HARDSHIP = re.compile(r'name="hardships" value="([^"]+)"')

# Lookup codes farmers got in this run, with their phones' last four digits: later lookups use them.
REPORTED: list[tuple[str, str]] = []
_sequence = iter(range(10**9))


def hidden(html: str, name: str) -> str:
    """The value of the form field ``name`` (a hidden input) in a page, or ""."""
    for tag in _INPUT.findall(html):
        attrs = dict(_ATTR.findall(tag))
        if attrs.get("name") == name:
            return unescape(attrs.get("value", ""))
    return ""


def new_address() -> str:
    """A client address of its own (in the private range 10/8)."""
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def phone_photo() -> bytes:
    """A 1600 × 1200 JPEG with detail in it, the size the field app shrinks photos to."""
    rng = random.Random(7)
    image = Image.new("RGB", (1600, 1200), (120, 140, 110))
    draw = ImageDraw.Draw(image)
    for _ in range(400):
        x, y = rng.randrange(1600), rng.randrange(1200)
        draw.rectangle((x, y, x + rng.randrange(20, 200), y + rng.randrange(20, 200)),
                       fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


PHOTO = phone_photo()


def next_account(accounts: list[str]) -> str:
    """Accounts are handed out in turn: several simulated users may share one."""
    return accounts[next(_sequence) % len(accounts)]


class Farmer(HttpUser):
    weight = 3
    wait_time = between(1, 4)

    def on_start(self):
        self.client.headers["User-Agent"] = "Mozilla/5.0 (Linux; Android 12) MicroMessenger/8.0 load-test"

    def _new_farmer(self) -> str:
        """Each task is a different farmer: no cookies, an address of their own."""
        self.client.cookies.clear()
        self.client.headers["X-Forwarded-For"] = new_address()
        return random.choice(POPULATION.villages)

    @task(6)
    def read_policy_page(self):
        village = self._new_farmer()
        self.client.get(f"/q/{village}", name="/q/[village]")

    @task(3)
    def self_report(self):
        village = self._new_farmer()
        self.client.get(f"/q/{village}", name="/q/[village]")
        with self.client.get(f"/report?village={village}", name="/report?village=[village]",
                             catch_response=True) as page:
            csrf, token = hidden(page.text, "csrf_token"), hidden(page.text, "token")
            hardships = _HARDSHIP.findall(page.text)
            if not (csrf and token and hardships):
                page.failure("the form has no CSRF token, one-time token or hardship choices")
                return
        n = next(_sequence)
        phone = f"139{random.randrange(10**8):08d}"
        form = {"csrf_token": csrf, "token": token, "county": hidden(page.text, "county"),
                "name": random.choice(SURNAMES) + "".join(random.choices(GIVEN, k=2)),
                "id_number": make_id_number(ID_AREA, date(1950, 1, 1) + timedelta(days=n % 20000), n % 1000),
                "phone": phone, "village_code": village, "hardships": random.sample(hardships, 2),
                "description": random.choice(DESCRIPTIONS), "urgent": random.choice(("yes", "no", "no", "no")),
                "household_size": str(random.randint(1, 6)), "income": "",
                "consent_version": hidden(page.text, "consent_version"), "consent": "yes"}
        # multipart, with the empty file field a browser sends when no photo was chosen
        with self.client.post("/report", data=form, files={"photos": ("", b"", "application/octet-stream")},
                              name="/report (POST)", allow_redirects=False, catch_response=True) as sent:
            if sent.status_code != 302 or not sent.headers.get("Location", "").endswith("/report/done"):
                sent.failure(f"answered {sent.status_code} instead of the redirect to the done page")
                return
        for attempt in range(DONE_POLLS):
            with self.client.get("/report/done", name="/report/done", catch_response=True) as done:
                found = _LOOKUP_CODE.search(done.text)
                if found:
                    REPORTED.append((found.group(1).strip(), phone[-4:]))
                    return
                if 'data-testid="recording"' not in done.text:
                    done.failure("the done page shows neither the lookup code nor 正在登记")
                    return
                if attempt == DONE_POLLS - 1:
                    done.failure(f"no lookup code within {DONE_POLLS * DONE_REFRESH:.0f} s")
                    return
            gevent.sleep(DONE_REFRESH)  # a green sleep: the other simulated users go on meanwhile

    @task(2)
    def track_progress(self):
        if not REPORTED:
            return self.read_policy_page()
        code, tail = random.choice(REPORTED)
        self._new_farmer()
        page = self.client.get(f"/track?code={code}", name="/track?code=[code]")
        form = {"csrf_token": hidden(page.text, "csrf_token"), "code": code, "phone_tail": tail}
        with self.client.post("/track", data=form, name="/track (POST)", catch_response=True) as found:
            if found.status_code != 200 or 'data-testid="headline"' not in found.text:
                found.failure(f"the lookup answered {found.status_code} without the progress")


class GridWorker(HttpUser):
    weight = 4
    wait_time = between(2, 6)

    def on_start(self):
        self.client.headers["X-Forwarded-For"] = new_address()
        self.households: list[int] = []
        self.pages = 1
        with self.client.post("/api/v1/auth/login", json={"login": next_account(POPULATION.grid_workers),
                                                          "password": POPULATION.password},
                              name="/api/v1/auth/login", catch_response=True) as answer:
            token = answer.json().get("token") if answer.status_code == 200 else None
            if not token or answer.json().get("must_change_password"):
                answer.failure(f"login answered {answer.status_code} without a usable token")
        if not token:
            self.stop()
            return
        self.client.headers["Authorization"] = f"Bearer {token}"
        self.client.get("/api/v1/screening/form", name="/api/v1/screening/form")
        self.household_page(first=True)

    @task(2)
    def work_list(self):
        self.client.get("/api/v1/work", name="/api/v1/work")

    @task(2)
    def household_page(self, first: bool = False):
        page = 1 if first else random.randint(1, self.pages)
        answer = self.client.get(f"/api/v1/households?page={page}&per_page=50", name="/api/v1/households")
        if answer.status_code == 200:
            body = answer.json()
            self.pages = max(1, -(-body["total"] // 50))
            self.households = [row["id"] for row in body["items"]] or self.households

    @task(1)
    def household_record(self):
        if self.households:
            self.client.get(f"/api/v1/households/{random.choice(self.households)}",
                            name="/api/v1/households/[id]")

    @task(4)
    def visit(self):
        if not self.households:
            return
        photo_id = str(uuid.uuid4())
        with self.client.post("/api/v1/photos", data={"client_uuid": photo_id},
                              files={"file": ("photo.jpg", PHOTO, "image/jpeg")},
                              name="/api/v1/photos (POST)", catch_response=True) as sent:
            if sent.status_code != 201:
                sent.failure(f"the photo answered {sent.status_code}, not 201")
                return
        body = {"client_uuid": str(uuid.uuid4()), "household_id": random.choice(self.households),
                "method": "home", "photos": [photo_id],
                "visited_at": (datetime.now(timezone.utc) - timedelta(minutes=random.randint(1, 90))).isoformat(),
                "answers": {"housing_safe": "yes", "medical_secured": "yes", "compulsory_education_secured": "yes",
                            "water_safe": "yes", "rigid_spending_or_drop": "no", "should_monitor": "no"},
                "income": {"wages": random.randint(8000, 60000), "business": "3000.50", "business_costs": 1000},
                "household_size": random.randint(1, 6),
                "gps": {"lat": 31.7 + random.random() / 10, "lng": 116.5 + random.random() / 10, "accuracy": 12}}
        self._send_visit(body, 201, "/api/v1/visits (POST)")
        if random.random() < RESEND_SHARE:
            self._send_visit(body, 200, "/api/v1/visits (POST again)")

    def _send_visit(self, body: dict, expected: int, name: str) -> None:
        with self.client.post("/api/v1/visits", json=body, name=name, catch_response=True) as sent:
            if sent.status_code != expected:
                sent.failure(f"answered {sent.status_code}, not {expected}")


class StaffUser(HttpUser):
    """A member of staff at a desk: logs in through the web form once."""
    abstract = True
    accounts: list[str] = []

    def on_start(self):
        # Staff sessions are bound to their address (session protection): one office PC each.
        self.client.headers["X-Forwarded-For"] = new_address()
        page = self.client.get("/login", name="/login")
        form = {"csrf_token": hidden(page.text, "csrf_token"), "login": next_account(self.accounts),
                "password": POPULATION.password}
        with self.client.post("/login", data=form, name="/login (POST)", allow_redirects=False,
                              catch_response=True) as answer:
            # A login goes to the landing page; to /password when the password must change first.
            logged_in = answer.status_code == 302 and "/password" not in answer.headers.get("Location", "")
            if not logged_in:
                answer.failure(f"login answered {answer.status_code} {answer.headers.get('Location', '')}")
        if not logged_in:
            self.stop()
            return
        self.client.get("/", name="/ (landing page)")


class VillageStaff(StaffUser):
    weight = 2
    wait_time = between(1, 4)
    accounts = POPULATION.village_staff

    def on_start(self):
        self.cases: list[str] = []
        self.csrf = ""
        super().on_start()
        self.inbox()

    @task(4)
    def inbox(self):
        page = self.client.get("/inbox", name="/inbox")
        self._remember(page.text)

    @task(3)
    def inbox_filtered(self):
        choice = random.choice((
            ("overdue", "1"), ("state", random.choice([s.value for s in CaseState if s.is_open])),
            ("source", random.choice(CaseSource.codes())), ("risk", random.choice(RiskType.codes()))))
        page = self.client.get(f"/inbox?{choice[0]}={choice[1]}", name=f"/inbox?{choice[0]}=[...]")
        self._remember(page.text)

    @task(1)
    def inbox_search(self):
        # The start of a name as staff type it (surname and a given character); a lone common
        # surname matches a tenth of a province's people and is left out of the mix.
        if self.csrf:
            self.client.post("/inbox", data={"csrf_token": self.csrf,
                                             "q": random.choice(SURNAMES) + random.choice(GIVEN)},
                             name="/inbox (POST search)")

    @task(3)
    def case_page(self):
        if self.cases:
            self.client.get(f"/cases/{random.choice(self.cases)}", name="/cases/[id]")

    def _remember(self, html: str) -> None:
        self.cases = _CASE_LINK.findall(html) or self.cases
        self.csrf = hidden(html, "csrf_token") or self.csrf


class CountyStaff(StaffUser):
    weight = 1
    # A county office reads its figures and lists between other work; their pages are the
    # heaviest of the mix, so a few seconds more between them than at a village's desk.
    wait_time = between(5, 15)
    accounts = POPULATION.county_staff

    @task(3)
    def dashboard(self):
        self.client.get("/dashboard", name="/dashboard")

    @task(2)
    def overdue(self):
        self.client.get("/overdue", name="/overdue")

    @task(1)
    def overdue_by_kind(self):
        self.client.get(f"/overdue?kind={random.choice(DeadlineKind.codes())}", name="/overdue?kind=[...]")


class Floor(HttpUser):
    """The cheapest request the app answers, once a second, for the run's floor."""
    fixed_count = 1
    wait_time = constant(1)

    @task
    def health(self):
        self.client.get("/api/v1/health", name="/api/v1/health (floor)")
