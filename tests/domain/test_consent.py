"""The consent wording lives in one place, and its version is made from its text."""
import re

from domain import consent, selfreport
from domain.consent import CONSENT_BODY, CONSENT_TEXT, CONSENT_VERSION, NOTICE, PROXY_CONSENT_TEXT, version_of


def test_the_version_is_made_from_the_whole_text():
    assert CONSENT_VERSION == version_of(CONSENT_BODY) and re.fullmatch(r"[0-9a-f]{12}", CONSENT_VERSION)
    assert version_of(CONSENT_BODY + "。") != CONSENT_VERSION
    for part in (CONSENT_TEXT, PROXY_CONSENT_TEXT, *(line for s in NOTICE for line in s.lines)):
        assert part in CONSENT_BODY  # a change anywhere in what is shown changes the version


def test_the_form_shows_this_wording():
    assert selfreport.CONSENT_TEXT is consent.CONSENT_TEXT


def test_the_notice_says_what_why_who_how_long_and_the_rights():
    titles = [s.title for s in NOTICE]
    assert titles[:5] == ["收集哪些信息", "用来做什么", "谁能看到", "保存多久", "您可以做什么"]
    rights = " ".join(next(s for s in NOTICE if s.key == "rights").lines)
    for right in ("查询", "更正", "撤回同意", "12317"):
        assert right in rights


def test_a_form_shown_with_another_wording_is_stale():
    assert not consent.stale_version("") and not consent.stale_version(CONSENT_VERSION)
    assert consent.stale_version("000000000000")


def test_stale_consent_is_refused_beside_the_field():
    from datetime import date
    raw = selfreport.ReportInput(name="王大山", id_number="11010519491231002X", phone="13812345678",
                                 village_code="341599101001", hardships=["illness"], description="住院",
                                 consent=True, urgent="no", consent_version="000000000000")
    clean, errors = selfreport.check_report(raw, date(2026, 11, 20))
    assert clean is None and errors == {"consent": "同意的内容刚刚更新了，请重新看一遍，再勾选同意"}
