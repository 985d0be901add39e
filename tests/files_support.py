"""Real files the tests write: PDFs (plain, with scripts, broken), images (valid, truncated,
polyglot), signatures drawn on a canvas, and large phone photos. Nothing is read from disk."""
from __future__ import annotations

import base64
import io
import struct
import zlib

from openpyxl import Workbook
from PIL import Image, ImageDraw


# --- PDFs --------------------------------------------------------------------------------------

def pdf(text: str = "minutes", *, catalog: str = "", page: str = "", objects: tuple[str, ...] = (),
        pages: int = 1) -> bytes:
    """A well-formed PDF of ``pages`` pages (a line of text each), its cross-reference table
    written with the true offsets. ``catalog`` and ``page`` add entries to the catalogue and to
    each page; ``objects`` are further objects numbered from 100 (refer to them as ``100 0 R``)."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    kids = " ".join(f"{10 + i} 0 R" for i in range(pages))
    body: dict[int, bytes] = {
        1: f"<< /Type /Catalog /Pages 2 0 R {catalog} >>".encode(),
        2: f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        4: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    }
    for i in range(pages):
        body[10 + i] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
                        f"/Resources << /Font << /F1 3 0 R >> >> {page} >>").encode()
    for i, obj in enumerate(objects):
        body[100 + i] = obj.encode()
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(body):
        offsets[num] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (num, body[num])
    size = max(body) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for num in range(1, size):
        out += (b"%010d 00000 n \n" % offsets[num]) if num in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


def pdf_with_object_stream(hidden: str, *, refer: bool = True) -> bytes:
    """A PDF 1.5 whose object 5 (``hidden``) sits compressed in an object stream, indexed by a
    cross-reference stream: nothing of it shows in the raw bytes. ``refer``: the catalogue opens
    it as its /OpenAction; otherwise nothing refers to it."""
    opener = "/OpenAction 5 0 R" if refer else ""
    head = b"5 0 "
    packed = zlib.compress(head + hidden.encode())
    body = {
        1: f"<< /Type /Catalog /Pages 2 0 R {opener} >>".encode(),
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        4: b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream"
           % (len(head), len(packed), packed),
    }
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num, text in body.items():
        offsets[num] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (num, text)
    offsets[6] = len(out)
    rows = [(0, 0, 65535)] + [(1, offsets[n], 0) for n in (1, 2, 3, 4)] + [(2, 4, 0), (1, offsets[6], 0)]
    table = b"".join(struct.pack(">BIH", *row) for row in rows)
    out += (b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n%s\nendstream\nendobj\n"
            % (len(table), table))
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[6]
    return bytes(out)


PDF = pdf()


# --- images ------------------------------------------------------------------------------------

def image(fmt: str = "JPEG", size=(800, 600), colour="steelblue", **save) -> bytes:
    img = Image.new("RGB", size, colour)
    ImageDraw.Draw(img).ellipse((size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2), fill="orange")
    out = io.BytesIO()
    img.save(out, fmt, **save)
    return out.getvalue()


def photo(width: int, height: int, *, quality: int = 90, orientation: int | None = None) -> bytes:
    """A phone-like JPEG: smooth areas, texture and edges (noise alone would compress badly)."""
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    texture = Image.effect_noise((width // 4, height // 4), 60).resize((width, height)).convert("RGB")
    img = Image.blend(base, texture, 0.5)
    draw = ImageDraw.Draw(img)
    for x in range(0, width, 97):
        draw.line([(x, 0), (width - x, height)], fill=(x % 255, 80, 160), width=5)
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


# --- signatures ----------------------------------------------------------------------------------

def signature_png(size=(600, 240), *, blank: bool = False, mode: str = "RGB", **save) -> bytes:
    """A signature as the canvas gives it: strokes on white."""
    img = Image.new(mode, size, "white" if mode != "RGBA" else (255, 255, 255, 0))
    if not blank:
        draw = ImageDraw.Draw(img)
        w, h = size
        draw.line([(w * 0.1, h * 0.7), (w * 0.3, h * 0.2), (w * 0.5, h * 0.8), (w * 0.9, h * 0.3)],
                  fill="black" if mode != "RGBA" else (0, 0, 0, 255), width=max(2, h // 40))
    out = io.BytesIO()
    img.save(out, "PNG", **save)
    return out.getvalue()


def data_url(raw: bytes, prefix: str = "data:image/png;base64,") -> str:
    return prefix + base64.b64encode(raw).decode()


def xlsx(rows: list[list[object]]) -> bytes:
    """A workbook whose first sheet holds ``rows``, as an official's spreadsheet would."""
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
