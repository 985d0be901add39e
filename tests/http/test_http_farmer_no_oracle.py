"""A farmer's own report answers the same whatever ID number it names (no existence oracle), and
each report's consent is recorded: when, to which wording, by which channel, and who took it."""
import re
import threading

from sqlalchemy import func, select

from core import clock
from conftest import make_app
from core.extensions import db
from domain.consent import CONSENT_BODY, CONSENT_TEXT, CONSENT_VERSION
from domain.enums import CaseSource
from domain.workflow import Action
from farmer_support import PHONE, form_token, lookup_code, report_data, world_committed
from http_support import login
from models import Case, ConsentWording, FormSubmission
from services.workflow import cases
from services.workflow.cases import StepInput
import factories

FAMILY_PHONE = "13700001111"
STRANGER_WORDS = "听说他家老人住院了，花了很多钱"


def _family_with_an_open_case(world, id_number: str) -> tuple[Case, str]:
    """A registered household whose own report is being verified, and its lookup code."""
    household = factories.household(world.grid_a1, clock.today(), id_number=id_number, phone=FAMILY_PHONE)
    case = cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=clock.today(), household=household,
                           risk_types=["illness"], words="家里老人住院", claimed_name="李四",
                           claimed_id_number=id_number, claimed_phone=FAMILY_PHONE, with_lookup_code=True)
    village = world.users["village_a"]
    cases.perform(village, case.id, Action.ACCEPT, StepInput(), today=clock.today())
    cases.perform(village, case.id, Action.ASSIGN_VERIFIER, StepInput(assignee_id=world.users["grid_a1"].id),
                  today=clock.today())
    db.session.commit()
    return case, case.lookup_code


def _report(client, village_code: str, **changes) -> tuple[str, str, str]:
    """Post a report; (the done page, its lookup code, the tracking page), the code blanked out."""
    posted = client.post("/report", data=report_data(form_token(client), village_code, **changes))
    assert posted.status_code == 302 and posted.headers["Location"].endswith("/report/done")
    code = lookup_code(client)
    assert code
    done = client.get("/report/done").get_data(as_text=True)
    tracked = client.post("/track", data={"code": code, "phone_tail": changes.get("phone", PHONE)[-4:]})
    assert tracked.status_code == 200
    blank = lambda page: page.replace(code, "CODE")  # noqa: E731
    return blank(done), code, blank(tracked.get_data(as_text=True))


def test_the_answer_is_the_same_whoever_the_id_number_belongs_to(client):
    world = world_committed()
    nobody, no_case, with_case = factories.new_id(), factories.new_id(), factories.new_id()
    factories.household(world.grid_a1, clock.today(), id_number=no_case)
    db.session.commit()
    family_case, _ = _family_with_an_open_case(world, with_case)

    answers = [_report(client, world.village_a.code, id_number=n) for n in (nobody, no_case, with_case)]
    done_pages = {done for done, _code, _track in answers}
    tracking_pages = {track for _done, _code, track in answers}
    assert len(done_pages) == 1 and len(tracking_pages) == 1
    [done] = done_pages
    assert 'data-testid="lookup-code">CODE<' in done and "并到" not in done and "已有" not in done
    [track] = tracking_pages
    assert '<li class="current">已受理</li>' in track and "已收到您的申报，村里正在受理" in track
    assert len({code for _done, code, _track in answers}) == 3  # a code of their own each

    # For staff the third report is linked to the family's open case, its words with it.
    db.session.expire_all()
    kept = db.session.execute(select(Case).where(Case.merged_into_id == family_case.id)).scalar_one()
    assert kept.state == "merged" and kept.lookup_code == answers[2][1].replace("-", "")
    family_case = db.session.get(Case, family_case.id)
    joined = family_case.events[-1]
    assert joined.data["merged_case"] == kept.id and joined.comment == "老伴住院花了五万多"
    assert family_case.state == "verifying"


def test_the_strangers_words_never_reach_the_familys_lookup_page(client):
    world = world_committed()
    family_id = factories.new_id()
    family_case, family_code = _family_with_an_open_case(world, family_id)
    _done, stranger_code, _track = _report(client, world.village_a.code, id_number=family_id,
                                           description=STRANGER_WORDS, hardships=["disaster"], urgent="yes")

    family_page = client.post("/track", data={"code": family_code, "phone_tail": FAMILY_PHONE[-4:]})
    text = family_page.get_data(as_text=True)
    assert family_page.status_code == 200 and '<li class="current">入户核实</li>' in text
    assert STRANGER_WORDS not in text and "王" not in text and "李*" in text

    # The family's case goes on; the stranger still sees only that their report was received.
    db.session.expire_all()
    family_case = db.session.get(Case, family_case.id)
    family_case.state = "county_review"
    db.session.commit()
    cases.perform(world.users["county"], family_case.id, Action.COUNTY_REJECT,
                  StepInput(reason="家庭人均纯收入高于监测范围"), today=clock.today())
    db.session.commit()
    text = client.post("/track", data={"code": stranger_code, "phone_tail": PHONE[-4:]}).get_data(as_text=True)
    assert "已收到您的申报，村里正在受理" in text and "未纳入" not in text and "收入" not in text
    assert "李" not in text and "王*山" in text
    # ...while the family, whose phone is on file, sees its outcome.
    text = client.post("/track", data={"code": family_code, "phone_tail": FAMILY_PHONE[-4:]}).get_data(as_text=True)
    assert "未纳入的原因：家庭人均纯收入高于监测范围" in text


def test_a_report_from_a_phone_on_file_follows_the_familys_case(client):
    world = world_committed()
    family_id = factories.new_id()
    _family_with_an_open_case(world, family_id)
    _done, _code, track = _report(client, world.village_a.code, id_number=family_id, phone=FAMILY_PHONE)
    assert '<li class="current">入户核实</li>' in track


def test_a_worker_is_told_of_an_open_case_only_in_their_own_area(client):
    world = world_committed()
    family_id = factories.new_id()
    family_case, family_code = _family_with_an_open_case(world, family_id)

    login(client, "grid_b1")  # another village: answered as for any new report
    client.post("/report", data=report_data(form_token(client), world.village_b.code, id_number=family_id))
    page = client.get("/report/done").get_data(as_text=True)
    code = lookup_code(client)
    assert "并到" not in page and code and code.replace("-", "") != family_code
    client.post("/logout")

    login(client, "grid_a1")  # the household's own grid: told, with the case's code for a phone on file
    client.post("/report", data=report_data(form_token(client), world.village_a.code, id_number=family_id,
                                            phone=FAMILY_PHONE))
    page = client.get("/report/done").get_data(as_text=True)
    assert "并到那条申报里" in page and lookup_code(client).replace("-", "") == family_code
    client.post("/report", data=report_data(form_token(client), world.village_a.code, id_number=family_id))
    page = client.get("/report/done").get_data(as_text=True)
    assert "并到那条申报里" in page and lookup_code(client) is None


def test_consent_is_recorded_with_each_report_on_both_channels(client):
    world = world_committed()
    page = client.get(f"/report?village={world.village_a.code}").get_data(as_text=True)
    assert f'name="consent_version" value="{CONSENT_VERSION}"' in page and CONSENT_TEXT in page
    assert 'href="/privacy"' in page and "个人信息保护说明" in page and "撤回同意" in page  # on the form itself
    client.post("/report", data=report_data(form_token(client), world.village_a.code))
    login(client, "grid_a1")
    page = client.get(f"/report?village={world.village_a.code}").get_data(as_text=True)
    assert "农户口头表示同意" in page
    client.post("/report", data=report_data(form_token(client), world.village_a.code, id_number=factories.new_id()))

    db.session.expire_all()
    own, proxy = db.session.execute(select(FormSubmission).order_by(FormSubmission.id)).scalars().all()
    assert (own.consent_version, own.consent_channel, own.consent_taken_by_id) == (CONSENT_VERSION, "self_report", None)
    assert (proxy.consent_version, proxy.consent_channel, proxy.consent_taken_by_id) == (
        CONSENT_VERSION, "proxy_report", world.users["grid_a1"].id)
    assert own.consent_at is not None and proxy.consent_at >= own.consent_at
    wording = db.session.get(ConsentWording, CONSENT_VERSION)
    assert wording.body == CONSENT_BODY and CONSENT_TEXT in wording.body

    # Staff read it where the report is shown.
    client.post("/logout")
    login(client, "village_a")
    for submission, expected in ((own, "农户本人勾选同意"), (proxy, "代申报，农户口头同意，由GRID_A1听取")):
        text = client.get(f"/cases/{submission.case_id}").get_data(as_text=True)
        shown = re.search(r'data-testid="consent">([^<]+)<', text).group(1)
        assert expected in shown and CONSENT_VERSION in shown


def test_a_form_shown_with_an_older_wording_asks_again(client):
    world = world_committed()
    data = report_data(form_token(client), world.village_a.code, consent_version="0ldw0rd1ng00")
    response = client.post("/report", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "同意的内容刚刚更新了" in page
    assert 'name="consent" value="yes" checked' not in page and "老伴住院花了五万多" in page
    assert db.session.execute(select(FormSubmission)).first() is None


def test_the_privacy_notice_is_plain_and_needs_no_login(client):
    response = client.get("/privacy")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    for words in ("个人信息保护说明", "收集哪些信息", "用来做什么", "谁能看到", "保存多久", "撤回同意", "更正",
                  "12317", CONSENT_TEXT, CONSENT_VERSION):
        assert words in text


def test_first_reports_racing_to_a_new_wording_all_name_it(database_url, tmp_path):
    """Four farmers submit at the same moment on a server that has no wording on file yet."""
    app = make_app(database_url, tmp_path)
    with app.app_context():
        world = factories.build_world()
        db.session.commit()
        village = world.village_a.code
        ids = [factories.new_id() for _ in range(4)]
    results = []
    barrier = threading.Barrier(4)

    def post(n: int):
        client = app.test_client()
        barrier.wait()
        results.append(client.post("/report", data=report_data(f"race{n}" + "t" * 28, village,
                                                               id_number=ids[n])).status_code)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        assert results == [302] * 4
        assert db.session.execute(select(func.count()).select_from(ConsentWording)).scalar_one() == 1
        versions = db.session.execute(select(FormSubmission.consent_version)).scalars().all()
        assert versions == [CONSENT_VERSION] * 4
        db.session.remove()
        db.engine.dispose()
