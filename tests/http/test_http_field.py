"""The grid workers' field pages over HTTP: my work (cases with days left, households not yet
visited this round, follow-ups), search within scope, the visit form (masked numbers only,
404 outside scope) and the service worker script."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from core import clock
import factories
from core.extensions import db
from domain.enums import CaseSource
from domain.screening import INCOME_ITEMS, QUESTIONS
from domain.workflow import Action
from http_support import login, text_of
from models import Case, Household, ScreeningRound, User
from services.fieldwork import visits
from services.fieldwork.visits import VisitInput
from services.workflow import cases
from services.workflow.cases import StepInput

ROUND_NAME = "2026年第二次集中排查"
PHONE_MINE = "13711112222"
PHONE_OTHER = "13722222222"


@dataclass(frozen=True)
class Field:
    """Plain ids and strings (no ORM objects) for the pages to be checked against."""
    fresh: int            # grid A1, no visit: on the not-visited list
    visited: int          # grid A1, visited in the round: off the list
    flagged: int          # grid A1, visited in the round, "should be monitored", no open case
    case_home: int        # grid A1, the household of the two cases
    other_grid: int       # grid A2: outside the grid worker's scope
    case_due: int         # assigned to grid_a1, due in the future
    case_overdue: int     # assigned to grid_a1, overdue
    due_days: int
    overdue_days: int
    fresh_id_number: str
    fresh_head: str


def _assigned_case(world, household, opened: date) -> int:
    case = cases.open_case(None, household.region, CaseSource.SELF_REPORT, today=opened, household=household)
    village = world.users["village_a"]
    cases.perform(village, case.id, Action.ACCEPT, StepInput(), today=clock.today())
    cases.perform(village, case.id, Action.ASSIGN_VERIFIER,
                  StepInput(assignee_id=world.users["grid_a1"].id), today=clock.today())
    return case.id


def _visit(worker, household_id: int, **answers) -> None:
    visits.record_visit(worker, VisitInput(
        client_uuid=str(uuid.uuid4()), household_id=household_id, method="home",
        visited_at=datetime.now(timezone.utc).isoformat(), answers=answers or {"housing_safe": "yes"}))


def _build(with_round: bool = True) -> Field:
    world = factories.build_world()
    today = clock.today()
    worker = world.users["grid_a1"]
    fresh_id = factories.new_id()
    fresh = factories.household(world.grid_a1, today, size=3, id_number=fresh_id, phone=PHONE_MINE)
    visited = factories.household(world.grid_a1, today)
    flagged = factories.household(world.grid_a1, today)
    case_home = factories.household(world.grid_a1, today)
    other = factories.household(world.grid_a2, today, phone=PHONE_OTHER)
    if with_round:
        db.session.add(ScreeningRound(county_id=world.county.id, name=ROUND_NAME,
                                      starts_on=today - timedelta(days=3), ends_on=today + timedelta(days=20)))
    case_due = _assigned_case(world, case_home, today - timedelta(days=2))
    case_overdue = _assigned_case(world, case_home, today - timedelta(days=20))
    _visit(worker, visited.id)
    _visit(worker, flagged.id, should_monitor="yes")
    db.session.commit()
    due_on, overdue_on = (db.session.get(Case, case_id).due_date for case_id in (case_due, case_overdue))
    return Field(fresh.id, visited.id, flagged.id, case_home.id, other.id, case_due, case_overdue,
                 (due_on - today).days, (today - overdue_on).days, fresh_id,
                 fresh.head.name)


@pytest.fixture
def field(app) -> Field:
    return _build()


@pytest.fixture
def worker(app, field):
    client = app.test_client()
    assert login(client, "grid_a1").status_code == 302
    return client


def _section(html: str, testid: str) -> str:
    """The HTML inside the element carrying data-testid (up to the section's end)."""
    start = html.index(f'data-testid="{testid}"')
    return html[start:html.index("</section>", start)]


def _row(html: str, attribute: str, value: int) -> str:
    match = re.search(rf'<li class="([^"]*)" {attribute}="{value}".*?</li>', html, re.S)
    assert match, f"no row with {attribute}={value}"
    return match.group(0)


# --- 我的工作 ------------------------------------------------------------------------------------

def test_my_work_lists_assigned_cases_with_days_left_and_marks_the_overdue_one(worker, field):
    response = worker.get("/field/")
    assert response.status_code == 200
    html = text_of(response)
    assert "我的工作" in html and ROUND_NAME in html
    assert field.due_days > 0 and field.overdue_days > 0
    due_row = _row(html, "data-case", field.case_due)
    assert f"还剩{field.due_days}天" in due_row and "overdue" not in due_row.split(">")[0]
    assert f"/field/households/{field.case_home}/visit?case={field.case_due}" in due_row
    overdue_row = _row(html, "data-case", field.case_overdue)
    assert overdue_row.startswith('<li class="row overdue"') and f"已超期{field.overdue_days}天" in overdue_row
    # Ordered by due date: the overdue case first.
    assert html.index(f'data-case="{field.case_overdue}"') < html.index(f'data-case="{field.case_due}"')


def test_my_work_lists_households_not_visited_in_the_round(worker, field):
    html = _section(text_of(worker.get("/field/")), "not-visited")
    listed = {int(i) for i in re.findall(r'data-household="(\d+)"', html)}
    assert listed == {field.fresh, field.case_home}       # visited ones have left the list
    assert field.other_grid not in listed                  # another grid: never listed
    fresh = _row(html, "data-household", field.fresh)
    assert f"/field/households/{field.fresh}/visit" in fresh
    assert field.fresh_id_number not in fresh and field.fresh_id_number[-4:] in fresh
    assert PHONE_MINE not in fresh and "137****2222" in fresh


def test_a_household_visited_now_leaves_the_list(app, worker, field):
    _visit(db.session.get(User, _user_id("grid_a1")), field.fresh)
    db.session.commit()
    html = _section(text_of(worker.get("/field/")), "not-visited")
    assert f'data-household="{field.fresh}"' not in html
    assert f'data-household="{field.case_home}"' in html


def _user_id(name: str) -> int:
    return db.session.execute(select(User.id).where(User.username == name)).scalar_one()


def test_follow_ups_list_households_flagged_at_their_last_visit(worker, field):
    html = _section(text_of(worker.get("/field/")), "follow-ups")
    assert {int(i) for i in re.findall(r'data-household="(\d+)"', html)} == {field.flagged}


def test_without_a_current_round_the_page_says_so(app):
    _build(with_round=False)
    client = app.test_client()
    login(client, "grid_a1")
    html = text_of(client.get("/field/"))
    assert "当前没有集中排查" in html
    assert 'data-testid="not-visited"' not in html


def test_any_staff_role_may_open_the_pages_in_its_own_scope(app, field):
    client = app.test_client()
    login(client, "village_a")
    response = client.get("/field/")
    assert response.status_code == 200
    html = _section(text_of(response), "not-visited")
    assert f'data-household="{field.other_grid}"' in html  # the whole village is village staff's
    assert client.get(f"/field/households/{field.other_grid}/visit").status_code == 200


def test_field_pages_need_a_login(app, field):
    client = app.test_client()
    for path in ("/field/", "/field/search", f"/field/households/{field.fresh}/visit"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    response = client.post("/field/search", data={"q": "1234"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "1234" not in response.headers["Location"]


def test_pages_are_not_cached_by_the_browser_and_name_their_reader(worker, field):
    response = worker.get("/field/")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Shoudi-User"] == str(_user_id("grid_a1"))
    html = text_of(response)
    assert 'data-testid="queue-count"' in html and "待发送" in html and ">发送</button>" in html
    assert re.search(r'src="/assets/field\.[0-9a-f]{10}\.js"', html)


# --- search --------------------------------------------------------------------------------------
# The term is posted: names and number tails are personal data, and a URL lands in access logs and
# browser history.

def _search(client, q: str):
    return client.post("/field/search", data={"q": q})


def test_search_by_name_finds_only_households_in_scope(worker, field):
    html = text_of(_search(worker, "户主青山村"))
    found = {int(i) for i in re.findall(r'data-household="(\d+)"', html)}
    assert field.fresh in found and field.other_grid not in found  # 户主青山村二组 is grid A2
    assert found == {field.fresh, field.visited, field.flagged, field.case_home}


def test_search_by_phone_tail_finds_only_households_in_scope(worker, field):
    response = _search(worker, "2222")
    assert response.status_code == 200
    html = text_of(response)
    assert {int(i) for i in re.findall(r'data-household="(\d+)"', html)} == {field.fresh}
    assert PHONE_MINE not in html and PHONE_OTHER not in html and "137****2222" in html
    assert "找到 1 户" in html


def test_search_by_id_tail_shows_the_number_masked(worker, field):
    html = text_of(_search(worker, field.fresh_id_number[-4:]))
    assert f'data-household="{field.fresh}"' in html
    assert field.fresh_id_number not in html
    assert field.fresh_id_number[:6] + "********" + field.fresh_id_number[-4:] in html


def test_a_whole_number_is_not_searched_nor_shown_back(worker, field):
    response = _search(worker, PHONE_MINE)
    assert response.status_code == 400
    html = text_of(response)
    assert 'data-testid="refused"' in html and PHONE_MINE not in html and "data-household" not in html


def test_an_empty_search_shows_the_box_only(worker, field):
    html = text_of(worker.get("/field/search"))
    assert 'name="q"' in html and "data-household" not in html
    assert "data-household" not in text_of(_search(worker, "   "))


def test_the_search_form_posts_with_a_csrf_token_and_its_results_have_a_bare_url(worker, field):
    for path in ("/field/", "/field/search"):
        form = re.search(r'<form class="search".*?</form>', text_of(worker.get(path)), re.S).group(0)
        assert 'method="post" action="/field/search"' in form, path
        assert '<input type="hidden" name="csrf_token"' in form, path
    response = _search(worker, "2222")
    assert response.status_code == 200 and f'data-household="{field.fresh}"' in text_of(response)
    # The results are the response itself: no redirect, and no query string in its address.
    assert response.request.url == "http://localhost/field/search"
    assert response.request.query_string == b""
    html = text_of(response)
    assert 'name="q" type="search" value="2222"' in html  # back in the box, in the page only
    assert not [u for u in re.findall(r'(?:href|action|src)="([^"]*)"', html) if "2222" in u]


@pytest.mark.parametrize("term", ["2222", "户主青山村", PHONE_MINE])
def test_a_term_in_the_query_string_is_neither_searched_nor_shown_back(worker, field, term):
    """Old bookmarks and links of the GET search open the empty box, and reveal nothing."""
    response = worker.get("/field/search", query_string={"q": term})
    assert response.status_code == 200
    html = text_of(response)
    assert 'name="q"' in html and 'name="q" type="search" value=""' in html
    assert term not in html and "data-household" not in html
    assert 'data-testid="results"' not in html and 'data-testid="refused"' not in html


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_with_csrf_on_the_search_needs_the_pages_token(app, field):
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text_of(client.get("/login"))).group(1)
    assert client.post("/login", data={"login": "grid_a1", "password": factories.PASSWORD,
                                       "csrf_token": token}).status_code == 302
    refused = _search(client, "2222")
    assert refused.status_code == 400 and "data-household" not in text_of(refused)
    page = text_of(client.get("/field/search"))
    token = re.search(r'<form class="search".*?name="csrf_token" value="([^"]+)"', page, re.S).group(1)
    response = client.post("/field/search", data={"q": "2222", "csrf_token": token})
    assert response.status_code == 200
    assert {int(i) for i in re.findall(r'data-household="(\d+)"', text_of(response))} == {field.fresh}


# --- the visit form ------------------------------------------------------------------------------

def test_visit_form_shows_the_household_with_the_id_masked_and_every_question(worker, field):
    response = worker.get(f"/field/households/{field.fresh}/visit")
    assert response.status_code == 200
    html = text_of(response)
    assert field.fresh_head in html
    assert field.fresh_id_number not in html and PHONE_MINE not in html
    masked = field.fresh_id_number[:6] + "********" + field.fresh_id_number[-4:]
    assert re.search(rf'data-testid="id-masked">{re.escape(masked)}<', html)
    for question in QUESTIONS:
        assert f'name="answers.{question.key}"' in html and question.label in html
    for key, label in INCOME_ITEMS:
        assert f'name="income.{key}"' in html and label in html
    assert re.search(r'name="household_size"[^>]*value="3"', html)   # prefilled with the size
    for code, label in (("home", "入户"), ("phone", "电话"), ("wechat", "微信"), ("qq", "QQ"), ("video", "视频")):
        assert f'value="{code}"' in html and f">{label}</label>" in html
    for label in ("务工", "就医", "求学", "投亲"):
        assert label in html
    assert 'accept="image/*" capture="environment"' in html      # camera as a hint...
    assert re.search(r'id="photo-gallery"[^>]*accept="image/\*" multiple', html)  # ...and the gallery
    assert 'data-case=""' in html and 'id="consent"' in html      # no case: signing is optional
    # Without the script nothing can be sent, and nothing typed may land in an address.
    assert re.search(r'<form id="visit"[^>]*method="post"', html)
    assert re.search(r'<button type="submit"[^>]*id="save" disabled>', html)


def test_visit_form_for_an_assigned_case_shows_its_deadline_and_the_signature_pad(worker, field):
    html = text_of(worker.get(f"/field/households/{field.case_home}/visit?case={field.case_overdue}"))
    assert f'data-case="{field.case_overdue}"' in html
    case_line = re.search(r'<p class="case overdue" data-testid="case">(.*?)</p>', html, re.S).group(1)
    assert f"#{field.case_overdue}" in case_line and f"已超期{field.overdue_days}天" in case_line
    assert 'id="signature"' in html and 'id="consent"' not in html and '<div id="sign-area">' in html


def test_visit_form_outside_scope_is_404_like_a_missing_household(worker, field):
    foreign = worker.get(f"/field/households/{field.other_grid}/visit")
    missing = worker.get("/field/households/987654/visit")
    assert foreign.status_code == missing.status_code == 404
    assert "户主青山村二组" not in text_of(foreign)


def test_visit_form_with_a_case_of_another_household_or_out_of_scope_is_404(app, worker, field):
    assert worker.get(f"/field/households/{field.fresh}/visit?case={field.case_due}").status_code == 404
    world_case = cases.open_case(None, db.session.get(Household, field.other_grid).region,
                                 CaseSource.SELF_REPORT, today=clock.today(),
                                 household=db.session.get(Household, field.other_grid))
    db.session.commit()
    assert worker.get(f"/field/households/{field.case_home}/visit?case={world_case.id}").status_code == 404


# --- the service worker --------------------------------------------------------------------------

def test_service_worker_is_javascript_never_cached_and_names_the_hashed_shell(app, field):
    response = app.test_client().get("/field/sw.js")  # no login: it holds no personal data
    assert response.status_code == 200
    assert response.mimetype == "application/javascript"
    assert response.headers["Cache-Control"] == "no-store"
    source = text_of(response)
    assert "/*SHELL_ASSETS*/" not in source
    shell = re.search(r"var SHELL = (\[[^\]]*\]);", source).group(1)
    for name in ("base", "field"):
        assert re.search(rf'"/assets/{name}\.[0-9a-f]{{10}}\.css"', shell)
    assert re.search(r'"/assets/field\.[0-9a-f]{10}\.js"', shell)
    for script in ("field-parts", "field-visit"):  # the form must open offline
        assert re.search(rf'"/assets/{script}\.[0-9a-f]{{10}}\.js"', shell)
    for hashed in re.findall(r'"(/assets/[^"]+)"', shell):   # every name it installs exists
        assert app.test_client().get(hashed).status_code == 200
