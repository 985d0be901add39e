"""The 明白纸 over HTTP: staff print their own villages' sheets, and the QR code on a sheet opens
that village's farmer page; other villages answer 404, old codes keep working."""
from __future__ import annotations

import io
import re
from urllib.parse import quote, urlsplit

import pytest
import zxingcpp
from PIL import Image

import factories
from core.extensions import db
from http_support import login, text_of
from services.farmer import policy
from services.regions import tree

PUBLIC_URL = "https://shoudi.example.gov.cn"
VILLAGE_A, VILLAGE_B, TOWNSHIP = "341599101001", "341599101002", "341599101000"


@pytest.fixture
def app_config(request):
    """The public address by default; a test may pass another configuration (indirect)."""
    return getattr(request, "param", {"SHOUDI_PUBLIC_URL": PUBLIC_URL})


@pytest.fixture
def world(app):
    world = factories.build_world()
    db.session.commit()
    return world


@pytest.fixture
def as_user(app, world):
    def make(name: str):
        client = app.test_client()
        assert login(client, name).status_code == 302
        return client
    return make


def _qr_text(response) -> str:
    image = Image.open(io.BytesIO(response.data))
    [barcode] = [b for b in zxingcpp.read_barcodes(image) if b.format == zxingcpp.BarcodeFormat.QRCode]
    return barcode.text


def _pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", data))


# --- the PNG and where its QR code leads ---------------------------------------------------------

def test_village_staff_download_their_sheet_and_its_qr_opens_the_village_page(app, as_user):
    response = as_user("village_a").get(f"/sheets/{VILLAGE_A}.png")

    assert response.status_code == 200
    assert response.mimetype == "image/png"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('明白纸-' + VILLAGE_A + '.png')}" in disposition
    assert Image.open(io.BytesIO(response.data)).size == (1240, 1754)

    target = _qr_text(response)
    assert target.startswith(PUBLIC_URL)
    assert target == f"{PUBLIC_URL}/q/{VILLAGE_A}"

    # A farmer scans it: no account, the address's path on this server.
    farmer = app.test_client()
    page = farmer.get(urlsplit(target).path)
    assert page.status_code == 200
    assert "青山村" in text_of(page)


@pytest.mark.parametrize("app_config", [{"SHOUDI_PUBLIC_URL": None}], indirect=True)
def test_without_a_public_url_the_qr_uses_the_address_staff_came_in_by(app, world):
    client, base = app.test_client(), "https://zhen.example.cn"
    client.post("/login", data={"login": "village_a", "password": factories.PASSWORD}, base_url=base)

    response = client.get(f"/sheets/{VILLAGE_A}.png", base_url=base)

    assert response.status_code == 200

    assert _qr_text(response) == f"https://zhen.example.cn/q/{VILLAGE_A}"


def test_another_village_or_an_unknown_code_is_404(as_user):
    client = as_user("village_a")

    for method, url in (("get", f"/sheets/{VILLAGE_B}.png"), ("get", f"/sheets/{VILLAGE_B}"),
                        ("get", "/sheets/999999999999.png"), ("get", "/sheets/999999999999"),
                        ("get", f"/sheets/{TOWNSHIP}"), ("post", f"/sheets/township/{TOWNSHIP}/pdf"),
                        ("post", f"/sheets/township/{VILLAGE_A}/pdf")):
        response = getattr(client, method)(url)
        assert response.status_code == 404, url
        assert "没有找到您要的内容" in text_of(response)
        assert "石门村" not in text_of(response)


def test_county_staff_download_a_township_pdf_with_a_page_per_village(as_user):
    """The PDF is a job: the button starts it, its page shows progress, the result downloads."""
    client = as_user("county")
    started = client.post(f"/sheets/township/{TOWNSHIP}/pdf")
    assert started.status_code == 302
    job_page = urlsplit(started.headers["Location"]).path
    assert re.fullmatch(r"/jobs/\d+", job_page)

    page = text_of(client.get(job_page))
    assert "乡镇明白纸（PDF）" in page and "已完成" in page and "已完成 2 / 2" in page
    status = client.get(job_page + "/status").get_json()
    assert (status["state"], status["percent"], status["done"], status["total"]) == ("done", 100, 2, 2)
    response = client.get(status["result_url"])

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.data.startswith(b"%PDF")
    assert _pdf_pages(response.data) == 2   # 青山村 and 石门村
    # Township staff may print theirs too; an unknown township is 404; the job is its starter's.
    assert as_user("township").post(f"/sheets/township/{TOWNSHIP}/pdf").status_code == 302
    assert as_user("county").post("/sheets/township/341599102000/pdf").status_code == 404
    assert as_user("township").get(job_page).status_code == 404
    assert as_user("township").get(status["result_url"]).status_code == 404


def test_an_old_code_of_a_renamed_village_still_prints_with_the_current_code(app, world, as_user):
    tree.rename(None, world.village_a, "青山新村", new_code="341599101009")
    db.session.commit()
    client = as_user("village_a")

    png = client.get(f"/sheets/{VILLAGE_A}.png")
    html = client.get(f"/sheets/{VILLAGE_A}")

    assert png.status_code == 200
    assert _qr_text(png) == f"{PUBLIC_URL}/q/341599101009"
    assert "341599101009.png" in png.headers["Content-Disposition"]
    assert html.status_code == 200
    assert "青山新村" in text_of(html)
    assert f"{PUBLIC_URL}/q/341599101009" in text_of(html)
    # The old code printed on older sheets still opens the farmer page too.
    assert "青山新村" in text_of(app.test_client().get(f"/q/{VILLAGE_A}"))


# --- the print page ---------------------------------------------------------------------------

def test_print_page_shows_the_sheet_with_an_inline_qr_and_a_print_button(app, world, as_user):
    policy.save_text(world.users["county"], world.village_a, "intro", "本村每月5日在村委会集中受理申报")
    db.session.commit()

    response = as_user("village_a").get(f"/sheets/{VILLAGE_A}")

    assert response.status_code == 200
    html = text_of(response)
    assert "防止返贫监测帮扶明白纸" in html
    assert "示范县青山镇青山村" in html
    assert "家庭年人均纯收入低于7,000元" in html
    assert "本村每月5日在村委会集中受理申报" in html          # the county's own text
    assert "哪些家庭可以申报" in html and "怎么办、要多久" in html
    assert "微信扫一扫 · 了解政策 · 自主申报" in html
    assert f"{PUBLIC_URL}/q/{VILLAGE_A}" in html
    assert "咨询热线 12317" in html and "VILLAGE_A" in html
    assert re.search(r"<svg[^>]*viewBox", html)
    assert re.search(r'<button[^>]*data-print[^>]*>打印</button>', html) and '/assets/print.' in html
    assert 'class="toolbar no-print"' in html

    css_href = re.search(r'<link rel="stylesheet" href="([^"]+print[^"]*\.css)"', html).group(1)
    css = text_of(app.test_client().get(css_href))
    assert re.search(r"@page\s*\{\s*size:\s*A4;\s*margin:\s*12mm;?\s*\}", css)
    assert re.search(r"@media print\s*\{[^}]*\.no-print\s*\{\s*display:\s*none", css)


# --- the list of sheets -----------------------------------------------------------------------

def test_list_shows_only_the_villages_in_scope(as_user):
    own = text_of(as_user("village_a").get("/sheets/"))
    everything = text_of(as_user("county").get("/sheets/"))
    grid = text_of(as_user("grid_a1").get("/sheets/"))

    assert f'href="/sheets/{VILLAGE_A}"' in own and f'href="/sheets/{VILLAGE_A}.png"' in own
    assert VILLAGE_B not in own and "石门村" not in own
    assert "/sheets/township/" not in own          # the township is not theirs to print
    for code in (VILLAGE_A, VILLAGE_B):
        assert f'href="/sheets/{code}"' in everything and f'href="/sheets/{code}.png"' in everything
    assert f'action="/sheets/township/{TOWNSHIP}/pdf"' in everything
    assert "/sheets/3415" not in grid and "没有可打印的明白纸" in grid


def test_anonymous_visitors_are_sent_to_login(app, world):
    client = app.test_client()

    for method, url in (("get", "/sheets/"), ("get", f"/sheets/{VILLAGE_A}"),
                        ("get", f"/sheets/{VILLAGE_A}.png"), ("post", f"/sheets/township/{TOWNSHIP}/pdf"),
                        ("get", "/jobs/1")):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert urlsplit(response.headers["Location"]).path == "/login"


@pytest.mark.parametrize("app_config", [{"SHOUDI_CJK_FONT": "/nonexistent/NotoSansCJK-Regular.ttc"}],
                         indirect=True)
def test_a_missing_font_says_what_to_install(as_user):
    response = as_user("village_a").get(f"/sheets/{VILLAGE_A}.png")

    assert response.status_code == 500
    assert "fonts-noto-cjk" in text_of(response) and "SHOUDI_CJK_FONT" in text_of(response)
