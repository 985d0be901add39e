"""Before anyone prints a thousand QR codes: the sheets list, the print page and the township PDF
warn in red when SHOUDI_PUBLIC_URL is unset, not public, or malformed (never a 500); a public
address shows no warning. The printed sheet itself never carries the warning."""
from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image

import factories
from core.extensions import db
from http_support import login, text_of

VILLAGE_A, TOWNSHIP = "341599101001", "341599101000"
SET_IT = "请设置 SHOUDI_PUBLIC_URL 为公网地址"
WARNING = re.compile(r'<p class="alert no-print" role="alert" data-testid="address-warning" style="color:#b3261e[^"]*">'
                     r"([^<]*)</p>")


@pytest.fixture
def app_config(request):
    return getattr(request, "param", {"SHOUDI_PUBLIC_URL": None})


@pytest.fixture
def client(app):
    factories.build_world()
    db.session.commit()
    client = app.test_client()
    assert login(client, "county").status_code == 302
    return client


def _warning(response) -> str | None:
    assert response.status_code == 200
    found = WARNING.search(response.get_data(as_text=True))
    return found.group(1) if found else None


def _qr_text(response) -> str:
    [barcode] = [b for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(response.data)))
                 if b.format == zxingcpp.BarcodeFormat.QRCode]
    return barcode.text


def test_unset_the_list_and_the_print_page_warn_in_red_with_what_to_set(client):
    for url in ("/sheets/", f"/sheets/{VILLAGE_A}"):
        warning = _warning(client.get(url))
        assert warning is not None, url
        assert "未设置 SHOUDI_PUBLIC_URL：扫码地址将是 http://localhost/q/…" in warning
        assert "农户手机无法打开" in warning and SET_IT in warning
    # The warning sits outside the sheet: it is never printed.
    html = client.get(f"/sheets/{VILLAGE_A}").get_data(as_text=True)
    assert html.index('data-testid="address-warning"') < html.index('data-testid="sheet"')


@pytest.mark.parametrize("app_config", [{"SHOUDI_PUBLIC_URL": "https://shoudi.example.gov.cn"}], indirect=True)
def test_a_public_address_shows_no_warning(client):
    for url in ("/sheets/", f"/sheets/{VILLAGE_A}"):
        assert _warning(client.get(url)) is None
        assert "address-warning" not in text_of(client.get(url))


@pytest.mark.parametrize("app_config", [{"SHOUDI_PUBLIC_URL": url} for url in (
    "http://127.0.0.1:8000", "http://192.168.1.20", "http://[fe80::1]", "http://shoudi-server", "http://x.local",
)], indirect=True)
def test_a_loopback_private_or_local_address_is_warned_about(app, client):
    configured = app.config["SHOUDI_PUBLIC_URL"]
    for url in ("/sheets/", f"/sheets/{VILLAGE_A}"):
        warning = _warning(client.get(url))
        assert warning.startswith(f"扫码地址将是 {configured}/q/…") and SET_IT in warning
    assert _qr_text(client.get(f"/sheets/{VILLAGE_A}.png")) == f"{configured}/q/{VILLAGE_A}"


@pytest.mark.parametrize("app_config", [{"SHOUDI_PUBLIC_URL": url} for url in (
    "shoudi.example.gov.cn", "https://shoudi example.gov.cn", "https://shoudi.example.gov.cn\x00",
    "https://a.cn:99999", "https://<b>x</b>.cn",
)], indirect=True)
def test_a_malformed_address_is_a_warning_never_a_500_and_is_not_printed(client):
    for url in ("/sheets/", f"/sheets/{VILLAGE_A}"):
        response = client.get(url)
        warning = _warning(response)
        assert warning.startswith("SHOUDI_PUBLIC_URL（") and "没有采用" in warning and SET_IT in warning
        assert "<b>" not in response.get_data(as_text=True)  # quoted, escaped, never markup
    # The codes use the address the page was opened on instead.
    assert _qr_text(client.get(f"/sheets/{VILLAGE_A}.png")) == f"http://localhost/q/{VILLAGE_A}"
    started = client.post(f"/sheets/township/{TOWNSHIP}/pdf")
    assert started.status_code == 302
    page = text_of(client.get(urlsplit(started.headers["Location"]).path))
    assert "共 2 个村。注意：SHOUDI_PUBLIC_URL（" in page and "已完成" in page


def test_the_township_pdf_repeats_the_warning_beside_the_download(client):
    started = client.post(f"/sheets/township/{TOWNSHIP}/pdf")
    job_page = urlsplit(started.headers["Location"]).path
    message = client.get(job_page + "/status").get_json()
    assert message["state"] == "done"
    page = text_of(client.get(job_page))
    assert "共 2 个村。注意：未设置 SHOUDI_PUBLIC_URL" in page and "农户手机无法打开" in page


@pytest.mark.parametrize("app_config", [{"SHOUDI_PUBLIC_URL": "https://shoudi.example.gov.cn"}], indirect=True)
def test_with_a_public_address_the_pdf_says_only_how_many_villages(client):
    started = client.post(f"/sheets/township/{TOWNSHIP}/pdf")
    page = text_of(client.get(urlsplit(started.headers["Location"]).path))
    assert "共 2 个村" in page and "注意" not in page
