from collections import Counter

from sqlalchemy import func, select

from core import clock
from core.extensions import db
from domain.enums import Role
from domain.validation import is_valid_id_number
from models import Case, Household, Measure, Member, Region, ScreeningRound, User
from services.accounts import users
from services.demo import seeding
from services.demo.data import DEMO_PASSWORD


def test_seed_demo_builds_the_promised_county(app, today):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert DEMO_PASSWORD in result.output
    levels = Counter(db.session.execute(select(Region.level)).scalars())
    assert levels["county"] == 1 and levels["township"] == 2 and levels["village"] == 4
    assert levels["grid"] >= 4
    assert 180 <= db.session.execute(select(func.count(Household.id))).scalar_one() <= 220
    assert {u.role for u in db.session.execute(select(User)).scalars()} == set(Role.codes())
    assert db.session.execute(select(func.count(Measure.id))).scalar_one() >= 20
    kinds = set(db.session.execute(select(Measure.kind)).scalars())
    assert kinds == {"development", "security", "policy", "care", "improvement"}
    states = set(db.session.execute(select(Case.state)).scalars())
    assert {"reported", "verifying", "township_review", "helping", "rejected", "eliminated"} <= states
    members = db.session.execute(select(Member)).scalars().all()
    assert all(is_valid_id_number(m.id_number) for m in members)
    assert all(m.id_number.startswith("341599") for m in members)  # the fictitious county
    assert users.authenticate("village", DEMO_PASSWORD) is not None
    [screening] = db.session.execute(select(ScreeningRound)).scalars().all()
    assert screening.starts_on <= clock.today() <= screening.ends_on  # seed-demo runs on the real date


def test_seed_demo_if_empty_keeps_existing_data(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    count = db.session.execute(select(func.count(Household.id))).scalar_one()
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "跳过" in again.output
    assert db.session.execute(select(func.count(Household.id))).scalar_one() == count
    assert seeding.has_data()


def test_demo_timelines_are_dated_on_the_days_their_steps_were_taken(app, today):
    seeding.seed(today)
    eliminated = db.session.execute(select(Case).where(Case.state == "eliminated")).scalar_one()
    announce = eliminated.events[-1]
    assert announce.action == "announce"
    assert announce.at.astimezone(clock.WORK_TZ).date() == eliminated.eliminated_on
    days = [e.at for e in eliminated.events]
    assert days == sorted(days) and days[0].astimezone(clock.WORK_TZ).date() == eliminated.clue_date


def test_seed_demo_refuses_to_run_in_production(app):
    app.config["SHOUDI_ENV"] = "production"
    refused = app.test_cli_runner().invoke(args=["seed-demo"])
    assert refused.exit_code == 1 and "生产环境" in refused.output
    assert not seeding.has_data()
