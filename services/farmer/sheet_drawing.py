"""Drawing the printed 明白纸: QR codes, the A4 sheet as a PNG, a township's sheets as one PDF.

Everything here is drawn from a ``PolicyPage`` (services.farmer.policy) and a target address; no
request data. The layout is computed first (a list of drawing operations, so tests can see what
is on the sheet), then painted with Pillow.

Sizes are in millimetres on A4 (210 × 297 mm) and converted to pixels at the requested dpi,
so the PNG prints at its true size (150 dpi → 1240 × 1754 px).
"""
from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache

import qrcode
import qrcode.constants
import qrcode.image.svg
from PIL import Image, ImageDraw, ImageFont
from services.farmer.policy import PolicyPage

TITLE = "防止返贫监测帮扶明白纸"
QR_CAPTION = "微信扫一扫 · 了解政策 · 自主申报"
CONTACTS_HEADING = "有困难，找我们"
ELLIPSIS = "……"

A4_MM = (210.0, 297.0)
MARGIN_MM = 12.0
QR_MIN_MM = 40.0      # smallest printed QR we accept (an elderly farmer's phone, held at arm's length)
QR_TARGET_MM = 50.0
QR_BLOCK_MM = 62.0    # the QR's column at the bottom right (QR, caption, address)

RED = (179, 38, 30)
RED_LIGHT = (253, 236, 234)
INK = (31, 35, 40)
GREY = (87, 96, 106)
RULE = (208, 215, 222)
WHITE = (255, 255, 255)

# Body text size candidates (mm), largest first: the largest that fits the page wins, so a
# sheet with little text prints big for elderly readers.
BODY_SIZES_MM = (4.4, 4.2, 4.0, 3.8, 3.6, 3.4, 3.2)
LINE_SPACING = 1.42


class SheetFontMissing(RuntimeError):
    """No usable Chinese font: the sheet would print empty boxes instead of characters."""


# --- QR codes ----------------------------------------------------------------------------------

def qr_target(public_url: str, village_code: str) -> str:
    """The farmer-facing address a village's sheet points at (served by ``farmer.scan``)."""
    return f"{public_url}/q/{village_code}"


def _qr(data: str, box_size: int = 10, image_factory=None) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size,
                         border=4, image_factory=image_factory)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_png(data: str, box_size: int = 10) -> bytes:
    buffer = io.BytesIO()
    _qr(data, box_size).make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(data: str) -> str:
    """An ``<svg>`` element (no XML declaration) with a white background, for inline HTML.

    It carries a viewBox, so CSS may size it freely."""
    image = _qr(data, image_factory=qrcode.image.svg.SvgPathFillImage).make_image()
    return image.to_string(encoding="unicode")


def _qr_image(data: str, dpi: int) -> Image.Image:
    """The QR at a whole number of pixels per module: about QR_TARGET_MM wide with its quiet
    zone, and the symbol itself never under QR_MIN_MM."""
    code = _qr(data, box_size=1)
    symbol = code.modules_count
    box = max(1, _px(QR_TARGET_MM, dpi) // (symbol + 2 * code.border),
              -(-_px(QR_MIN_MM, dpi) // symbol))
    code.box_size = box
    return code.make_image().get_image().convert("RGB")


# --- fonts ------------------------------------------------------------------------------------

def _missing(path: str | None, why: str) -> SheetFontMissing:
    return SheetFontMissing(
        f"无法生成明白纸：{why}（字体文件：{path or '未设置'}）。"
        "请安装 Debian 软件包 fonts-noto-cjk（apt-get install fonts-noto-cjk），"
        "或在设置 SHOUDI_CJK_FONT 中填写一个含中文字形的字体文件路径。")


def _bold_path(regular: str) -> str:
    directory, name = os.path.split(regular)
    if "Regular" in name:
        candidate = os.path.join(directory, name.replace("Regular", "Bold"))
        if os.path.isfile(candidate):
            return candidate
    return regular


@lru_cache(maxsize=8)
def _face_index(path: str) -> int:
    """In a font collection (.ttc), the Simplified Chinese face; else the first face."""
    for index in range(32):
        try:
            family = ImageFont.truetype(path, 12, index=index).getname()[0] or ""
        except OSError:
            break
        words = family.split()
        if "SC" in words and "Mono" not in words:
            return index
    return 0


@lru_cache(maxsize=64)
def _font(path: str, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size_px, index=_face_index(path))


@lru_cache(maxsize=8)
def _check_font(path: str) -> None:
    """A font without Chinese glyphs draws the same empty box for every character."""
    try:
        font = _font(path, 40)
    except OSError as exc:
        raise _missing(path, "字体文件无法读取") from exc
    if bytes(font.getmask("明")) == bytes(font.getmask("白")):
        raise _missing(path, "字体不含中文字形")


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str

    def get(self, size_px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
        return _font(self.bold if bold else self.regular, max(1, size_px))


def load_fonts(font_path: str | None) -> Fonts:
    if not font_path or not os.path.isfile(font_path):
        raise _missing(font_path, "找不到中文字体文件")
    _check_font(font_path)
    bold = _bold_path(font_path)
    if bold != font_path:
        try:
            _check_font(bold)
        except SheetFontMissing:
            bold = font_path
    return Fonts(font_path, bold)


# --- text wrapping -----------------------------------------------------------------------------

# Characters a line may not start with (避头) and may not end with (避尾).
_NO_START = set("，。、；：！？）】》」』”’…—·,.;:!?)%")
_NO_END = set("（【《「『“‘(")
# Runs that stay whole when they fit on a line: numbers (7,000), Latin words, addresses.
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.,:/_%+\-?=&#~]*|.", re.S)


def wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Lines of ``text`` no wider than ``width`` pixels, measured with ``font.getlength``.

    Chinese breaks between any two characters, but not before closing punctuation nor after
    opening punctuation (the character before moves down with it; where it cannot, the
    punctuation hangs at the line's end, as in print). Latin words and numbers stay whole
    unless longer than a line.
    """
    units: list[str] = []
    for token in _TOKEN.findall(text):
        if len(token) > 1 and font.getlength(token) > width:
            units.extend(token)
        else:
            units.append(token)
    fits = lambda s: font.getlength(s) <= width  # noqa: E731
    lines: list[str] = []
    current = ""
    for unit in units:
        if not current or fits(current + unit):
            current += unit
            continue
        carry = ""
        if unit[0] in _NO_START:
            if len(current) > 1 and not current[-1].isascii() and fits(current[-1] + unit):
                carry, current = current[-1], current[:-1]
            else:
                current += unit  # hanging punctuation
                continue
        while len(current) > 1 and current[-1] in _NO_END and fits(current[-1] + carry + unit):
            carry, current = current[-1] + carry, current[:-1]
        lines.append(current)
        current = carry + unit
    if current:
        lines.append(current)
    return lines or [""]


# --- layout ------------------------------------------------------------------------------------

def _px(mm: float, dpi: int) -> int:
    return round(mm * dpi / 25.4)


@dataclass(frozen=True)
class TextOp:
    x: int
    y: int
    text: str
    size: int
    bold: bool = False
    fill: tuple[int, int, int] = INK
    anchor: str = "lm"  # left, vertical middle


@dataclass(frozen=True)
class RectOp:
    box: tuple[int, int, int, int]
    fill: tuple[int, int, int]
    radius: int = 0


@dataclass(frozen=True)
class ImageOp:
    x: int
    y: int
    image: Image.Image


@dataclass
class SheetLayout:
    size: tuple[int, int]
    ops: list = field(default_factory=list)
    truncated: bool = False
    sections_box: tuple[int, int, int, int] = (0, 0, 0, 0)  # where section text may go
    qr_box: tuple[int, int, int, int] = (0, 0, 0, 0)

    @property
    def texts(self) -> list[str]:
        return [op.text for op in self.ops if isinstance(op, TextOp)]


@dataclass(frozen=True)
class _Row:
    text: str
    kind: str      # "title" | "line" | "more" (a wrapped continuation) | "gap"
    height: int


def _section_rows(page: PolicyPage, fonts: Fonts, body_mm: float, width: int, dpi: int) -> list[_Row]:
    body = fonts.get(_px(body_mm, dpi))
    title_size = _px(body_mm * 1.15, dpi)
    line_h = round(_px(body_mm, dpi) * LINE_SPACING)
    title_h = round(title_size * 1.5)
    gap = _px(body_mm * 0.5, dpi)
    indent = round(body.getlength("● "))
    rows: list[_Row] = []
    for section in page.sections:
        if not section.lines:
            continue
        if rows:
            rows.append(_Row("", "gap", gap))
        rows.append(_Row(section.title, "title", title_h))
        for line in section.lines:
            for i, part in enumerate(wrap(line, body, width - indent)):
                rows.append(_Row(part, "line" if i == 0 else "more", line_h))
    return rows


def _fit_rows(rows: list[_Row], available: int, ellipsis_h: int) -> tuple[list[_Row], bool]:
    """All rows if they fit; else the first rows that fit with a final "……" row."""
    if sum(r.height for r in rows) <= available:
        return rows, False
    kept: list[_Row] = []
    used = 0
    for row in rows:
        if used + row.height + ellipsis_h > available:
            break
        kept.append(row)
        used += row.height
    while kept and kept[-1].kind in ("title", "gap"):  # no heading without any of its lines
        kept.pop()
    kept.append(_Row(ELLIPSIS, "line", ellipsis_h))
    return kept, True


def _centered_fit(text: str, fonts: Fonts, size_px: int, bold: bool, width: int) -> int:
    """The font size (≤ size_px) at which ``text`` fits on one line of ``width`` pixels."""
    while size_px > 8 and fonts.get(size_px, bold).getlength(text) > width:
        size_px -= 1
    return size_px


def layout_sheet(page: PolicyPage, target_url: str, fonts: Fonts, dpi: int = 150) -> SheetLayout:
    """Where everything goes on one A4 sheet, as drawing operations."""
    W, H = _px(A4_MM[0], dpi), _px(A4_MM[1], dpi)
    mm = lambda v: _px(v, dpi)  # noqa: E731
    sheet = SheetLayout(size=(W, H))
    ops = sheet.ops
    left, right = mm(MARGIN_MM), W - mm(MARGIN_MM)
    width = right - left

    # Header band: title and place, white on red.
    band_top, band_bottom = mm(MARGIN_MM), mm(MARGIN_MM + 27)
    ops.append(RectOp((left, band_top, right, band_bottom), RED, radius=mm(2)))
    heading_size = _centered_fit(TITLE, fonts, mm(10.5), True, width - mm(8))
    ops.append(TextOp(W // 2, band_top + mm(10), TITLE, heading_size, True, WHITE, "mm"))
    place_size = _centered_fit(page.place, fonts, mm(5.2), False, width - mm(8))
    ops.append(TextOp(W // 2, band_top + mm(20.5), page.place, place_size, False, WHITE, "mm"))
    y = band_bottom + mm(3)

    # The monitoring line, prominent.
    if page.line_text:
        line_size = mm(6)
        line_font = fonts.get(line_size, True)
        parts = wrap(page.line_text, line_font, width - mm(8))
        row_h = round(line_size * 1.4)
        box_h = row_h * len(parts) + mm(3)
        ops.append(RectOp((left, y, right, y + box_h), RED_LIGHT, radius=mm(2)))
        for i, part in enumerate(parts):
            ops.append(TextOp(W // 2, y + mm(1.5) + row_h * i + row_h // 2, part, line_size, True, RED, "mm"))
        y += box_h + mm(3)

    # The bottom block: contacts and hotline on the left, the QR code on the right.
    qr = _qr_image(target_url, dpi)
    block_w = max(mm(QR_BLOCK_MM), qr.width)
    caption_size = _centered_fit(QR_CAPTION, fonts, mm(3.8), True, block_w)
    url_size = mm(2.6)
    url_lines = wrap(target_url, fonts.get(url_size), block_w)
    caption_h = round(caption_size * 1.6)
    url_h = round(url_size * 1.4)
    bottom_h = qr.height + caption_h + url_h * len(url_lines) + mm(1)
    block_top = H - mm(MARGIN_MM) - bottom_h
    qr_x = right - block_w + (block_w - qr.width) // 2
    ops.append(RectOp((left, block_top - mm(3), right, block_top - mm(3) + max(1, mm(0.3))), RULE))
    ops.append(ImageOp(qr_x, block_top, qr))
    sheet.qr_box = (qr_x, block_top, qr_x + qr.width, block_top + qr.height)
    qr_center = right - block_w // 2
    cy = block_top + qr.height
    ops.append(TextOp(qr_center, cy + caption_h // 2, QR_CAPTION, caption_size, True, INK, "mm"))
    cy += caption_h
    for part in url_lines:
        ops.append(TextOp(qr_center, cy + url_h // 2, part, url_size, False, GREY, "mm"))
        cy += url_h

    contacts_w = width - block_w - mm(6)
    _layout_contacts(ops, page, fonts, dpi, left, block_top, contacts_w, H - mm(MARGIN_MM))

    # The sections fill what is left; the largest body size that fits wins, else truncate.
    sections_top, sections_bottom = y, block_top - mm(5)
    available = sections_bottom - sections_top
    sheet.sections_box = (left, sections_top, right, sections_bottom)
    for body_mm in BODY_SIZES_MM:
        rows = _section_rows(page, fonts, body_mm, width, dpi)
        if sum(r.height for r in rows) <= available:
            break
    ellipsis_h = round(_px(body_mm, dpi) * LINE_SPACING)
    rows, sheet.truncated = _fit_rows(rows, available, ellipsis_h)
    body_size, title_size = mm(body_mm), mm(body_mm * 1.15)
    indent = round(fonts.get(body_size).getlength("● "))
    for row in rows:
        middle = y + row.height // 2
        if row.kind == "title":
            half = title_size // 2
            ops.append(RectOp((left, middle - half, left + mm(1.5), middle + half), RED))
            ops.append(TextOp(left + mm(3.5), middle, row.text, title_size, True, INK))
        elif row.kind == "line":
            if row.text != ELLIPSIS:
                ops.append(TextOp(left, middle, "●", max(1, body_size // 2), False, RED))
            ops.append(TextOp(left + indent, middle, row.text, body_size))
        elif row.kind == "more":
            ops.append(TextOp(left + indent, middle, row.text, body_size))
        y += row.height
    return sheet


def _layout_contacts(ops: list, page: PolicyPage, fonts: Fonts, dpi: int, left: int, top: int,
                     width: int, bottom: int) -> None:
    mm = lambda v: _px(v, dpi)  # noqa: E731
    heading_size, row_size, hotline_size = mm(5), mm(4.2), mm(7.5)
    hotline = f"咨询热线 {page.hotline}"
    hotline_h = round(hotline_size * 1.4)
    ops.append(TextOp(left, top + heading_size // 2 + mm(1), CONTACTS_HEADING, heading_size, True, RED))
    y = top + round(heading_size * 1.8)
    row_h = round(row_size * 1.55)
    limit = bottom - hotline_h - mm(2)
    regular, bold = fonts.get(row_size), fonts.get(row_size, True)
    rows = []
    for contact in page.contacts:
        parts = [(contact.role, False, GREY), (contact.name, True, INK)]
        if contact.phone:
            parts.append((contact.phone, False, INK))
        rows.append(parts)
    if not rows:
        ops.append(TextOp(left, y + row_h // 2, "村干部、网格员都可以帮您申报", row_size, False, INK))
    # Columns: role, name, phone (each as wide as its widest entry, within the width).
    columns = [0, 0]
    for parts in rows:
        for i in (0, 1):
            columns[i] = max(columns[i], round((bold if i else regular).getlength(parts[i][0] + "　")))
    for index, parts in enumerate(rows):
        more_after = index < len(rows) - 1
        if y + row_h > limit or (more_after and y + 2 * row_h > limit):
            if y + row_h <= limit:
                ops.append(TextOp(left, y + row_h // 2, ELLIPSIS, row_size, False, GREY))
            break
        x = left
        for i, (text, is_bold, fill) in enumerate(parts):
            font = bold if is_bold else regular
            text = _clip(text, font, left + width - x)
            ops.append(TextOp(x, y + row_h // 2, text, row_size, is_bold, fill))
            x += columns[i] if i < 2 else 0
            if x >= left + width:
                break
        y += row_h
    ops.append(TextOp(left, bottom - hotline_h // 2, hotline, hotline_size, True, RED))


def _clip(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text + "…"


# --- painting ----------------------------------------------------------------------------------

def paint(sheet: SheetLayout, fonts: Fonts) -> Image.Image:
    image = Image.new("RGB", sheet.size, WHITE)
    draw = ImageDraw.Draw(image)
    for op in sheet.ops:
        if isinstance(op, RectOp):
            if op.radius:
                draw.rounded_rectangle(op.box, radius=op.radius, fill=op.fill)
            else:
                draw.rectangle(op.box, fill=op.fill)
        elif isinstance(op, TextOp):
            draw.text((op.x, op.y), op.text, font=fonts.get(op.size, op.bold), fill=op.fill,
                      anchor=op.anchor)
        elif isinstance(op, ImageOp):
            image.paste(op.image, (op.x, op.y))
    return image


def sheet_image(page: PolicyPage, target_url: str, font_path: str, dpi: int = 150) -> Image.Image:
    fonts = load_fonts(font_path)
    return paint(layout_sheet(page, target_url, fonts, dpi), fonts)


def render_sheet_png(page: PolicyPage, target_url: str, font_path: str, dpi: int = 150) -> bytes:
    """The A4 sheet as a PNG that prints at its true size (the dpi is recorded in the file)."""
    buffer = io.BytesIO()
    sheet_image(page, target_url, font_path, dpi).save(buffer, format="PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


def render_township_pdf(pages: list[tuple[PolicyPage, str]], font_path: str, dpi: int = 150,
                        on_page=None) -> bytes:
    """One A4 page per (policy page, QR target), in the order given; ``on_page(n)`` is called
    after each page is drawn (a job reports its progress through it)."""
    fonts = load_fonts(font_path)
    if not pages:
        raise ValueError("a PDF needs at least one page")
    images = []
    for page, target in pages:
        images.append(paint(layout_sheet(page, target, fonts, dpi), fonts))
        if on_page is not None:
            on_page(len(images))
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:], resolution=dpi,
                   title=TITLE, creator="守底")
    return buffer.getvalue()
