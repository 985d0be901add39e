"""The printed 明白纸: an A4 PNG whose QR code scans to the village's address, Chinese that
really renders, long texts cut with "……" instead of running into the QR, a PDF per township."""
from __future__ import annotations

import dataclasses
import io
import os
import re

import pytest
import zxingcpp
from PIL import Image, ImageChops

import factories
from conftest import TODAY
from services.errors import NotFound
from services.farmer import policy, sheet_drawing, sheets
from services.regions import tree

PUBLIC_URL = "https://shoudi.example.gov.cn"
MM_AT_150 = 150 / 25.4


@pytest.fixture
def world(app):
    return factories.build_world()


@pytest.fixture
def font(app):
    return app.config["SHOUDI_CJK_FONT"]


def _page(village):
    return policy.policy_page(village, TODAY)


def _image(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def _decode(image: Image.Image) -> list[zxingcpp.Barcode]:
    return [b for b in zxingcpp.read_barcodes(image) if b.format == zxingcpp.BarcodeFormat.QRCode]


# --- the PNG -----------------------------------------------------------------------------------

def test_png_is_a4_at_150_dpi_and_its_qr_scans_to_the_village(world, font):
    page = _page(world.village_a)
    target = sheet_drawing.qr_target(PUBLIC_URL, page.village_code)

    image = _image(sheet_drawing.render_sheet_png(page, target, font))

    assert target == "https://shoudi.example.gov.cn/q/341599101001"
    assert image.size == (1240, 1754)
    assert image.mode == "RGB"
    assert round(image.info["dpi"][0]) == 150  # prints at its true size
    [barcode] = _decode(image)
    assert barcode.text == target
    # A large code: the symbol alone (without its quiet zone) is at least 40 mm wide.
    xs = [p.x for p in (barcode.position.top_left, barcode.position.top_right,
                        barcode.position.bottom_left, barcode.position.bottom_right)]
    assert max(xs) - min(xs) + 1 >= 40 * MM_AT_150
    # It sits in the lower half, clear of the text above it.
    assert barcode.position.top_left.y > image.height / 2


def test_other_resolutions_keep_a4_and_a_readable_qr(world, font):
    page = _page(world.village_b)
    target = sheet_drawing.qr_target(PUBLIC_URL, page.village_code)

    image = _image(sheet_drawing.render_sheet_png(page, target, font, dpi=300))

    assert image.size == (2480, 3508)
    assert [b.text for b in _decode(image)] == [target]


def test_the_sheet_carries_title_place_line_sections_contacts_and_hotline(world, font):
    page = _page(world.village_a)
    layout = sheet_drawing.layout_sheet(page, "https://x.example/q/1", sheet_drawing.load_fonts(font))
    texts = layout.texts

    assert sheet_drawing.TITLE in texts
    assert "示范县青山镇青山村" in texts
    assert page.line_text and page.line_text in texts
    assert page.line_text.endswith("低于7,000元")
    for section in page.sections:
        assert section.title in texts
    assert sheet_drawing.QR_CAPTION in texts
    assert "https://x.example/q/1" in texts
    assert "咨询热线 12317" in texts
    assert "VILLAGE_A" in texts  # the village staff member, who farmers can call
    assert "STAFF" not in " ".join(texts)
    assert not layout.truncated and sheet_drawing.ELLIPSIS not in texts


def test_the_chinese_really_renders(world, font):
    """The header band is red with white text; another place name draws other white pixels."""
    page = _page(world.village_a)
    target = sheet_drawing.qr_target(PUBLIC_URL, page.village_code)
    first = _image(sheet_drawing.render_sheet_png(page, target, font))
    other = _image(sheet_drawing.render_sheet_png(
        dataclasses.replace(page, village_name="石门村"), target, font))

    # Inside the red band (12..39 mm from the top): the title, then the place under it.
    def box(x0, y0, x1, y1):
        return tuple(round(v * MM_AT_150) for v in (x0, y0, x1, y1))

    title_box, place_box = box(20, 15, 190, 28), box(20, 29.5, 190, 37)

    def white(img, box):
        return img.crop(box).convert("L").point(lambda v: 255 if v > 200 else 0).histogram()[255]

    assert white(first, title_box) > 10000          # eleven bold characters, not an empty band
    assert white(first, title_box) == white(other, title_box)
    assert white(first, place_box) > 1000
    # Same-sized empty boxes (a font without Chinese) would not differ between 青山 and 石门.
    assert ImageChops.difference(first.crop(place_box), other.crop(place_box)).getbbox() is not None


def test_a_missing_font_is_refused_with_the_setting_and_package_named(world, tmp_path):
    page = _page(world.village_a)

    with pytest.raises(sheet_drawing.SheetFontMissing) as caught:
        sheet_drawing.render_sheet_png(page, "https://x.example/q/1", str(tmp_path / "NotoSansCJK-Regular.ttc"))

    message = str(caught.value)
    assert "SHOUDI_CJK_FONT" in message and "fonts-noto-cjk" in message
    assert isinstance(caught.value, RuntimeError)
    with pytest.raises(sheet_drawing.SheetFontMissing):
        sheet_drawing.render_township_pdf([(page, "https://x.example/q/1")], "")


LATIN_ONLY = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@pytest.mark.skipif(not os.path.isfile(LATIN_ONLY), reason="needs a font without Chinese glyphs")
def test_a_font_without_chinese_glyphs_is_refused(world):
    with pytest.raises(sheet_drawing.SheetFontMissing, match="不含中文"):
        sheet_drawing.render_sheet_png(_page(world.village_a), "https://x.example/q/1", LATIN_ONLY)


def test_bold_font_is_found_next_to_the_regular_one(font):
    fonts = sheet_drawing.load_fonts(font)

    assert fonts.regular == font
    if os.path.isfile(font.replace("Regular", "Bold")):
        assert fonts.bold == font.replace("Regular", "Bold")
    # The Simplified Chinese face of the collection, not the Japanese one at index 0.
    assert "SC" in fonts.get(20).getname()[0].split()


# --- texts set by the county, and texts too long for the page -----------------------------------

def test_a_county_text_appears_on_the_sheet(world, font):
    policy.save_text(world.users["county"], world.village_a, "intro", "本村每月5日在村委会集中受理申报")

    layout = sheet_drawing.layout_sheet(_page(world.village_a), "https://x.example/q/1", sheet_drawing.load_fonts(font))

    assert "本村每月5日在村委会集中受理申报" in layout.texts
    assert "家里遇到困难，可以自己申报，也可以请村干部、网格员帮忙申报。" not in layout.texts


def test_too_much_text_is_cut_with_an_ellipsis_instead_of_overflowing(world, font):
    long_lines = "\n".join(f"第{i}条：因病、因灾、因意外导致家庭生活出现严重困难的，可以向村里申报" for i in range(40))
    policy.save_text(world.users["county"], world.county, "who", long_lines)
    page = _page(world.village_a)
    target = sheet_drawing.qr_target(PUBLIC_URL, page.village_code)
    fonts = sheet_drawing.load_fonts(font)

    layout = sheet_drawing.layout_sheet(page, target, fonts)

    assert layout.truncated
    texts = layout.texts
    assert "第0条：因病、因灾、因意外导致家庭生活出现严重困难的，可以向村里申报" in texts
    assert "第39条：因病、因灾、因意外导致家庭生活出现严重困难的，可以向村里申报" not in texts
    assert "怎么办、要多久" not in texts          # the last section gave way
    assert sheet_drawing.ELLIPSIS in texts
    left, top, right, bottom = layout.sections_box
    qr_top = layout.qr_box[1]
    assert bottom < qr_top
    section_ops = [op for op in layout.ops if isinstance(op, sheet_drawing.TextOp) and top <= op.y < qr_top - 100]
    assert section_ops and all(op.y + op.size // 2 <= bottom for op in section_ops)
    # Nothing runs past the right margin either.
    for op in section_ops:
        if op.anchor == "lm":
            assert op.x + fonts.get(op.size, op.bold).getlength(op.text) <= right + 1
    # And the code still scans.
    image = sheet_drawing.paint(layout, fonts)
    assert [b.text for b in _decode(image)] == [target]


def test_wrap_measures_by_width_and_keeps_punctuation_off_line_starts(font):
    regular = sheet_drawing.load_fonts(font).get(24)
    text = "因为生病、受灾、出意外，花钱多或收入大减，生活出现严重困难的，请拨打12317或访问https://shoudi.example.gov.cn/q/341599101001。"
    width = regular.getlength("因为生病、受灾、出意外")

    lines = sheet_drawing.wrap(text, regular, width)

    assert "".join(lines) == text
    assert len(lines) > 3
    for line in lines:
        assert not line[0] in "，。、"
        # Hanging punctuation may stick out by one mark, nothing more.
        assert regular.getlength(line.rstrip("，。、")) <= width
    assert any("12317" in line for line in lines)  # a number is not split


# --- QR helpers ----------------------------------------------------------------------------------

def test_qr_png_and_svg():
    data = "https://shoudi.example.gov.cn/q/341599101001"

    image = _image(sheet_drawing.qr_png(data, box_size=6))
    svg = sheet_drawing.qr_svg(data)

    assert [b.text for b in _decode(image)] == [data]
    assert [b.ec_level for b in _decode(image)] == ["M"]
    modules = image.width // 6
    assert image.width % 6 == 0 and modules == 33 + 8  # version 4 with a 4-module border
    assert svg.startswith("<svg") and "viewBox" in svg and "<?xml" not in svg


# --- the township PDF, and what staff may print ----------------------------------------------

def test_township_pdf_has_one_a4_page_per_village(world, font):
    pages = [(_page(v), sheet_drawing.qr_target(PUBLIC_URL, v.code))
             for v in sheets.villages_of(world.users["county"], world.township)]

    pdf = sheet_drawing.render_township_pdf(pages, font)

    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 2
    # A4 at 150 dpi: 595 x 842 points.
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert len(boxes) == 2
    assert all(abs(float(w) - 595.3) < 1 and abs(float(h) - 842) < 1 for w, h in boxes)


def test_villages_of_a_township_are_in_code_order_and_scoped(world):
    county, village_a = world.users["county"], world.users["village_a"]

    assert [v.code for v in sheets.villages_of(county, world.township)] == ["341599101001", "341599101002"]
    assert [v.code for v in sheets.villages_of(village_a, world.township)] == ["341599101001"]


def test_scope_checks(world):
    village_a, county = world.users["village_a"], world.users["county"]

    assert sheets.village_in_scope(village_a, "341599101001").id == world.village_a.id
    with pytest.raises(NotFound):
        sheets.village_in_scope(village_a, "341599101002")
    with pytest.raises(NotFound):
        sheets.village_in_scope(county, "341599101000")   # a township is not a village
    with pytest.raises(NotFound):
        sheets.village_in_scope(county, "nonsense")
    with pytest.raises(NotFound):
        sheets.township_in_scope(village_a, "341599101000")
    assert sheets.township_in_scope(county, "341599101000").id == world.township.id
    with pytest.raises(NotFound):
        sheets.township_in_scope(county, "341599101001")  # a village is not a township


def test_an_old_code_still_finds_the_renamed_village(world):
    tree.rename(None, world.village_a, "青山新村", new_code="341599101009")

    village = sheets.village_in_scope(world.users["village_a"], "341599101001")

    assert village.code == "341599101009"
    assert _page(village).village_code == "341599101009"


def test_sheet_index_lists_the_scope(world):
    [own] = sheets.sheet_index(world.users["village_a"])
    [everything] = sheets.sheet_index(world.users["county"])

    assert own.villages == [("341599101001", "青山村")] and not own.printable
    assert everything.code == "341599101000" and everything.printable
    assert everything.villages == [("341599101001", "青山村"), ("341599101002", "石门村")]
    assert sheets.sheet_index(world.users["grid_a1"]) == []
