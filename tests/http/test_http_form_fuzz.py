"""Every form of the demo county, as each demo account finds it, sent back with hostile values:
no answer is a 5xx (SQLite and PostgreSQL alike).

The crawl starts at each account's list pages and follows the links on them one step (cases,
households, tasks…). Each distinct form (method, action with its ids blurred, field names) is
then submitted once per class of hostile value, every field the person could type into holding
it, the hidden ones (CSRF token, ids) kept as the page gave them; file fields get a broken file.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import urljoin, urlsplit

import pytest

from conftest import TODAY
from core.extensions import db
from office_support import Calendar
from services.demo import seeding
from services.demo.data import DEMO_PASSWORD

START_PAGES = ["/", "/inbox", "/overdue", "/tasks", "/lookback", "/dashboard", "/measures", "/notifications",
               "/households", "/register/import", "/field/"]
ACCOUNTS = ["county", "township", "village", "grid", "cadre", "minzheng", "admin"]
PAGES_PER_ACCOUNT = 45
# What a careless or hostile client types, one value for each way a value breaks code: a digit
# Python's isdigit() accepts and int() refuses (²), one int() reads though it is not ASCII (٣),
# NaN, a signalling NaN (Decimal refuses to compare it), infinity, a negative number, numbers
# past 32 and 64 bits, an impossible date, blank, huge text, and characters outside the BMP with
# control characters.
HOSTILE = ["\u00b2", "\u0663", "NaN", "sNaN", "1e999", "-1", "2147483648", "99999999999999999999999",
           "2026-02-30", " ", "x" * 5000, "\U0001f600\x7f\x1b"]
BROKEN_FILE = (BytesIO(b"\xff\xd8\xff" + b"<html>" * 10), "photo.jpg")
NEVER = re.compile(r"/logout$")


class _Forms(HTMLParser):
    """Forms (action, method, fields) and same-site links of one page."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.links: list[str] = []
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href", "").startswith("/"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                          "fields": [], "multipart": "multipart" in (a.get("enctype") or "")}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "select", "textarea") and a.get("name"):
            kind = (a.get("type") or ("select" if tag == "select" else "text")).lower()
            if kind not in ("submit", "button", "image", "reset"):
                self._form["fields"].append((a["name"], kind, a.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _parse(html: str) -> _Forms:
    found = _Forms()
    found.feed(html)
    return found


def _shape(page: str, form: dict) -> tuple:
    action = urlsplit(urljoin(page, form["action"] or page)).path
    return form["method"], re.sub(r"\d+", "N", action), tuple(sorted({n for n, _, _ in form["fields"]}))


def _crawl(client) -> dict[tuple, tuple[str, dict]]:
    """Each distinct form the account meets, with the page it was found on."""
    seen_pages, forms, queue = set(), {}, list(START_PAGES)
    while queue and len(seen_pages) < PAGES_PER_ACCOUNT:
        page = queue.pop(0).split("#")[0]
        if page in seen_pages or NEVER.search(page) or re.search(r"/(result|photos|evidence|sheets)\b", page):
            continue
        seen_pages.add(page)
        answer = client.get(page)
        assert answer.status_code < 500, (page, answer.status_code)
        if answer.mimetype != "text/html":
            continue
        parsed = _parse(answer.get_data(as_text=True))
        for form in parsed.forms:
            forms.setdefault(_shape(page, form), (page, form))
        if page in START_PAGES:
            queue += [link for link in parsed.links if link not in seen_pages]
    return forms


def _submit(client, page: str, form: dict, value: str):
    action = urljoin(page, form["action"] or page)
    data: dict = {}
    for name, kind, default in form["fields"]:
        if kind == "hidden":
            data.setdefault(name, default)
        elif kind == "file":
            data[name] = (BytesIO(BROKEN_FILE[0].getvalue()), BROKEN_FILE[1])
        else:
            data[name] = value
    if form["method"] == "post":
        return client.post(action, data=data, content_type="multipart/form-data" if form["multipart"] else None)
    return client.get(action, query_string={k: v for k, v in data.items() if isinstance(v, str)})


@pytest.fixture
def demo_county(app, monkeypatch):
    Calendar(monkeypatch, TODAY)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: an error is a 500, counted here
    seeding.seed(TODAY)
    db.session.commit()


def _server_errors_of(app, login: str) -> list[str]:
    client = app.test_client()
    # Each person from their own phone: the hostile unlock and password forms spend the login
    # limit of the address they come from.
    client.environ_base["REMOTE_ADDR"] = f"10.0.0.{ACCOUNTS.index(login) + 1}"
    assert client.post("/login", data={"login": login, "password": DEMO_PASSWORD}).status_code == 302, login
    forms = _crawl(client)
    assert len(forms) >= 2, (login, forms.keys())
    server_errors = []
    for (method, action, _), (page, form) in sorted(forms.items()):
        if NEVER.search(action):
            continue
        for value in HOSTILE:
            answer = _submit(client, page, form, value)
            if answer.status_code >= 500:
                server_errors.append(f"{login}: {method.upper()} {action} ← {value[:20]!r}: {answer.status_code}")
    return server_errors


def _anonymous_server_errors(app) -> list[str]:
    client = app.test_client()
    code = db.session.execute(db.text("SELECT code FROM region WHERE level = 'village' ORDER BY id")).scalar()
    server_errors = []
    for page in ("/login", f"/q/{code}", f"/report?village={code}", "/track"):
        answer = client.get(page)
        assert answer.status_code < 500, page
        for form in _parse(answer.get_data(as_text=True)).forms:
            for value in HOSTILE:
                sent = _submit(client, page, form, value)
                if sent.status_code >= 500:
                    server_errors.append(f"anonymous: {form['method'].upper()} {page} ← {value[:20]!r}: "
                                         f"{sent.status_code}")
    return server_errors


def test_no_form_answers_hostile_values_with_a_server_error(app, demo_county):
    # One demo county for every account (seeding it costs more than a crawl). The accounts go
    # in ACCOUNTS' order, the administrator last (its forms change other accounts); then the
    # anonymous forms.
    server_errors = [e for login in ACCOUNTS for e in _server_errors_of(app, login)]
    server_errors += _anonymous_server_errors(app)
    assert server_errors == [], "\n".join(server_errors)
