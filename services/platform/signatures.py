"""A signature drawn on the phone's screen: decoded, bounded, and kept as a clean PNG.

The visit form sends the canvas as a data URL (``data:image/png;base64,…``). What arrives is
untrusted text, so it is decoded all the way: base64 strictly, then the PNG by Pillow (the PNG
decoder only), its size read from the header and refused before the pixels are decoded, then
every pixel. A signature must show a mark: a canvas left blank (one colour throughout) is not
a signature. What is stored is a fresh greyscale PNG of the strokes on white, made from the
pixels alone (no text chunks, no bytes after the image, no animation frames).

Pure helper: text in, bytes out. No Flask here.
"""
from __future__ import annotations

import base64
import binascii
import io
import logging
import warnings

from PIL import Image

logger = logging.getLogger(__name__)

PREFIX = "data:image/png;base64,"
MAX_BYTES = 500 * 1024            # a canvas of 2000 x 1000 strokes is far below this
MAX_WIDTH, MAX_HEIGHT = 2000, 1000
MIN_WIDTH, MIN_HEIGHT = 60, 30    # smaller than a fingertip: no signature fits
MIN_INK = 20                      # how far from the background a pixel must be to count as ink (0-255)

MSG_FORMAT = "签名图片格式不对，请清除后重新签字"
MSG_TOO_LARGE = "签名图片太大，请清除后重新签字"
MSG_TOO_SMALL = "签名图片太小，请清除后重新签字"
MSG_BLANK = "签名是空白的，请让签字人在框内签字"


class SignatureRejected(ValueError):
    """Not an acceptable signature. ``str(exc)`` is the message shown beside the signature pad."""


def clean_signature(data_url: object) -> bytes:
    """The PNG to store for a drawn signature, or ``SignatureRejected``."""
    if not isinstance(data_url, str) or not data_url.startswith(PREFIX):
        raise SignatureRejected(MSG_FORMAT)
    encoded = data_url[len(PREFIX):]
    if len(encoded) > (MAX_BYTES * 4) // 3 + 4:  # refused before decoding
        raise SignatureRejected(MSG_TOO_LARGE)
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureRejected(MSG_FORMAT) from None
    if len(raw) > MAX_BYTES:
        raise SignatureRejected(MSG_TOO_LARGE)
    try:
        img = _decode(raw)
    except SignatureRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, MemoryError):
        raise SignatureRejected(MSG_TOO_LARGE) from None
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError, struct.error... on bad data
        logger.info("signature rejected: %s", type(exc).__name__)
        raise SignatureRejected(MSG_FORMAT) from None
    low, high = img.getextrema()
    if high - low < MIN_INK:
        raise SignatureRejected(MSG_BLANK)
    out = io.BytesIO()
    img.save(out, "PNG", optimize=True)
    return out.getvalue()


def _decode(raw: bytes) -> Image.Image:
    """Grey strokes on white, decoded from a PNG of bounded size."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        img = Image.open(io.BytesIO(raw), formats=["PNG"])
        width, height = img.size
        if width > MAX_WIDTH or height > MAX_HEIGHT:
            raise SignatureRejected(MSG_TOO_LARGE)
        if width < MIN_WIDTH or height < MIN_HEIGHT:
            raise SignatureRejected(MSG_TOO_SMALL)
        img.load()  # every pixel: a truncated or corrupt stream fails here
    if img.mode in ("I", "F") or img.mode.startswith("I;16"):
        img = img.convert("I").point(lambda v: v / 256).convert("L")
    if img.has_transparency_data:  # transparent canvas: strokes onto white
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        img = flat
    grey = img.convert("L")
    clean = Image.new("L", grey.size, 255)  # a fresh image: nothing of the file but its pixels
    clean.paste(grey)
    return clean
