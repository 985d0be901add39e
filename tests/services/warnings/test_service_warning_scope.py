"""Who sees which warnings and list rows: a department officer their department's in their
county, desk staff the households of their area, another county nothing; a warning outside
one's scope is not found (404), never forbidden."""
import pytest
from sqlalchemy import select

from conftest import TODAY
from core.extensions import db
from domain.department_lists import ListKind
from domain.enums import RegionLevel
from factories import PASSWORD, build_world, household, new_id, with_a_neighbour
from models import DepartmentRow, DepartmentWarning
from services.accounts import scoping, users
from services.errors import NotFound
from services.regions import tree
from services.warnings import feedback, views
from warning_support import HEADERS, check_and_confirm, officer, raise_warnings, warning_row, xlsx


@pytest.fixture
def world(app):
    made = with_a_neighbour(build_world())
    other_village = tree.create_region("341598101001", "邻村", RegionLevel.VILLAGE,
                                       tree.create_region("341598101000", "邻镇", RegionLevel.TOWNSHIP,
                                                          made.users["other_county"].region))
    made.users["other_civil"] = users.create_user("other_civil", "邻县民政", PASSWORD, "department",
                                                  "341598000000", "civil_affairs")
    made.other_village = other_village
    db.session.commit()
    return made


@pytest.fixture
def scene(world):
    """民政 and 医保 warnings in 青山村, a 民政 warning in 石门村 and one in the neighbouring county,
    and an unmatched 民政 row in each county."""
    a, b, far = household(world.village_a, TODAY), household(world.grid_b1, TODAY), household(world.other_village, TODAY)
    officer(world, ListKind.MEDICAL)
    db.session.commit()
    raise_warnings(world, ListKind.CIVIL, [warning_row(ListKind.CIVIL, "青山", a.head.id_number),
                                           warning_row(ListKind.CIVIL, "石门", b.head.id_number),
                                           warning_row(ListKind.CIVIL, "无名", new_id())])
    raise_warnings(world, ListKind.MEDICAL, [warning_row(ListKind.MEDICAL, "青山医保", a.head.id_number)])
    check_and_confirm(world.users["other_civil"], ListKind.CIVIL,
                      xlsx([HEADERS[ListKind.CIVIL], warning_row(ListKind.CIVIL, "邻县", far.head.id_number),
                            warning_row(ListKind.CIVIL, "邻县无名", new_id())]))
    return {w.row.name: w.id for w in db.session.execute(select(DepartmentWarning)).scalars()}


def _seen(user) -> set[str]:
    return {w.row.name for w in db.session.execute(scoping.department_warnings(user)).scalars()}


def _rows(user) -> set[str]:
    return {r.name for r in db.session.execute(scoping.department_rows(user)).scalars()}


def test_a_department_officer_sees_their_department_in_their_county(world, scene):
    assert _seen(world.users["dept"]) == {"青山", "石门"}
    assert _seen(world.users["medical_officer"]) == {"青山医保"}
    assert _seen(world.users["other_civil"]) == {"邻县"}
    assert _rows(world.users["dept"]) == {"青山", "石门", "无名"}
    assert _rows(world.users["medical_officer"]) == {"青山医保"}
    assert _rows(world.users["other_civil"]) == {"邻县", "邻县无名"}


def test_desk_staff_see_the_households_of_their_area(world, scene):
    assert _seen(world.users["village_a"]) == {"青山", "青山医保"}
    assert _seen(world.users["village_b"]) == {"石门"}
    assert _seen(world.users["township"]) == {"青山", "青山医保", "石门"}
    assert _seen(world.users["county"]) == {"青山", "青山医保", "石门"}
    assert _seen(world.users["other_county"]) == {"邻县"}
    # unmatched rows are placed nowhere below the county: villages and townships see none
    assert _rows(world.users["village_a"]) == set() and _rows(world.users["township"]) == set()
    assert _rows(world.users["county"]) == {"青山", "石门", "无名", "青山医保"}


def test_nobody_else_sees_a_warning(world, scene):
    for who in ("auditor", "admin", "other_auditor"):
        assert _seen(world.users[who]) == set() and _rows(world.users[who]) == set()


def test_a_warning_outside_one_s_scope_is_not_found(world, scene):
    for who, name in (("village_b", "青山"), ("other_county", "石门"), ("county", "邻县"), ("dept", "邻县"),
                      ("dept", "青山医保"), ("medical_officer", "青山")):
        with pytest.raises(NotFound):
            feedback.warning_in_scope(world.users[who], scene[name])
    assert feedback.warning_in_scope(world.users["village_a"], scene["青山"]).id == scene["青山"]
    with pytest.raises(NotFound):
        feedback.answer(world.users["other_county"], scene["青山"], "included", "", TODAY)


def test_the_lists_overview_and_downloads_follow_the_scope(world, scene):
    other = world.users["other_county"]
    page = views.page_of(other, views.Filters(), 1, TODAY)
    assert [r.name for r in page.rows] == ["邻县"]
    assert sum(line.sent for line in views.overview(other, TODAY)) == 1
    rows, total, _ = views.unmatched(other, 1)
    assert total == 1 and rows[0].name == "邻县无名"
    assert [sent.filename for sent in views.lists_sent(other)] == ["名单.xlsx"] and len(views.lists_sent(world.users["county"])) == 2
    unseen = db.session.execute(select(DepartmentRow.id).where(DepartmentRow.name == "无名")).scalar_one()
    assert unseen not in {r.id for r in views.unmatched(other, 1)[0]}
