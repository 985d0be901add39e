"""The county measure library: read by everyone in the county, kept by county staff."""
import pytest
from sqlalchemy import select

import factories
from core.extensions import db
from domain.enums import RegionLevel
from models import AuditLog, Measure
from services.accounts import users
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.help import measures
from services.help.measures import MeasureInput
from services.regions import tree

MEDICAL = MeasureInput("医疗救助", "policy", "medical_insurance", ("illness",))


def other_county():
    county = tree.create_region("341598000000", "邻县", RegionLevel.COUNTY, None)
    user = users.create_user("other_county", "邻县干部", factories.PASSWORD, "county_staff", county.code)
    db.session.flush()
    return county, user


def test_county_staff_create_and_everyone_in_the_county_reads(app):
    world = factories.build_world()
    made = measures.create(world.users["county"], MEDICAL)
    measures.create(world.users["county"], MeasureInput("户厕改造", "improvement", "agriculture",
                                                        ("housing", "other"), toilet_upgrade=True))
    measures.create(world.users["county"], MeasureInput("人居环境整治", "improvement", None, ("housing",)))
    assert made.county_id == world.county.id and made.active
    for who in ("village_a", "grid_a1", "cadre_a", "dept", "township"):
        groups = measures.library(world.users[who])
        assert [g.label for g in groups] == ["政策式", "改善式"]
        # Within 改善式 the toilet upgrade comes first, as a plan must list it.
        assert [m.name for m in groups[1].measures] == ["户厕改造", "人居环境整治"]
        assert groups[1].measures[1].department == "无（村级、结对干部落实）"
    assert groups[0].measures[0].risk_labels == "因病"
    [entry] = db.session.execute(select(AuditLog).where(AuditLog.object_type == "measure",
                                                        AuditLog.object_id == str(made.id))).scalars()
    assert entry.action == "create" and entry.user_id == world.users["county"].id


@pytest.mark.parametrize("who", ["township", "village_a", "dept", "admin", "cadre_a"])
def test_only_county_staff_keep_the_library(app, who):
    world = factories.build_world()
    made = measures.create(world.users["county"], MEDICAL)
    with pytest.raises(PermissionDenied):
        measures.create(world.users[who], MeasureInput("临时救助", "security", None, ("disaster",)))
    with pytest.raises(PermissionDenied):
        measures.update(world.users[who], made.id, MEDICAL)
    with pytest.raises(PermissionDenied):
        measures.set_active(world.users[who], made.id, False)


def test_validation_names_each_field(app):
    world = factories.build_world()
    with pytest.raises(ValidationFailed) as exc:
        measures.create(world.users["county"], MeasureInput("  ", None, "nowhere", ()))
    assert set(exc.value.fields) == {"name", "kind", "department", "risk_types"}
    with pytest.raises(ValidationFailed) as exc:
        measures.create(world.users["county"], MeasureInput("户厕改造", "policy", None, ("housing",),
                                                            toilet_upgrade=True))
    assert "改善式" in exc.value.fields["toilet_upgrade"]
    with pytest.raises(ValidationFailed) as exc:
        measures.create(world.users["county"], MeasureInput("x" * 101, "care", None, ("bogus",)))
    assert set(exc.value.fields) == {"name", "risk_types"}


def test_names_are_unique_per_county_not_across_counties(app):
    world = factories.build_world()
    measures.create(world.users["county"], MEDICAL)
    with pytest.raises(ValidationFailed) as exc:
        measures.create(world.users["county"], MeasureInput(" 医疗救助 ", "policy", None, ("illness",)))
    assert exc.value.fields == {"name": "本县措施库已有同名措施"}
    _, neighbour = other_county()
    assert measures.create(neighbour, MEDICAL).county_id != world.county.id


def test_update_and_deactivate(app):
    world = factories.build_world()
    county = world.users["county"]
    made = measures.create(county, MEDICAL)
    other = measures.create(county, MeasureInput("先诊疗后付费", "policy", "health", ("illness",)))
    with pytest.raises(ValidationFailed):  # renaming onto another measure's name
        measures.update(county, other.id, MEDICAL)
    measures.update(county, made.id, MeasureInput("医疗救助", "policy", "civil_affairs", ("illness", "accident")))
    assert made.department == "civil_affairs" and made.risk_types == ["illness", "accident"]
    measures.set_active(county, made.id, False)
    assert not made.active
    assert [m.name for g in measures.library(world.users["village_a"], include_inactive=False)
            for m in g.measures] == ["先诊疗后付费"]
    details = [e.detail for e in db.session.execute(
        select(AuditLog).where(AuditLog.object_type == "measure", AuditLog.object_id == str(made.id))
            .order_by(AuditLog.id)).scalars()]
    assert details == ["kind=policy", "fields=department,risk_types", "deactivated"]


def test_another_countys_measure_is_not_found(app):
    world = factories.build_world()
    _, neighbour = other_county()
    theirs = measures.create(neighbour, MEDICAL)
    with pytest.raises(NotFound):
        measures.get(world.users["county"], theirs.id)
    with pytest.raises(NotFound):
        measures.set_active(world.users["county"], theirs.id, False)
    assert db.session.get(Measure, theirs.id).active


def test_county_of_walks_up_the_tree(app):
    world = factories.build_world()
    assert measures.county_of(world.grid_a1).id == world.county.id
    assert measures.county_of(world.county).id == world.county.id
