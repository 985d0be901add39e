"""The self-report form's village picker offers the villages of one county: the county of the
village the QR code names (old codes too), or the county chosen first — server-rendered step by
step, so it works without JavaScript — never every village in the system. The JSON API the same."""
from __future__ import annotations

import re

import pytest

import factories
from core.extensions import db
from http_support import text_of
from regions_support import build_province_world
from services.regions import tree

API = "/api/v1"


@pytest.fixture
def pw(app):
    made = build_province_world()
    db.session.commit()
    return made


def _villages(html: str) -> list[str]:
    select = re.search(r'<select id="village_code".*?</select>', html, re.S).group(0)
    return [code for code in re.findall(r'<option value="([^"]*)"', select) if code]


def _selected(html: str, select_id: str) -> str | None:
    select = re.search(rf'<select id="{select_id}".*?</select>', html, re.S).group(0)
    found = re.search(r'<option value="([^"]*)" selected>', select)
    return found.group(1) if found else None


def test_the_qr_codes_village_names_the_county(client, pw):
    html = text_of(client.get("/report?village=341599101001"))
    assert _villages(html) == ["341599101001", "341599101002"]  # 示范县's villages, not 河口村
    assert _selected(html, "village_code") == "341599101001" and _selected(html, "county") == "341599000000"
    assert 'name="county" value="341599000000"' in html  # carried with the form


def test_an_old_code_on_a_printed_sheet_still_picks_its_village(client, pw):
    tree.rename(None, pw.village_c, "河口新村", "341522100009")
    db.session.commit()
    html = text_of(client.get("/report?village=341522100001"))
    assert _villages(html) == ["341522100009"] and _selected(html, "village_code") == "341522100009"


def test_without_a_qr_code_the_county_comes_first(client, pw):
    first = text_of(client.get("/report"))
    assert 'data-testid="county-pick"' in first and _villages(first) == []
    assert "六安市 示范县" in first and "六安市 霍邱县" in first and "请先在上面选好县" in first
    chosen = text_of(client.get("/report?county=341522000000"))
    assert _villages(chosen) == ["341522100001"] and _selected(chosen, "county") == "341522000000"
    assert "城关镇 河口村" in chosen and "换一个县" in chosen


@pytest.mark.parametrize("county", ["999999999999", "340000000000", "341500000000", "²", "x" * 500, "%"])
def test_a_county_that_is_not_one_offers_no_village(client, pw, county):
    answer = client.get("/report", query_string={"county": county})
    assert answer.status_code == 200
    html = text_of(answer)
    assert _villages(html) == [] and 'data-testid="county-pick"' in html
    if county in ("999999999999", "340000000000", "341500000000"):
        assert "没有找到这个县" in html


def test_a_refused_form_keeps_the_county_of_its_village(client, pw):
    answer = client.post("/report", data={"village_code": "341522100001", "county": "341522000000",
                                          "name": "", "token": "x"})
    assert answer.status_code == 400
    html = text_of(answer)
    assert _villages(html) == ["341522100001"] and _selected(html, "village_code") == "341522100001"


def test_a_refused_form_without_a_village_keeps_the_chosen_county(client, pw):
    answer = client.post("/report", data={"village_code": "", "county": "341599000000", "name": ""})
    assert answer.status_code == 400
    assert _villages(text_of(answer)) == ["341599101001", "341599101002"]


def test_one_county_needs_no_first_choice(app, client):
    factories.build_world()
    db.session.commit()
    html = text_of(client.get("/report"))
    assert 'data-testid="county-pick"' not in html
    assert _villages(html) == ["341599101001", "341599101002"]


def test_the_api_lists_counties_and_one_countys_villages(client, pw):
    assert client.get(f"{API}/counties").get_json() == [
        {"code": "341522000000", "label": "六安市 霍邱县"}, {"code": "341599000000", "label": "六安市 示范县"}]
    assert client.get(f"{API}/villages?county=341522000000").get_json() == [
        {"code": "341522100001", "label": "城关镇 河口村"}]
    # Any place in the county names it (the QR code's village, say).
    assert [v["code"] for v in client.get(f"{API}/villages?county=341599101002").get_json()] == [
        "341599101001", "341599101002"]
    missing = client.get(f"{API}/villages")
    assert missing.status_code == 400 and "county" in missing.get_json()["error"]["fields"]
    assert client.get(f"{API}/villages?county=341500000000").status_code == 404  # a city is no county
    assert client.get(f"{API}/villages?county=" + "1" * 21).status_code == 400
