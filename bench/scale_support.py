"""The pages ``bench_scale.py`` times, for whom, and how a page's figures are judged.

Each staff member logs in the real way (the login page, or the API's token login) and is timed on
the pages of their work: desk staff (village, township, county) on the office pages, the grid
worker on the field page and the API's lists. Search terms are taken from the member's own area:
the commonest surname and first given character among the members in scope (a search that finds
many), and the last four characters of a real ID number there.
"""
from __future__ import annotations

import statistics
import time
from collections import Counter
from dataclasses import dataclass
from typing import Callable

from flask.testing import FlaskClient
from sqlalchemy import select

from core.extensions import db
from models import Household, Member
from services.accounts import scoping, users

API = "/api/v1"
# Targets (p95, ms) by kind of page; at the largest size a page may also take at most
# GROWTH_LIMIT times what it took at the smallest.
TARGET_MS = {"list": 50.0, "search": 50.0, "household": 50.0, "dashboard": 100.0}
GROWTH_LIMIT = 2.0
DESK = ("village", "township", "county")
SAMPLED_MEMBERS = 2000


@dataclass(frozen=True)
class Page:
    name: str
    kind: str                                   # a key of TARGET_MS
    request: Callable[[FlaskClient], object]    # returns the response


@dataclass(frozen=True)
class Terms:
    """What a person searches for and opens, all from their own area."""
    name_prefix: str
    id_tail: str
    household_id: int


@dataclass
class Timing:
    role: str
    page: str
    kind: str
    p50: float
    p95: float
    errors: list[str]


def terms_for(username: str) -> Terms:
    """Search terms from the members in the person's scope (read once, before timing)."""
    user = users.find_by_login(username)
    members = db.session.execute(scoping.members(user).order_by(Member.id).limit(SAMPLED_MEMBERS)).scalars().all()
    if not members:
        households = db.session.execute(scoping.households(user).order_by(Household.id).limit(1)).scalars().all()
        raise SystemExit(f"bench_scale: {username} has no member in scope ({len(households)} households)")
    prefix = Counter(m.name[:2] for m in members).most_common(1)[0][0]
    middle = members[len(members) // 2]
    return Terms(prefix, middle.id_number[-4:], middle.household_id)


def desk_pages(terms: Terms) -> list[Page]:
    return [
        Page("/inbox", "list", lambda c: c.get("/inbox")),
        Page("/inbox name search", "search", lambda c: c.post("/inbox", data={"q": terms.name_prefix})),
        Page("/inbox tail search", "search", lambda c: c.post("/inbox", data={"q": terms.id_tail})),
        Page("/households", "list", lambda c: c.get("/households")),
        Page("/households search", "search", lambda c: c.post("/households", data={"q": terms.name_prefix})),
        Page("/households/<id>", "household", lambda c: c.get(f"/households/{terms.household_id}")),
        Page("/overdue", "list", lambda c: c.get("/overdue")),
        Page("/tasks", "list", lambda c: c.get("/tasks")),
        Page("/lookback", "list", lambda c: c.get("/lookback")),
        Page("/dashboard", "dashboard", lambda c: c.get("/dashboard")),
    ]


def field_pages(terms: Terms, token: str) -> list[Page]:
    bearer = {"Authorization": f"Bearer {token}"}
    return [
        Page("/field/", "list", lambda c: c.get("/field/")),
        Page("API /work", "list", lambda c: c.get(f"{API}/work", headers=bearer)),
        Page("API /households", "list", lambda c: c.get(f"{API}/households", headers=bearer)),
        Page("API /households?q=", "search",
             lambda c: c.get(f"{API}/households", query_string={"q": terms.name_prefix}, headers=bearer)),
        Page("API /households/<id>", "household", lambda c: c.get(f"{API}/households/{terms.household_id}",
                                                                   headers=bearer)),
        Page("API /cases", "list", lambda c: c.get(f"{API}/cases", headers=bearer)),
    ]


def log_in(client: FlaskClient, username: str, password: str) -> None:
    answer = client.post("/login", data={"login": username, "password": password})
    if answer.status_code != 302 or "password" in answer.headers.get("Location", ""):
        raise SystemExit(f"bench_scale: {username} could not log in ({answer.status_code})")


def api_token(client: FlaskClient, username: str, password: str) -> str:
    answer = client.post(f"{API}/auth/login", json={"login": username, "password": password})
    if answer.status_code != 200:
        raise SystemExit(f"bench_scale: {username} could not log in to the API ({answer.status_code})")
    return answer.get_json()["token"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def time_page(client: FlaskClient, role: str, page: Page, requests: int) -> Timing:
    """One request to warm up, then ``requests`` timed ones; any answer but 200 is an error."""
    errors = []
    answer = page.request(client)
    if answer.status_code != 200:
        errors.append(f"warm-up {answer.status_code}")
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = page.request(client)
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            errors.append(str(answer.status_code))
    return Timing(role, page.name, page.kind, statistics.median(times), percentile(times, 0.95),
                  sorted(set(errors)))


def verdict(timing: Timing, base: Timing | None, largest: bool) -> str:
    """"ok", or what the figure misses: the target for its kind, or (at the largest size) the
    growth allowed against the smallest size measured in the same run."""
    misses = []
    if timing.p95 > TARGET_MS[timing.kind]:
        misses.append(f">{TARGET_MS[timing.kind]:.0f}ms")
    if largest and base is not None and timing.p95 > GROWTH_LIMIT * base.p95:
        misses.append(f">{GROWTH_LIMIT:.0f}x")
    if timing.errors:
        misses.append("errors " + ",".join(timing.errors))
    return "ok" if not misses else "MISS " + " ".join(misses)
