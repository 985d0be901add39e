"""Drawn signatures: decoded all the way, bounded, refused when blank or malformed, and kept as
a clean greyscale PNG. The malformed ones are real files the tests write, of many kinds."""
from __future__ import annotations

import base64
import io
import struct
import zlib

import pytest
from PIL import Image, PngImagePlugin

from files_support import data_url, image, signature_png
from services.platform.signatures import (MSG_BLANK, MSG_FORMAT, MSG_TOO_LARGE, MSG_TOO_SMALL,
                                          SignatureRejected, clean_signature)

PREFIX = "data:image/png;base64,"


def rejected(value) -> str:
    with pytest.raises(SignatureRejected) as info:
        clean_signature(value)
    return str(info.value)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_claiming(width: int, height: int, pixels: bytes = b"\x00" * 100) -> bytes:
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(pixels)) + _chunk(b"IEND", b""))


GOOD = signature_png()


# --- accepted ------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    signature_png(), signature_png((1200, 360)), signature_png((2000, 1000)), signature_png((60, 30)),
    signature_png(mode="RGBA"), signature_png(mode="L"), signature_png(mode="P"), signature_png(mode="1"),
], ids=["canvas", "2x-canvas", "largest", "smallest", "transparent", "grey", "palette", "bilevel"])
def test_a_drawn_signature_is_kept_as_a_clean_grey_png_of_the_same_size(raw):
    out = Image.open(io.BytesIO(clean_signature(data_url(raw))))
    assert out.format == "PNG" and out.mode == "L" and out.size == Image.open(io.BytesIO(raw)).size
    assert out.getextrema() == (0, 255) or out.getextrema()[1] - out.getextrema()[0] >= 20
    assert out.getpixel((0, 0)) == 255  # the background is white, also where the canvas was transparent


def test_nothing_but_the_pixels_is_kept():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    raw = signature_png(pnginfo=info) + b"<html>after the end</html>"
    stored = clean_signature(data_url(raw))
    assert b"script" not in stored and b"html" not in stored and b"tEXt" not in stored


# --- refused -------------------------------------------------------------------------------------

NOT_A_DATA_URL = [
    None, 42, ["data:image/png;base64,"], {"png": GOOD.hex()}, b"data:image/png;base64,",
    "", " ", "data:image/png;base64", "data:image/jpeg;base64," + base64.b64encode(GOOD).decode(),
    "data:image/svg+xml;base64," + base64.b64encode(b"<svg onload='alert(1)'/>").decode(),
    "data:text/html;base64," + base64.b64encode(b"<script>alert(1)</script>").decode(),
    "DATA:IMAGE/PNG;BASE64," + base64.b64encode(GOOD).decode(),
    "data:image/png," + GOOD.decode("latin-1"),
    " data:image/png;base64," + base64.b64encode(GOOD).decode(),
    "javascript:alert(1)", "https://example.org/sig.png", "/signatures/2026/11/a.png",
]

BAD_BASE64 = [
    PREFIX, PREFIX + "====", PREFIX + "not base64 at all!", PREFIX + base64.b64encode(GOOD).decode()[:-3],
    PREFIX + base64.b64encode(GOOD).decode() + "!", PREFIX + base64.b64encode(GOOD).decode().replace("A", "-"),
    PREFIX + base64.urlsafe_b64encode(b"\xfb\xff" * 40).decode(), PREFIX + "\u4e2d\u6587",
    PREFIX + base64.b64encode(GOOD).decode()[:40] + "\n" + base64.b64encode(GOOD).decode()[40:],
    PREFIX + "%2B%2F", PREFIX + "\x00",
]

NOT_A_PNG = [
    image("JPEG", (300, 120)), image("WEBP", (300, 120)), image("GIF", (300, 120)), image("BMP", (300, 120)),
    image("TIFF", (300, 120)), b"GIF89a" + b"\x00" * 50, b"%PDF-1.4\n%%EOF\n", b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    b"\x89PNG", b"\x89PNG\r\n\x1a\n", b"\x89PNG\r\n\x1a\n" + b"<html><script>alert(1)</script></html>",
    GOOD[:8] + b"\x00" * 200, GOOD[:len(GOOD) // 2], GOOD[:-40], GOOD[:33],
    GOOD.replace(b"IDAT", b"IDAX"), GOOD.replace(b"IHDR", b"IHDX"), GOOD[:16] + b"\xff" * 17 + GOOD[33:],
    _png_claiming(300, 120, b"\x00"),           # too few pixels for its size
    _png_claiming(300, 120, b""),               # empty pixel data
    b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", 300, 120, 8, 9, 0, 0, 0)) + _chunk(b"IEND", b""),  # colour type 9
    b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", 300, 120, 3, 2, 0, 0, 0)),  # bit depth 3, cut
    b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", 0, 0, 8, 0, 0, 0, 0)) + _chunk(b"IEND", b""),
    b"\x00" * 100, bytes(range(256)), "签名".encode(),
]

TOO_LARGE = [
    signature_png((2001, 400)), signature_png((800, 1001)), _png_claiming(100_000, 100_000),
    _png_claiming(2**31 - 1, 1), _png_claiming(65_000, 65_000, zlib.compress(b"\x00" * 10_000)),
]

TOO_SMALL = [signature_png((59, 200)), signature_png((300, 29)), signature_png((1, 1)), _png_claiming(1, 1, b"\x00\x00")]

BLANK = [
    signature_png(blank=True), signature_png(blank=True, mode="RGBA"), signature_png(blank=True, mode="L"),
    signature_png(blank=True, mode="P"), signature_png(blank=True, size=(2000, 1000)),
]


def _all_malformed():
    yield from (pytest.param(v, MSG_FORMAT, id=f"not-a-data-url-{i}") for i, v in enumerate(NOT_A_DATA_URL))
    yield from (pytest.param(v, MSG_FORMAT, id=f"bad-base64-{i}") for i, v in enumerate(BAD_BASE64))
    yield from (pytest.param(data_url(v), MSG_FORMAT, id=f"not-a-png-{i}") for i, v in enumerate(NOT_A_PNG))
    yield from (pytest.param(data_url(v), MSG_TOO_LARGE, id=f"too-large-{i}") for i, v in enumerate(TOO_LARGE))
    yield from (pytest.param(data_url(v), MSG_TOO_SMALL, id=f"too-small-{i}") for i, v in enumerate(TOO_SMALL))
    yield from (pytest.param(data_url(v), MSG_BLANK, id=f"blank-{i}") for i, v in enumerate(BLANK))


@pytest.mark.parametrize("value, message", list(_all_malformed()))
def test_malformed_signatures_are_refused_with_a_message_for_the_pad(value, message):
    assert rejected(value) == message


def test_there_are_many_kinds_of_malformed_signature():
    assert len(list(_all_malformed())) >= 60


def test_more_than_500_kb_is_refused_before_decoding():
    noise = Image.effect_noise((2000, 1000), 120).convert("L")  # noise does not compress
    out = io.BytesIO()
    noise.save(out, "PNG")
    assert len(out.getvalue()) > 500 * 1024
    assert rejected(data_url(out.getvalue())) == MSG_TOO_LARGE
    assert rejected(PREFIX + "A" * (800 * 1024)) == MSG_TOO_LARGE  # refused before the base64 is decoded
