"""代申报: a grid worker (or village staff) reports for any household or village of their own
village, another grid's family too, never beyond it; a refusal shows the form again with what
was typed and a message, never the farmer's 404 page."""
from sqlalchemy import func, select

from core import clock
from core.extensions import db
from domain.enums import CaseSource
from farmer_support import PHONE, form_token, lookup_code, report_data, world_committed
from http_support import login
from models import Case, FormSubmission, Household
from services.workflow import cases
import factories

TYPED = {"name": "赵二妹", "phone": "13911112222", "description": "儿子摔伤了腿，家里没人干活"}


def _household(region, id_number=None):
    made = factories.household(region, clock.today(), id_number=id_number or factories.new_id())
    db.session.commit()
    return made.id, made.members[0].id_number


def _cases():
    db.session.expire_all()
    return db.session.execute(select(Case).order_by(Case.id)).scalars().all()


def test_a_grid_worker_reports_for_a_family_in_another_grid_of_the_village(client):
    world = world_committed()
    household_id, id_number = _household(world.grid_a2)
    grid_a2_id, worker_id = world.grid_a2.id, world.users["grid_a1"].id
    login(client, "grid_a1")
    posted = client.post("/report", data=report_data(form_token(client), world.village_a.code, id_number=id_number))
    assert posted.status_code == 302 and posted.headers["Location"].endswith("/report/done")
    done = client.get("/report/done")
    assert done.status_code == 200 and "二维码或链接可能有误" not in done.get_data(as_text=True)
    assert lookup_code(client)
    [case] = _cases()
    assert (case.household_id, case.region_id, case.source) == (household_id, grid_a2_id, "proxy_report")
    assert case.reported_by_id == worker_id and case.state == "reported"
    assert client.get(f"/cases/{case.id}").status_code == 200  # the worker follows what they reported


def test_a_grid_worker_reports_for_their_own_grid_and_for_the_village_itself(client):
    world = world_committed()
    own_id, own_number = _household(world.grid_a1)
    village_id, village_number = _household(world.village_a)
    login(client, "grid_a1")
    for number in (own_number, village_number):
        assert client.post("/report", data=report_data(
            form_token(client), world.village_a.code, id_number=number)).status_code == 302
    assert [c.household_id for c in _cases()] == [own_id, village_id]


def test_village_staff_report_for_any_grid_of_their_village(client):
    world = world_committed()
    household_id, id_number = _household(world.grid_a2)
    login(client, "village_a")
    assert client.post("/report", data=report_data(form_token(client), world.village_a.code,
                                                   id_number=id_number)).status_code == 302
    [case] = _cases()
    assert case.household_id == household_id and case.source == "proxy_report"


def test_a_family_registered_beyond_the_village_is_recorded_where_the_worker_works(client):
    """Answered as any new report (no oracle of where an ID number is registered); the clue stays
    in the worker's village, unlinked, so the worker never reaches the other village's record."""
    world = world_committed()
    household_id, id_number = _household(world.grid_b1)
    village_a_id = world.village_a.id
    login(client, "grid_a1")
    answers = []
    for number in (id_number, factories.new_id()):
        assert client.post("/report", data=report_data(form_token(client), world.village_a.code,
                                                       id_number=number)).status_code == 302
        code = lookup_code(client)
        answers.append(client.get("/report/done").get_data(as_text=True).replace(code, "CODE"))
    assert answers[0] == answers[1]
    beyond, unknown = _cases()
    assert (beyond.household_id, beyond.region_id, beyond.state) == (None, village_a_id, "reported")
    assert (unknown.household_id, unknown.region_id) == (None, village_a_id)
    page = client.get(f"/cases/{beyond.id}").get_data(as_text=True)
    assert "石门村" not in page and household_id


def test_another_village_named_on_the_form_is_refused_with_everything_kept(client):
    world = world_committed()
    login(client, "grid_a1")
    for village in (world.village_b.code, world.township.code, "999999999999"):
        refused = client.post("/report", data=report_data(form_token(client), village,
                                                          id_number=factories.new_id(), **TYPED))
        page = refused.get_data(as_text=True)
        assert refused.status_code == 400 and "二维码或链接可能有误" not in page, village
        assert "只能为自己负责的村代申报" in page or "没有找到这个村" in page
        assert all(value in page for value in TYPED.values())
    assert _cases() == []


def test_the_farmer_alone_still_reports_for_any_village(client):
    """Without an account the form takes any village: the limit is the worker's, not the form's."""
    world = world_committed()
    household_id, id_number = _household(world.grid_b1)
    assert client.post("/report", data=report_data(form_token(client), world.village_a.code,
                                                   id_number=id_number)).status_code == 302
    [case] = _cases()
    assert case.household_id == household_id and case.source == "self_report"


def test_a_report_for_another_grids_family_with_an_open_case_is_kept_with_it(client):
    world = world_committed()
    household_id, id_number = _household(world.grid_a2)
    open_case = cases.open_case(world.users["village_a"], world.grid_a2, CaseSource.GRID_VISIT,
                                today=clock.today(), household=db.session.get(Household, household_id))
    db.session.commit()
    open_id = open_case.id
    login(client, "grid_a1")
    assert client.post("/report", data=report_data(form_token(client), world.village_a.code,
                                                   id_number=id_number)).status_code == 302
    assert lookup_code(client)
    found = _cases()
    assert len(found) == 2
    kept = found[1]
    assert kept.state == "merged" and kept.merged_into_id == open_id and kept.source == "proxy_report"
    assert db.session.get(Case, open_id).events[-1].data["merged_case"] == kept.id


def test_the_form_opens_on_the_workers_village(client):
    world = world_committed()
    assert f'value="{world.village_a.code}" selected' not in client.get("/report").get_data(as_text=True)
    login(client, "grid_a1")
    page = client.get("/report").get_data(as_text=True)
    assert "代申报" in page and f'value="{world.village_a.code}" selected' in page
    assert PHONE not in page
