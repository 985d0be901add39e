"""Files attached to case steps (evidence): checked for what they claim to be, by a real decoder.

The first bytes only say which decoder to try (a PDF, a JPEG or a PNG: nothing else is taken);
the decoder then has to read the whole file:

* a PDF is parsed with pypdf and refused when broken, encrypted or able to act (scripts, launch
  actions, embedded files: ``services.platform.documents``); it is kept as sent;
* an image is decoded fully and re-encoded from its pixels alone, in its own format: metadata
  (EXIF GPS), anything hidden after the image (a PNG header followed by a web page) and anything
  the decoder cannot read (a truncated file, three bytes of JPEG magic) never reach the store.
  Scans stay legible: up to ``EVIDENCE_MAX_SIDE`` pixels on a side, JPEG at quality 90.

Pure helper: bytes in, bytes out. No Flask here.
"""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from PIL import Image

from services.platform.documents import PdfRejected, check_pdf
from services.platform.photos import MAX_PIXELS, MSG_TOO_LARGE, PhotoRejected, decode_image

logger = logging.getLogger(__name__)

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_MAX_SIDE = 4096  # an A4 page scanned at 300 dpi is 3508 pixels high
EVIDENCE_JPEG_QUALITY = 90
_KINDS = ((b"%PDF-", "application/pdf"), (b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))
_IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}


class FileRejected(ValueError):
    """The file cannot be attached. ``str(exc)`` is a plain Chinese message naming the file's label."""


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str


def claimed_type(head: bytes) -> str | None:
    """The content type the first bytes claim (PDF, JPEG or PNG), or None."""
    return next((kind for magic, kind in _KINDS if head.startswith(magic)), None)


def check_evidence(data: bytes, label: str = "附件") -> CheckedFile:
    """The file to store for an uploaded piece of evidence, or ``FileRejected``."""
    if not data:
        raise FileRejected(f"{label}是空文件")
    if len(data) > EVIDENCE_MAX_BYTES:
        raise FileRejected(f"{label}每个文件不超过10MB")
    content_type = claimed_type(data[:8])
    if content_type is None:
        raise FileRejected(f"{label}只能是PDF、JPG或PNG文件")
    if content_type == "application/pdf":
        try:
            check_pdf(data)
        except PdfRejected as exc:
            raise FileRejected(f"{label}{exc}") from None
        return CheckedFile(data, content_type)
    return CheckedFile(_clean_image(data, _IMAGE_FORMATS[content_type], label), content_type)


def _clean_image(data: bytes, fmt: str, label: str) -> bytes:
    try:
        img, _ = decode_image(data, formats={fmt}, max_pixels=MAX_PIXELS, max_side=EVIDENCE_MAX_SIDE)
        clean = Image.new("RGB", img.size)  # a fresh image: no EXIF, ICC, text chunks or comments
        clean.paste(img)
        out = io.BytesIO()
        if fmt == "JPEG":
            clean.save(out, "JPEG", quality=EVIDENCE_JPEG_QUALITY, optimize=True)
        else:
            clean.save(out, "PNG", compress_level=6)
        return out.getvalue()
    except PhotoRejected as exc:
        if str(exc) == MSG_TOO_LARGE:
            raise FileRejected(f"{label}图片尺寸过大，请缩小后上传") from None
        raise FileRejected(f"{label}已损坏或不是有效的图片，请重新拍照或扫描后上传") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, MemoryError):
        raise FileRejected(f"{label}图片尺寸过大，请缩小后上传") from None
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError, struct.error... on bad data
        logger.info("evidence image rejected: %s", type(exc).__name__)
        raise FileRejected(f"{label}已损坏或不是有效的图片，请重新拍照或扫描后上传") from None
