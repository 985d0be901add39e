"""The QR codes' address: public hosts pass; loopback, private, link-local and other non-public
addresses, local names and malformed values are warned about, judged from the text alone."""
from __future__ import annotations

import pytest

from domain.public_url import host_is_public, malformed, public_address

PAGE = "http://127.0.0.1:8000/"
SET_IT = "请设置 SHOUDI_PUBLIC_URL 为公网地址"


@pytest.mark.parametrize("host", [
    "shoudi.example.gov.cn", "SHOUDI.GOV.CN.", "8.8.8.8", "114.114.114.114", "2001:4860:4860::8888",
    "[2400:3200::1]", "xn--fiqs8s.cn",
])
def test_public_hosts(host):
    assert host_is_public(host)


@pytest.mark.parametrize("host", [
    # loopback, private, link-local, unspecified, shared (CGNAT), multicast, documentation
    "127.0.0.1", "127.8.9.10", "::1", "[::1]", "10.0.0.5", "172.16.0.1", "172.31.255.254", "192.168.1.10",
    "fc00::1", "fd12:3456::1", "169.254.1.1", "fe80::1", "fe80::1%eth0", "0.0.0.0", "::", "100.64.0.1",
    "224.0.0.1", "192.0.2.1", "::ffff:192.168.1.1", "::ffff:127.0.0.1",
    # names that never reach the internet, and numbers a browser reads as an address
    "localhost", "LOCALHOST.", "app.localhost", "shoudi", "printer.local", "db.internal", "nas.lan",
    "router.home.arpa", "127.1", "2130706433", "10.1", "0x7f.1", "",
])
def test_non_public_hosts(host):
    assert not host_is_public(host)


@pytest.mark.parametrize("url", [
    "https://shoudi.example.gov.cn", "http://8.8.8.8:8080", "https://gov.cn/shoudi", "https://[2001:db8::1]",
])
def test_well_formed(url):
    assert malformed(url) == ""


@pytest.mark.parametrize("url, words", [
    ("shoudi.example.gov.cn", "https://"), ("ftp://shoudi.gov.cn", "https://"), ("//shoudi.gov.cn", "https://"),
    ("https://shoudi gov.cn", "空格"), (" https://shoudi.gov.cn", "空格"), ("https://a.cn\x00", "控制字符"),
    ("https://a.cn\n", "控制字符"), ("https://a.cn\u3000", "空格"), ("https://", "域名"),
    ("https://a.cn:99999", "不是有效的网址"), ("https://a.cn:port", "不是有效的网址"), ("http://[zz]", "不是有效的网址"),
    ("https://user:pw@a.cn", "用户名"), ("https://a.cn/?x=1", "?"), ("https://a.cn/#top", "#"),
])
def test_malformed(url, words):
    assert words in malformed(url)


def test_a_public_configured_address_is_used_without_warning():
    found = public_address("https://shoudi.example.gov.cn/", PAGE)
    assert found.base == "https://shoudi.example.gov.cn" and found.warning == ""


def test_unset_on_a_loopback_page_says_phones_cannot_open_it_and_what_to_set():
    found = public_address(None, PAGE)
    assert found.base == "http://127.0.0.1:8000"
    assert found.warning.startswith("未设置 SHOUDI_PUBLIC_URL：扫码地址将是 http://127.0.0.1:8000/q/…")
    assert "农户手机无法打开" in found.warning and SET_IT in found.warning
    assert public_address("", PAGE) == found


def test_unset_on_a_public_page_still_warns_that_the_code_follows_the_page():
    found = public_address(None, "https://zhen.example.cn/")
    assert found.base == "https://zhen.example.cn"
    assert "本页打开时的地址 https://zhen.example.cn/q/…" in found.warning and SET_IT in found.warning
    assert "农户手机无法打开" not in found.warning


@pytest.mark.parametrize("configured", ["http://192.168.1.20:8000", "http://localhost:8000", "http://[::1]",
                                        "http://shoudi", "https://10.0.0.1"])
def test_a_configured_non_public_address_is_used_and_warned_about(configured):
    found = public_address(configured, "https://zhen.example.cn/")
    assert found.base == configured
    assert found.warning.startswith(f"扫码地址将是 {configured}/q/…")
    assert "农户手机无法打开" in found.warning and SET_IT in found.warning


@pytest.mark.parametrize("configured", ["shoudi.gov.cn", "https://sho udi.gov.cn", "https://a.cn\x00x",
                                        "javascript:alert(1)", "https://a.cn:0x50"])
def test_a_malformed_value_is_not_used_and_never_quoted_raw(configured):
    found = public_address(configured, PAGE)
    assert found.base == "http://127.0.0.1:8000"  # the page's own address instead
    assert found.warning.startswith("SHOUDI_PUBLIC_URL（") and "没有采用" in found.warning
    assert "农户手机无法打开" in found.warning and SET_IT in found.warning
    assert "\x00" not in found.warning


@pytest.mark.parametrize("configured", ["https://" + "a" * 5000, "https://a .cn/" + "b" * 5000])
def test_a_very_long_value_is_shortened_in_the_warning(configured):
    found = public_address(configured, PAGE)
    assert len(found.warning) < 280  # it fits, with the page count, in a job's message (300)
    assert "a" * 80 not in found.warning and "b" * 80 not in found.warning
