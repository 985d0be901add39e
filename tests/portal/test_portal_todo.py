"""GET /todo as each role: the lists, their counts, colours and links, masked names, empty
sections said in words; the facts of a row open as an audited read (404 outside the scope);
statement counts pinned, whatever the size of the area."""
import re

import pytest

from conftest import TODAY
from office_support import Calendar
from todo_support import build_todo_scene, read_audits, signed_in


def text_of(answer) -> str:
    return answer.get_data(as_text=True)

# Statements per page, by role (the session's user, then each list's counts and its page).
STATEMENTS = {"village_a": 17, "township": 13, "county": 9, "cadre_a": 11, "dept": 13, "grid_a1": 9}
FACTS_STATEMENTS = 12


@pytest.fixture
def scene(app, monkeypatch):
    Calendar(monkeypatch, TODAY)  # the pages ask the clock: the scene's day
    return build_todo_scene()


def _cases(html: str, key: str) -> list[int]:
    match = re.search(rf'data-testid="rows-{key}">(.*?)</ol>', html, re.S)
    return [int(n) for n in re.findall(r'data-case="(\d+)"', match.group(1))] if match else []


def _count(html: str, key: str) -> int:
    return int(re.search(rf'data-testid="count-{key}">(\d+)<', html).group(1))


def test_the_nav_leads_with_the_todo_list(app, scene):
    html = text_of(signed_in(app, "township").get("/"))
    nav = re.search(r'<nav class="office-nav".*?</nav>', html, re.S).group(0)
    assert nav.index("我的待办") < nav.index("工作台")
    assert "我的待办" not in text_of(signed_in(app, "admin").get("/"))


def test_township_page(app, scene, count_statements):
    client = signed_in(app, "township")
    with count_statements() as statements:
        answer = client.get("/todo")
    assert answer.status_code == 200
    html = text_of(answer)
    assert _cases(html, "township") == [scene.township_late, scene.township_soon]
    assert _count(html, "township") == 2 and 'data-testid="overdue-township">逾期 1<' in html
    assert re.search(r'class="tag overdue" data-testid="clock">已逾期 5 天', html)
    assert re.search(r'class="tag soon" data-testid="clock">剩 3 天', html)
    assert f'href="/cases/{scene.township_late}#steps"' in html
    assert f'data-facts-url="/todo/facts/{scene.township_late}?part=1"' in html
    assert _cases(html, "rereviews") == [scene.refused] and "王*山" in html and "王大山" not in html
    assert "户主青山村一组" not in html  # names are masked
    assert scene.neighbour not in _cases(html, "township")
    assert len(statements) == STATEMENTS["township"], str(statements)


# (person, list, the scene's cases it shows in order); one scene for all (it takes seconds to build).
EACH_ROLE = [
    ("village_a", "clues", ("received", "reported")),
    ("village_a", "notices", ("notice_ended",)),
    ("county", "county", ("county",)),
    ("cadre_a", "paired", ("paired", "helping")),
    ("grid_a1", "verifications", ("verifying",)),
]


def test_each_role_sees_its_list(app, scene, count_statements):
    for name, key, expected in EACH_ROLE:
        client = signed_in(app, name)
        with count_statements() as statements:
            html = text_of(client.get("/todo"))
        assert _cases(html, key) == [getattr(scene, e) for e in expected], (name, key)
        assert len(statements) == STATEMENTS[name], (name, str(statements))


def test_department_links_to_its_measure(app, scene, count_statements):
    client = signed_in(app, "dept")
    with count_statements() as statements:
        html = text_of(client.get("/todo"))
    assert _cases(html, "measures") == [scene.helping]
    assert f'href="/tasks/{scene.dept_measure}"' in html
    assert len(statements) == STATEMENTS["dept"], str(statements)


def test_an_empty_list_says_so(app, scene):
    html = text_of(signed_in(app, "village_b").get("/todo"))
    assert 'data-testid="empty-notices">没有公示期满待结束的公示。' in html
    assert _count(html, "notices") == 0


def test_roles_without_steps_are_refused(app, scene):
    assert signed_in(app, "admin").get("/todo").status_code == 403
    assert signed_in(app, "auditor").get(f"/todo/facts/{scene.county}").status_code == 403


def test_a_bad_page_number_shows_the_first_page(app, scene):
    client = signed_in(app, "township")
    for page in ["abc", "0", "9" * 40, "-1", "1e3"]:
        answer = client.get("/todo", query_string={"page": page})
        assert answer.status_code == 400 and "页码无效" in text_of(answer), page
        assert _cases(text_of(answer), "township") == [scene.township_late, scene.township_soon], page


def test_a_nul_is_refused_in_words(app, scene):
    answer = signed_in(app, "township").get("/todo", query_string={"page": "\x00"})
    assert answer.status_code == 400 and "NUL" in text_of(answer)


def test_facts_are_audited_and_scoped(app, scene, count_statements):
    client = signed_in(app, "township")
    with count_statements() as statements:
        answer = client.get(f"/todo/facts/{scene.township_soon}?part=1")
    assert answer.status_code == 200
    html = text_of(answer)
    assert "<html" not in html and "入户核实" in html and "监测范围" in html and "同意" in html
    assert len(statements) == FACTS_STATEMENTS, str(statements)
    assert read_audits(scene.users["township"]) == [(str(scene.township_soon), "full record")]
    assert "<html" in text_of(client.get(f"/todo/facts/{scene.township_soon}"))
    for foreign in (scene.neighbour, 2**31, 10**30):
        assert client.get(f"/todo/facts/{foreign}").status_code == 404
    assert signed_in(app, "dept").get(f"/todo/facts/{scene.helping}").status_code == 404
