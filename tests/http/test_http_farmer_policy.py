from sqlalchemy import select

from core import clock
from core.extensions import db
from farmer_support import WECHAT_UA, world_committed
from http_support import login
from models import ScanCount
from services.accounts import users
from services.farmer import policy
from services.regions import settings, tree


def test_qr_address_opens_the_village_policy_page(client):
    world = world_committed()
    users.create_user("vphone", "王书记", "long-enough-1", "village_staff", world.village_a.code,
                      phone="13900001111")
    db.session.commit()
    page = client.get(f"/q/{world.village_a.code}", headers={"User-Agent": WECHAT_UA})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "示范县青山镇青山村" in text
    assert f"{clock.today().year}年监测范围：家庭年人均纯收入低于7,000元" in text
    assert text.count("我要申报") >= 2 and f"/report?village={world.village_a.code}" in text
    assert "老人单独生活" in text and "开发式帮扶" in text and "改善式帮扶" in text
    assert "不超过15天" in text and "绿色通道" in text
    assert 'href="tel:13900001111"' in text and 'href="tel:12317"' in text
    assert "VILLAGE_A" in text  # the village staff from the test world, without a phone
    assert "http://" not in text.replace("http://localhost", "")  # no external resources


def test_scans_are_counted_per_village_and_day_without_personal_data(client):
    world = world_committed()
    for _ in range(3):
        client.get(f"/q/{world.village_a.code}")
    client.get(f"/q/{world.village_b.code}")
    rows = {(r.region_id, r.count) for r in db.session.execute(select(ScanCount)).scalars()}
    assert rows == {(world.village_a.id, 3), (world.village_b.id, 1)}
    assert {c.name for c in ScanCount.__table__.columns} == {"id", "region_id", "day", "count"}
    assert policy.scans_in_scope(world.users["village_a"], clock.today()) == 3
    assert policy.scans_in_scope(world.users["county"], clock.today()) == 4


def test_renamed_and_merged_villages_keep_answering(client):
    world = world_committed()
    old_a, old_b = world.village_a.code, world.village_b.code
    tree.rename(None, world.village_a, "青山新村", "341599101009")
    tree.merge(None, world.village_b, world.village_a)
    db.session.commit()
    for code in (old_a, old_b, "341599101009"):
        page = client.get(f"/q/{code}")
        assert page.status_code == 200 and "青山新村" in page.get_data(as_text=True)
    assert db.session.execute(select(ScanCount.count)).scalar_one() == 3


def test_unknown_or_non_village_codes_get_a_plain_chinese_404(client):
    world = world_committed()
    for code in ("999999999999", world.township.code, "<script>"):
        page = client.get(f"/q/{code}")
        assert page.status_code == 404
        assert "没有找到这个页面" in page.get_data(as_text=True) and "12317" in page.get_data(as_text=True)


def test_policy_page_follows_the_regions_settings_and_texts(client):
    world = world_committed()
    county = world.users["county"]
    settings.set_monitoring_line(county, world.county, clock.today().year, "7600")
    settings.set_policy(county, world.village_a, "notice_min_days", "7")
    policy.save_text(county, world.county, "intro", "县里的话：有困难就申报。")
    policy.save_text(county, world.village_a, "intro", "青山村的话：找王书记。")
    db.session.commit()
    a = client.get(f"/q/{world.village_a.code}").get_data(as_text=True)
    b = client.get(f"/q/{world.village_b.code}").get_data(as_text=True)
    assert "低于7,600元" in a and "公示不少于7天" in a and "青山村的话" in a and "县里的话" not in a
    assert "公示不少于5天" in b and "县里的话" in b


def test_county_staff_edit_texts_on_a_page(client):
    world = world_committed()
    login(client, "county")
    form = client.get(f"/policy-texts/{world.village_a.code}")
    assert form.status_code == 200 and "写在前面" in form.get_data(as_text=True)
    saved = client.post(f"/policy-texts/{world.village_a.code}",
                        data={"intro": "第一行\n第二行", "who": "", "help": "", "steps": ""})
    assert saved.status_code == 200 and "已保存" in saved.get_data(as_text=True)
    page = client.get(f"/q/{world.village_a.code}").get_data(as_text=True)
    assert "<p>第一行</p>" in page and "<p>第二行</p>" in page
    too_long = client.post(f"/policy-texts/{world.village_a.code}", data={"intro": "长" * 2001})
    assert too_long.status_code == 400 and "2000字" in too_long.get_data(as_text=True)
    assert "长" * 2001 in too_long.get_data(as_text=True)  # what was typed is not lost


def test_only_county_staff_edit_texts_and_only_in_scope(client):
    world = world_committed()
    login(client, "village_a")
    assert client.get(f"/policy-texts/{world.village_a.code}").status_code == 403
    client.post("/logout")
    other = tree.create_region("341598000000", "邻县", world.county.level_enum, None)
    db.session.commit()
    login(client, "county")
    assert client.get(f"/policy-texts/{other.code}").status_code == 404
