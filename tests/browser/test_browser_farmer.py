"""The farmer's side on a phone: scan the 明白纸's QR code, read the village's policy page,
self-report (with a photo the page shrinks on the phone), get a lookup code, follow progress.

Debian's Chromium, driven by Playwright, posing as WeChat's browser on a 360 px wide Android
phone, against the app served from a thread on 127.0.0.1 (as in test_browser_login.py; the small
fixtures and the form's helpers are in farmer_browser_support.py).

Screenshots of every step go to test-artifacts/browser/<test name>-<step>.png.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Error as PlaywrightError, expect
from sqlalchemy import func, select

from core import clock
import factories
from browser_support import MIN_TAP_HEIGHT, PHONE_WIDTH, wait_until
from browser_support import browser, camera_photo, phone, phones, shot  # noqa: F401  (fixtures)
from core.extensions import db
from domain.selfreport import CONSENT_TEXT
from models import EventEvidence, FormSubmission, ScanCount

pytestmark = pytest.mark.browser

from farmer_browser_support import (  # noqa: F401  (site is a fixture)
    BAD_ID_MESSAGE, BAD_ID_NUMBER, CONSENT_MESSAGE, DESCRIPTION, HARDSHIPS, ID_NUMBER, NAME, PHONE, PHOTO_MAX_SIDE,
    TEXT_LINKS, _cases, _count, _fill_report, _lookup_code, _open_form, _path, _qr_target, _readability_problems,
    _submit_button, site)

# --- a. the whole journey -------------------------------------------------------------------------

def test_farmer_scans_the_sheet_reports_with_a_photo_and_follows_progress(
        phones, site, shot, camera_photo):
    # Village staff download their village's sheet, as they would to print it.
    staff = phones()
    staff.goto(site.url + "/login")
    staff.locator("#login").fill("village_a")
    staff.locator("#password").fill(factories.PASSWORD)
    staff.get_by_role("button", name="登录").tap()
    staff.wait_for_url(site.url + "/")
    staff.goto(site.url + "/sheets/")
    shot(staff, "01-staff-sheet-list")
    with staff.expect_download() as download_info:
        staff.get_by_test_id(f"village-{site.village_code}").get_by_role("link", name="图片").tap()
    png = Path(download_info.value.path()).read_bytes()
    assert Image.open(io.BytesIO(png)).size == (1240, 1754)
    target = _qr_target(png)
    # SHOUDI_PUBLIC_URL is unset: the QR holds the address staff came in by, this live server.
    assert target == f"{site.url}/q/{site.village_code}"

    # The farmer scans it: a new phone, no staff session.
    page = phones()
    response = page.goto(target)
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_have_text(site.place)
    expect(page).to_have_title(re.compile("青山村"))
    expect(page.get_by_test_id("line")).to_have_text(site.line_text)
    assert "监测范围" in site.line_text and "元" in site.line_text
    report_button = page.get_by_role("link", name="我要申报").first
    expect(report_button).to_be_visible()
    expect(page.get_by_role("link", name="登录")).to_have_count(0)  # nothing of the staff side
    shot(page, "02-policy-page")
    db.session.rollback()
    assert db.session.execute(select(func.sum(ScanCount.count))).scalar_one() == 1

    report_button.tap()
    page.wait_for_url(f"{site.url}/report?village={site.village_code}")
    expect(page.get_by_label("所在的村")).to_have_value(site.village_code)  # set from the QR
    shot(page, "03-form")

    _fill_report(page, consent=False)
    page.locator("summary", has_text="可以不填").tap()
    expect(page.get_by_label("家里几口人")).to_be_visible()
    page.get_by_label("家里几口人").fill("3")
    original_size = camera_photo.stat().st_size
    page.locator("#photos").set_input_files(camera_photo)
    # The page re-encodes the photo on the phone before anything is sent.
    wait_until(page, "size => { const f = document.getElementById('photos').files[0]; return !!f && f.size !== size; }",
               original_size)
    width, height, sent_size, sent_type = page.evaluate("""async () => {
        const f = document.getElementById('photos').files[0];
        const bitmap = await createImageBitmap(f);
        return [bitmap.width, bitmap.height, f.size, f.type]; }""")
    assert (width, height, sent_type) == (1600, 1067, "image/jpeg")
    assert sent_size < original_size / 3, (sent_size, original_size)
    page.get_by_label(CONSENT_TEXT[:12]).check()
    shot(page, "04-form-filled")

    _submit_button(page).tap()
    page.wait_for_url(site.url + "/report/done")
    code = _lookup_code(page)
    code_px = page.get_by_test_id("lookup-code").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert code_px >= 32, f"the lookup code is {code_px}px: not large"
    shot(page, "05-done-lookup-code")

    # On the server: one case from this report, its photo at most 1600 px on the longest side.
    [case] = _cases()
    assert case.lookup_code == code.replace("-", "")
    assert (case.source, case.state, case.urgent) == ("self_report", "reported", False)
    assert case.claimed_name == NAME and case.claimed_phone == PHONE
    assert case.claimed_id_number == ID_NUMBER
    assert case.risk_types == ["illness", "schooling"] and case.reported_household_size == 3
    [evidence] = db.session.execute(select(EventEvidence)).scalars().all()
    assert evidence.event.case_id == case.id and evidence.content_type == "image/jpeg"
    stored = (site.upload_folder / evidence.stored_name).read_bytes()
    assert len(stored) == evidence.size
    with Image.open(io.BytesIO(stored)) as photo:
        assert photo.format == "JPEG" and max(photo.size) <= PHOTO_MAX_SIDE, photo.size
    due = case.due_date
    assert due is not None and due > clock.today()

    # Later: the farmer checks progress with the code and the phone's last four digits.
    page.goto(site.url + "/track")
    shot(page, "06-track-form")
    page.get_by_label("查询码").fill(code)
    page.get_by_label("申报时留的手机号后四位").fill(PHONE[-4:])
    shot(page, "07-track-filled")
    page.get_by_role("button", name="查询").tap()
    expect(page.get_by_test_id("headline")).to_have_text("已收到您的申报，村里正在受理")
    expect(page.locator(".steps li.current")).to_have_text("已受理")
    expect(page.locator("main")).to_contain_text(f"预计{due.month:02d}月{due.day:02d}日前办完认定")
    expect(page.locator(".sub")).to_contain_text("王*山")
    assert NAME not in page.content() and ID_NUMBER not in page.content()
    shot(page, "08-track-result")


# --- b. errors help ---------------------------------------------------------------------------------

def test_wrong_id_and_no_consent_are_shown_beside_the_fields_and_nothing_is_lost(phone, site, shot):
    page = phone
    _open_form(page, site)
    _fill_report(page, id_number=BAD_ID_NUMBER, consent=False)
    shot(page, "01-filled-with-mistakes")

    _submit_button(page).tap()
    expect(page.get_by_role("alert").first).to_have_text("有几处需要改一下，请看红字提示")
    assert _path(page) == "/report" and site.posts("/report") == 1 and _cases() == []
    id_error, consent_error = page.locator("#err-id_number"), page.locator("#err-consent")
    expect(id_error).to_have_text(BAD_ID_MESSAGE)
    expect(consent_error).to_have_text(CONSENT_MESSAGE)
    for other in ("name", "phone", "village_code", "hardships", "description", "urgent"):
        expect(page.locator(f"#err-{other}")).to_be_hidden()
    # Beside the field: right under the ID box, and right under the consent box.
    id_box = page.get_by_label("身份证号", exact=True).bounding_box()
    err_box = id_error.bounding_box()
    assert 0 <= err_box["y"] - (id_box["y"] + id_box["height"]) < 20, (id_box, err_box)
    consent_box = page.locator("label.consent").bounding_box()
    err_box = consent_error.bounding_box()
    assert 0 <= err_box["y"] - (consent_box["y"] + consent_box["height"]) < 20
    # Everything typed is still there.
    expect(page.get_by_label("姓名", exact=True)).to_have_value(NAME)
    expect(page.get_by_label("身份证号", exact=True)).to_have_value(BAD_ID_NUMBER)
    expect(page.get_by_label("手机号", exact=True)).to_have_value(PHONE)
    expect(page.get_by_label("所在的村")).to_have_value(site.village_code)
    for label in HARDSHIPS:
        expect(page.get_by_label(label)).to_be_checked()
    expect(page.get_by_label("简单说说情况")).to_have_value(DESCRIPTION)
    expect(page.get_by_label("否", exact=True)).to_be_checked()
    expect(page.get_by_label(CONSENT_TEXT[:12])).not_to_be_checked()
    shot(page, "02-errors-beside-fields")
    id_error.scroll_into_view_if_needed()
    shot(page, "03-id-error")

    # Corrected, the same form goes through.
    page.get_by_label("身份证号", exact=True).fill(ID_NUMBER)
    page.get_by_label(CONSENT_TEXT[:12]).check()
    _submit_button(page).tap()
    page.wait_for_url(site.url + "/report/done")
    _lookup_code(page)
    shot(page, "04-corrected-done")
    assert len(_cases()) == 1


def test_a_bad_id_number_is_flagged_when_leaving_the_field(phone, site, shot):
    page = phone
    _open_form(page, site)
    id_field, id_error = page.get_by_label("身份证号", exact=True), page.locator("#err-id_number")
    expect(id_error).to_be_hidden()
    id_field.fill(BAD_ID_NUMBER)
    expect(id_error).to_be_hidden()          # not while typing
    page.get_by_label("手机号", exact=True).tap()  # leave the field
    expect(id_error).to_be_visible()
    expect(id_error).to_have_text(BAD_ID_MESSAGE)
    page.get_by_label("手机号", exact=True).fill("1381234")
    page.get_by_label("姓名", exact=True).tap()
    expect(page.locator("#err-phone")).to_have_text("手机号应为11位数字，以1开头")
    assert site.posts("/report") == 0 and _path(page) == "/report"
    shot(page, "01-live-messages")

    id_field.fill(ID_NUMBER)                 # fixed: the message goes as the farmer types
    expect(id_error).to_be_hidden()
    page.get_by_label("手机号", exact=True).fill(PHONE)
    expect(page.locator("#err-phone")).to_be_hidden()
    shot(page, "02-fixed")


# --- c. without JavaScript ------------------------------------------------------------------------

def test_the_report_works_with_javascript_off(phones, site, shot, camera_photo):
    page = phones(javascript=False)
    page.goto(f"{site.url}/q/{site.village_code}")
    expect(page.locator("h1")).to_have_text(site.place)
    shot(page, "01-policy-page")
    page.get_by_role("link", name="我要申报").first.tap()
    page.wait_for_url(f"{site.url}/report?village={site.village_code}")

    _fill_report(page, id_number=BAD_ID_NUMBER)
    page.get_by_label("手机号", exact=True).tap()
    expect(page.locator("#err-id_number")).to_be_hidden()  # no script: no live check...
    page.get_by_label("身份证号", exact=True).fill(ID_NUMBER)
    page.locator("summary", has_text="可以不填").tap()
    page.locator("#photos").set_input_files(camera_photo)  # ...and the full-size photo is sent
    shot(page, "02-form-filled")
    _submit_button(page).tap()
    page.wait_for_url(site.url + "/report/done")
    code = _lookup_code(page)
    shot(page, "03-done-lookup-code")

    [case] = _cases()
    assert case.lookup_code == code.replace("-", "") and case.claimed_name == NAME
    [evidence] = db.session.execute(select(EventEvidence)).scalars().all()
    with Image.open(site.upload_folder / evidence.stored_name) as photo:
        assert max(photo.size) <= PHOTO_MAX_SIDE  # the server shrinks what the phone did not

    page.get_by_role("link", name="查询办理进度").tap()
    expect(page.get_by_label("查询码")).to_have_value(code)
    page.get_by_label("申报时留的手机号后四位").fill(PHONE[-4:])
    page.get_by_role("button", name="查询").tap()
    expect(page.locator(".steps li.current")).to_have_text("已受理")
    shot(page, "04-track-result")


# --- d. readability at 360 px -----------------------------------------------------------------------

def _show_policy(page, site) -> None:
    page.goto(f"{site.url}/q/{site.village_code}")


def _show_form(page, site) -> None:
    _open_form(page, site)


def _show_form_open(page, site) -> None:
    _open_form(page, site)
    page.locator("summary", has_text="可以不填").tap()
    expect(page.locator("#photos")).to_be_visible()


def _show_form_errors(page, site) -> None:
    _open_form(page, site)
    _submit_button(page).tap()
    expect(page.locator("#err-consent")).to_be_visible()


def _show_form_notice_open(page, site) -> None:
    _open_form(page, site)
    page.locator("summary", has_text="个人信息保护说明").tap()
    expect(page.get_by_text("撤回同意：", exact=False)).to_be_visible()


def _show_privacy(page, site) -> None:
    page.goto(site.url + "/privacy")
    expect(page.locator("h1")).to_have_text("个人信息保护说明")


def _show_track(page, site) -> None:
    page.goto(site.url + "/track")


def _show_track_result(page, site) -> None:
    _open_form(page, site)
    _fill_report(page)
    _submit_button(page).tap()
    code = _lookup_code(page)
    page.goto(site.url + "/track")
    page.get_by_label("查询码").fill(code)
    page.get_by_label("申报时留的手机号后四位").fill(PHONE[-4:])
    page.get_by_role("button", name="查询").tap()
    expect(page.locator(".steps")).to_be_visible()


def _show_done(page, site) -> None:
    _open_form(page, site)
    _fill_report(page)
    _submit_button(page).tap()
    _lookup_code(page)


READABILITY_PAGES = {
    "policy": _show_policy, "form": _show_form, "form-optional-open": _show_form_open,
    "form-errors": _show_form_errors, "form-notice-open": _show_form_notice_open, "privacy": _show_privacy,
    "done": _show_done, "track": _show_track,
    "track-result": _show_track_result,
}


@pytest.mark.parametrize("view", list(READABILITY_PAGES))
def test_pages_are_readable_and_tappable_at_360px(phone, site, shot, view):
    page = phone
    READABILITY_PAGES[view](page, site)
    shot(page, "01-page")
    problems = _readability_problems(page)
    assert problems == [], f"{view} at {PHONE_WIDTH}px:\n  " + "\n  ".join(problems)


def test_small_text_links_are_44px_tall(phone, site, shot):
    page = phone
    _show_policy(page, site)
    page.locator("footer.foot").scroll_into_view_if_needed()
    shot(page, "01-policy-page")
    heights = {}
    for selector, what in TEXT_LINKS.items():
        link = page.locator(selector)
        expect(link).to_be_visible()
        heights[what] = link.bounding_box()["height"]
    short = {what: h for what, h in heights.items() if h < MIN_TAP_HEIGHT}
    assert short == {}, f"links under {MIN_TAP_HEIGHT}px tall: {short}"


# --- e. a double tap makes one case ------------------------------------------------------------------

@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_tapping_submit_twice_quickly_makes_one_case(phones, site, shot, javascript):
    page = phones(javascript=javascript)
    _open_form(page, site)
    _fill_report(page)
    shot(page, "01-filled")
    _submit_button(page).dblclick()
    try:
        page.wait_for_url(site.url + "/report/done")
    except PlaywrightError as exc:  # JavaScript off: the second tap aborts the first navigation
        if "ERR_ABORTED" not in str(exc):
            raise
        page.wait_for_url(site.url + "/report/done")
    code = _lookup_code(page)
    shot(page, "02-done")

    assert [c.lookup_code for c in _cases()] == [code.replace("-", "")]
    assert _count(FormSubmission.id) == 1
    if javascript:  # the page disables the button on the first tap
        assert site.posts("/report") == 1
    else:           # only the form's one-time token stands between two taps and two cases
        assert site.posts("/report") >= 1


def test_two_simultaneous_submits_of_one_form_make_one_case(phone, site, shot):
    """A flaky 3G connection may send the form twice: both posts reach the server at once."""
    page = phone
    _open_form(page, site)
    _fill_report(page)
    shot(page, "01-filled")
    results = page.evaluate("""async () => {
        const form = document.getElementById('report');
        const send = () => fetch(form.action, {method: 'POST', body: new FormData(form),
                                               credentials: 'same-origin'})
          .then(async r => { const html = await r.text();
                             return [r.status, new URL(r.url).pathname,
                                     (/data-testid="lookup-code">([^<]+)</.exec(html) || [])[1] || null,
                                     html.includes('data-testid="recording"')]; });
        return Promise.all([send(), send()]);
    }""")
    assert site.posts("/report") == 2
    assert [(status, path) for status, path, _, _ in results] == [(200, "/report/done")] * 2, results
    # Each page shows the code, or (when it came before the queue had recorded the report) says
    # it is being recorded and reloads itself; never two codes.
    assert all(bool(code) != recording for _, _, code, recording in results)
    shown = {code for _, _, code, _ in results if code}
    page.goto(site.url + "/report/done")
    code = _lookup_code(page)
    assert shown <= {code}
    assert [c.lookup_code for c in _cases()] == [code.replace("-", "")]
    assert _count(FormSubmission.id) == 1
    shot(page, "02-done")
