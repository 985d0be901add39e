"""Each report's consent is kept with its form row (when, which wording, which channel, who took
it for 代申报), the wording itself is on file from the first report under it, and a report about
a household with an open case joins it without telling an anonymous reporter."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from conftest import TODAY
from core.extensions import db
from domain.consent import CONSENT_BODY, CONSENT_VERSION
from domain.enums import CaseSource
from domain.selfreport import ReportInput
from factories import build_world, household, new_id
from models import Case, ConsentWording, FormSubmission
from services.errors import ValidationFailed
from services.farmer import consent, selfreport
from services.workflow import cases

PHONE = "13812345678"


def _report(village_code: str, id_number: str, **changes) -> ReportInput:
    values = dict(name="王大山", id_number=id_number, phone=PHONE, village_code=village_code,
                  hardships=["illness"], description="老伴住院", consent=True, urgent="no")
    values.update(changes)
    return ReportInput(**values)


def _submit(raw: ReportInput, n: int, actor=None) -> FormSubmission:
    token = f"tok_{n:020d}"
    selfreport.submit(raw, None, token, TODAY, actor=actor)
    db.session.commit()  # the consumer records the case (run at once in tests)
    db.session.expire_all()
    return db.session.execute(select(FormSubmission).where(FormSubmission.token == token)).scalar_one()


def _wordings() -> int:
    return db.session.execute(select(func.count()).select_from(ConsentWording)).scalar_one()


def test_the_first_report_puts_the_wording_on_file_once(app):
    world = build_world()
    db.session.commit()
    assert _wordings() == 0
    before = datetime.now(timezone.utc)
    first = _submit(_report(world.village_a.code, new_id()), 1)
    second = _submit(_report(world.village_a.code, new_id()), 2)
    assert _wordings() == 1 and consent.wording(CONSENT_VERSION) == CONSENT_BODY
    for row in (first, second):
        assert (row.consent_version, row.consent_channel, row.consent_taken_by_id) == (
            CONSENT_VERSION, "self_report", None)
        assert before <= row.consent_at <= datetime.now(timezone.utc)
    assert consent.wording("unknown") is None


def test_a_proxy_report_records_the_worker_who_took_the_spoken_consent(app):
    world = build_world()
    worker = world.users["grid_a1"]
    row = _submit(_report(world.village_a.code, new_id()), 1, actor=worker)
    assert (row.consent_version, row.consent_channel, row.consent_taken_by_id) == (
        CONSENT_VERSION, "proxy_report", worker.id)
    [event] = row.case.events
    assert event.actor_id == worker.id and event.data["consent"] == {
        "at": row.consent_at.isoformat(), "version": CONSENT_VERSION, "channel": "proxy_report",
        "taken_by": worker.id}


def test_consent_to_an_older_wording_is_asked_again(app):
    world = build_world()
    with pytest.raises(ValidationFailed) as refused:
        selfreport.submit(_report(world.village_a.code, new_id(), consent_version="000000000000"), None,
                          "tok_" + "x" * 20, TODAY)
    assert refused.value.fields == {"consent": "同意的内容刚刚更新了，请重新看一遍，再勾选同意"}
    row = _submit(_report(world.village_a.code, new_id(), consent_version=CONSENT_VERSION), 1)
    assert row.consent_version == CONSENT_VERSION


def test_a_new_household_opens_a_case(app):
    world = build_world()
    home = household(world.grid_a1, TODAY, id_number=new_id())
    row = _submit(_report(world.village_a.code, home.members[0].id_number), 1)
    assert (row.joined, row.show_code, row.case.state, row.case.household_id) == (False, True, "reported", home.id)
    assert row.report is None


def _open_case_of(world, phone: str = "13700001111"):
    home = household(world.grid_a1, TODAY, id_number=new_id(), phone=phone)
    case = cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=TODAY, household=home,
                           risk_types=["illness"], claimed_phone=phone, with_lookup_code=True)
    db.session.commit()
    return home, case


def test_an_anonymous_report_joins_the_open_case_through_a_record_of_its_own(app):
    world = build_world()
    home, case = _open_case_of(world)
    row = _submit(_report(world.village_b.code, home.members[0].id_number, hardships=["disaster"],
                          description="邻居家房子塌了"), 1)
    kept = row.case
    # The answer: that of any new report (a code of its own, not joined).
    assert (row.joined, row.show_code) == (False, True)
    assert selfreport.result_for_token(row.token) == selfreport.Submitted(kept.id, kept.lookup_code, False, resent=True)
    assert kept.lookup_code and kept.lookup_code != case.lookup_code
    # For staff: merged into the open case, in the household's region, its words on both.
    assert (kept.state, kept.merged_into_id, kept.household_id, kept.region_id) == (
        "merged", case.id, home.id, home.region_id)
    assert (kept.due_date, kept.deadline_kind) == (None, None)
    assert kept.claimed_phone == PHONE and kept.reporter_words == "邻居家房子塌了"
    case = db.session.get(Case, case.id)
    assert set(case.risk_types) == {"illness", "disaster"} and case.state == "reported"
    joined = case.events[-1]
    assert joined.comment == "邻居家房子塌了" and joined.data["merged_case"] == kept.id
    assert joined.data["joined_report"] == "self_report" and joined.data["consent"]["channel"] == "self_report"
    assert kept.events[0].data["merged_into"] == case.id


def test_a_proxy_report_joins_and_is_told_only_in_the_workers_area(app):
    world = build_world()
    home, case = _open_case_of(world)
    id_number = home.members[0].id_number
    outside = _submit(_report(world.village_b.code, id_number), 1, actor=world.users["grid_b1"])
    assert (outside.joined, outside.case.state, outside.case.merged_into_id) == (False, "merged", case.id)
    inside = _submit(_report(world.village_a.code, id_number, phone="13700001111"), 2,
                     actor=world.users["grid_a1"])
    assert (inside.joined, inside.show_code, inside.case_id) == (True, True, case.id)
    unknown_phone = _submit(_report(world.village_a.code, id_number), 3, actor=world.users["village_a"])
    assert (unknown_phone.joined, unknown_phone.show_code, unknown_phone.case_id) == (True, False, case.id)
    assert db.session.execute(select(func.count(Case.id))).scalar_one() == 2
