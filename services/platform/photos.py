"""Uploaded photos: check, clean and re-encode them before anything stores or shows them.

Farmers attach photos (bills, a damaged house) to self-reports from cheap phones in WeChat; grid
workers attach visit photos. Every upload is untrusted input, so this module:

* strips all metadata by re-encoding the pixels into a fresh JPEG. Phone photos carry EXIF GPS
  coordinates that reveal where the family lives, plus device and time data: personal
  information under PIPL that we do not need and must not keep or pass on;
* reads width x height from the header and rejects oversized images *before* decoding pixels,
  so a small file that expands to gigabytes (a decompression bomb) cannot exhaust memory;
* decides the format from the bytes alone, never from the file name or the client's content
  type, and only lets the JPEG, PNG, WEBP (and HEIF, if pillow-heif is installed) decoders look
  at the data.

Pure helper: bytes in, bytes out. No Flask here.
"""
from __future__ import annotations

import hashlib
import io
import logging
import warnings
from dataclasses import dataclass

from PIL import ExifTags, Image, ImageCms

try:  # HEIC from iPhones, optional
    import pillow_heif
except ImportError:  # pragma: no cover - depends on the environment
    pillow_heif = None
else:
    pillow_heif.register_heif_opener()  # adds the "HEIF" format to Pillow

logger = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000
MAX_SIDE = 1600
THUMB_SIDE = 320
JPEG_QUALITY = 82
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"} | ({"HEIF"} if pillow_heif else set()))

MSG_EMPTY = "没有收到照片内容"
MSG_INVALID = "不是有效的照片，请上传 JPG 或 PNG 格式的照片"
MSG_TOO_LARGE = "照片尺寸过大，请换一张照片"

_T = Image.Transpose
_TRANSPOSE = {2: _T.FLIP_LEFT_RIGHT, 3: _T.ROTATE_180, 4: _T.FLIP_TOP_BOTTOM, 5: _T.TRANSPOSE,
              6: _T.ROTATE_270, 7: _T.TRANSVERSE, 8: _T.ROTATE_90}
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class PhotoRejected(ValueError):
    """The upload is not an acceptable photo. ``str(exc)`` is a plain message for the farmer."""


@dataclass(frozen=True)
class Photo:
    content: bytes
    width: int
    height: int
    sha256: str
    content_type: str = "image/jpeg"
    thumbnail: bytes = b""


def _size_message(max_bytes: int) -> str:
    mb = f"{max_bytes / (1024 * 1024):.1f}".rstrip("0").rstrip(".")
    return f"照片不能超过{mb}MB" if mb != "0" else f"照片不能超过{max(max_bytes // 1024, 1)}KB"


def _to_srgb(img: Image.Image) -> Image.Image:
    """RGB pixels in sRGB: alpha flattened onto white, embedded ICC profile applied, then dropped."""
    icc = img.info.get("icc_profile")
    if img.mode in ("I", "F") or img.mode.startswith("I;16"):  # 16-bit grey PNG: scale, don't clip
        img = img.convert("I").point(lambda v: v / 256).convert("L")
    if img.has_transparency_data:
        rgba = img.convert("RGBA")
        img = Image.new("RGB", rgba.size, "white")
        img.paste(rgba, mask=rgba.getchannel("A"))
    elif img.mode not in ("RGB", "L", "CMYK"):
        img = img.convert("RGB")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            img = ImageCms.profileToProfile(img, source, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # broken or mismatched profile: fall back to a plain conversion
    return img.convert("RGB")


def _orientation(img: Image.Image) -> Image.Transpose | None:
    """How EXIF Orientation says to turn the pixels. Not ImageOps.exif_transpose: it copies
    upright images and re-serialises the rest of the EXIF (dropped anyway), failing on a corrupt
    tag. Read before any resizing, while the file's EXIF is at hand."""
    try:
        return _TRANSPOSE.get(img.getexif().get(ExifTags.Base.Orientation))
    except Exception:  # unreadable EXIF: keep the pixels as stored
        return None


def _encode(img: Image.Image) -> bytes:
    """Baseline JPEG from the pixels alone: a fresh image has no info, so no EXIF/ICC/XMP/comment."""
    clean = Image.new("RGB", img.size)
    clean.paste(img)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=False)
    return out.getvalue()


def decode_image(data: bytes, *, formats: frozenset[str] | set[str] = ALLOWED_FORMATS,
                 max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE) -> tuple[Image.Image, str]:
    """Decode an image fully: (upright sRGB RGB pixels at most ``max_side`` on a side, its format).

    Only the decoders named in ``formats`` look at the data. The size is read from the header and
    refused before any pixel is decoded. A JPEG is decoded at reduced size when it is much larger
    than wanted: libjpeg's DCT scaling (``draft``) gives 1/2, 1/4 or 1/8 of the pixels directly,
    so a 16 MP phone photo costs a quarter of a full decode. Everything else a hostile file can
    do raises: ``PhotoRejected`` for a refused size or format, Pillow's own errors otherwise
    (``process_photo`` turns those into ``PhotoRejected``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Pillow's "Corrupt EXIF data" noise
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        img = Image.open(io.BytesIO(data), formats=sorted(formats))
        # MPO is how Pillow names multi-picture JPEGs from some phones; the JPEG decoder opened it.
        fmt = "JPEG" if img.format == "MPO" else img.format
        if fmt not in formats:
            raise PhotoRejected(MSG_INVALID)
        width, height = img.size
        if width * height > max_pixels:
            raise PhotoRejected(MSG_TOO_LARGE)
        if fmt == "JPEG":
            img.draft("RGB", (max_side, max_side))  # let libjpeg decode at 1/2, 1/4, 1/8 scale
        img.load()  # decodes for real (verify() would not), so truncated data fails here
        turn = _orientation(img)
        if img.mode in ("RGB", "RGBA", "L", "LA", "CMYK"):  # (palette images resize badly: convert first)
            img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)  # shrink early: less memory
        if turn is not None:  # turned once shrunk: fewer pixels to move (the box is square)
            img = img.transpose(turn)
        img = _to_srgb(img)
        img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)  # never enlarges
        return img, fmt


def _decode(data: bytes, max_pixels: int, max_side: int) -> Image.Image:
    return decode_image(data, max_pixels=max_pixels, max_side=max_side)[0]


def process_photo(
    data: bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE
) -> Photo:
    """Check an uploaded photo and return it re-encoded as a metadata-free JPEG with a thumbnail.

    Raises ``PhotoRejected`` (and nothing else) for anything that is not an acceptable photo.
    """
    if not data:
        raise PhotoRejected(MSG_EMPTY)
    if len(data) > max_bytes:
        raise PhotoRejected(_size_message(max_bytes))
    try:
        img = _decode(bytes(data), max_pixels, max_side)
        thumb = img.copy()
        thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
        content, thumbnail = _encode(img), _encode(thumb)
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, MemoryError):
        raise PhotoRejected(MSG_TOO_LARGE) from None
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError, struct.error... on bad data
        logger.info("photo rejected: %s", type(exc).__name__)  # the type only, never the content
        raise PhotoRejected(MSG_INVALID) from None
    return Photo(content, img.width, img.height, hashlib.sha256(content).hexdigest(), thumbnail=thumbnail)
