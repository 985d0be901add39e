"""The self-report's village comes from each process's memory of village codes, and the report
still reaches the right village when the county renames or merges it in another process."""
from sqlalchemy import select, update

from conftest import TODAY, make_app
from core.extensions import db
from domain.selfreport import ReportInput
from factories import build_world
from models import Case, Region
from services.errors import ValidationFailed
from services.farmer import selfreport
from services.regions import tree


def _report(village_code: str) -> ReportInput:
    return ReportInput(name="王大山", id_number="11010519491231002X", phone="13812345678",
                       village_code=village_code, hardships=["illness"], description="老伴住院",
                       consent=True, urgent="no")


def test_a_village_code_is_remembered_until_this_process_renames_or_merges(app):
    world = build_world()
    code = world.village_a.code
    assert tree.village_id_for_code(code) == world.village_a.id
    # Another process gives the village a new code without telling this one: remembered still.
    db.session.execute(update(Region).where(Region.id == world.village_a.id).values(code="341599101077"))
    assert tree.village_id_for_code(code) == world.village_a.id
    tree.forget_village_codes()
    assert tree.village_id_for_code(code) is None
    assert tree.village_id_for_code("341599101077") == world.village_a.id
    # A rename here forgets at once; the old code still names the village.
    tree.rename(None, world.village_b, "石门新村", "341599101088")
    assert tree.village_id_for_code("341599101002") == world.village_b.id


def test_unknown_codes_and_other_levels_are_not_villages(app):
    world = build_world()
    assert tree.village_id_for_code("999999999999") is None
    assert tree.village_id_for_code(world.township.code) is None
    assert tree.village_id_for_code(world.grid_a1.code) is None


def test_a_report_for_a_village_merged_by_another_process_reaches_the_village_it_joined(
        app, database_url, tmp_path):
    world = build_world()
    db.session.commit()
    source_code, source_id, target_id = world.village_b.code, world.village_b.id, world.village_a.id
    assert tree.village_id_for_code(source_code) == source_id  # remembered here
    other = make_app(database_url, tmp_path / "other")
    with other.app_context():
        tree.merge(None, db.session.get(Region, source_id), db.session.get(Region, target_id))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    db.session.expire_all()

    token = "tok_" + "m" * 20
    try:
        selfreport.submit(_report(source_code), None, token, TODAY)
    except ValidationFailed as refused:  # PostgreSQL checks the row's foreign key at once
        assert refused.fields == {"": "村的代码刚刚调整过，请再提交一次"}
        db.session.rollback()
        selfreport.submit(_report(source_code), None, token, TODAY)  # the farmer submits again
    db.session.commit()  # the consumer records the case (run at once in tests)
    db.session.expire_all()
    [case] = db.session.execute(select(Case)).scalars().all()
    assert case.region_id == target_id
