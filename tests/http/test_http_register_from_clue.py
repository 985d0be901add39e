"""登记农户并关联: a clue whose family is not on the register gets its household registered from
the case page and linked in the same step; the claim's numbers are used without being shown."""
import pytest
from sqlalchemy import select

import factories
from core import clock
from core.extensions import db
from domain.enums import CaseSource
from http_support import signed_in
from models import Case, Household
from models.personal import ID_NUMBER, PHONE, blind_index
from services.workflow import cases

CLAIMED_PHONE = "13912340000"


@pytest.fixture
def world(app):
    made = factories.build_world()
    db.session.commit()
    return made


@pytest.fixture
def clue(world):
    id_number = factories.new_id()
    case = cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=clock.today(),
                           claimed_name="孙二娘", claimed_id_number=id_number, claimed_phone=CLAIMED_PHONE,
                           risk_types=["illness"], words="看病花了很多钱")
    db.session.commit()
    return case.id, id_number


def _register(client, case_id, **changes):
    form = {"region_code": "A1", "name": "孙二娘", "labour_capacity": "weak", "health": "chronic",
            "use_claimed_id": "1", "use_claimed_phone": "1", "id_number": "", "phone": "", "address": "青山村3号"}
    form.update(changes)
    return client.post(f"/cases/{case_id}/match/register", data=form)


def test_the_form_starts_from_the_claim_without_showing_its_numbers(app, world, clue):
    case_id, id_number = clue
    page = signed_in(app, "village_a").get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'data-testid="match-register"' in page and 'value="孙二娘"' in page
    assert id_number not in page and CLAIMED_PHONE not in page
    assert "使用申报的身份证号" in page and "青山村一组" in page


def test_registering_links_the_clue_to_the_new_household(app, world, clue):
    case_id, id_number = clue
    answer = _register(signed_in(app, "village_a"), case_id)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("done=match#match")
    db.session.rollback()
    case = db.session.get(Case, case_id)
    household = case.household
    assert household is not None and household.region_id == world.grid_a1.id and case.region_id == world.grid_a1.id
    head = household.head
    assert (head.name, head.labour_capacity, head.health) == ("孙二娘", "weak", "chronic")
    assert head.id_number_index == blind_index(ID_NUMBER, id_number)
    assert head.phone_index == blind_index(PHONE, CLAIMED_PHONE) and household.address == "青山村3号"
    page = signed_in(app, "village_a").get(f"/cases/{case_id}?done=match").get_data(as_text=True)
    assert 'data-testid="match-linked"' in page and "户主 孙二娘" in page


def test_a_corrected_id_number_replaces_the_claimed_one(app, world, clue):
    case_id, _ = clue
    corrected = factories.new_id()
    assert _register(signed_in(app, "village_a"), case_id, use_claimed_id="", id_number=corrected).status_code == 302
    db.session.rollback()
    assert db.session.get(Case, case_id).household.head.id_number_index == blind_index(ID_NUMBER, corrected)


def test_mistakes_are_shown_beside_their_fields_and_nothing_is_kept(app, world, clue):
    case_id, _ = clue
    client = signed_in(app, "village_a")
    answer = _register(client, case_id, region_code="B1", name="孙二娘改")  # another village's group
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "请选择本线索所在的村或其下的组" in page and 'value="孙二娘改"' in page
    answer = _register(client, case_id, labour_capacity="")
    assert answer.status_code == 400 and "劳动能力无效" in answer.get_data(as_text=True)
    bad_id = _register(client, case_id, use_claimed_id="", id_number="12345")
    assert bad_id.status_code == 400 and "12345" in bad_id.get_data(as_text=True)  # what was typed stays
    db.session.rollback()
    assert db.session.get(Case, case_id).household_id is None
    assert db.session.execute(select(Household)).first() is None


def test_a_number_already_registered_points_to_linking_instead(app, world, clue):
    case_id, id_number = clue
    factories.household(world.grid_a2, clock.today(), id_number=id_number)
    db.session.commit()
    answer = _register(signed_in(app, "village_a"), case_id)
    assert answer.status_code == 400 and "该身份证号已登记在其他农户中" in answer.get_data(as_text=True)


def test_only_village_and_township_staff_register(app, world, clue):
    case_id, _ = clue
    assert _register(signed_in(app, "grid_a1"), case_id).status_code == 403
    assert _register(signed_in(app, "county"), case_id).status_code == 403
    assert _register(signed_in(app, "village_b"), case_id).status_code == 404
    assert _register(signed_in(app, "township"), case_id).status_code == 302
