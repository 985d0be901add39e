"""services.platform.photos: every fixture image is generated here at run time (no binary files in git)."""
from __future__ import annotations

import hashlib
import io
import random
import struct
import zlib

import pytest
from PIL import ExifTags, Image, ImageCms, ImageFile, ImageOps

from services.platform import photos
from services.platform.photos import MAX_SIDE, THUMB_SIDE, Photo, PhotoRejected, process_photo

INVALID = "不是有效的照片，请上传 JPG 或 PNG 格式的照片"
TOO_LARGE = "照片尺寸过大，请换一张照片"
MAKE = "ShoudiPhoneMake"


def encode(img: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


def noisy(size=(400, 300), mode="RGB") -> Image.Image:
    """Random pixels, so JPEG scan data is large and a cut-off file is really truncated."""
    rng = random.Random(size[0] * 7 + size[1])
    return Image.frombytes(mode, size, rng.randbytes(size[0] * size[1] * len(mode)))


def half_red(size=(400, 200)) -> Image.Image:
    img = Image.new("RGB", size, (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    return img


def opened(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def is_red(px) -> bool:
    return px[0] > 200 and px[1] < 60 and px[2] < 60


def is_blue(px) -> bool:
    return px[2] > 200 and px[0] < 60 and px[1] < 60


def rejected(data: bytes, **kwargs) -> str:
    with pytest.raises(PhotoRejected) as exc:
        process_photo(data, **kwargs)
    assert exc.value.__cause__ is None  # Pillow's error (which may quote the input) is not attached
    return str(exc.value)


def png(width: int, height: int, pixels: bool = False) -> bytes:
    """A hand-made 8-bit greyscale PNG; without ``pixels`` it is only a header."""
    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    if pixels:  # all-black rows compress ~1000:1: a real decompression bomb
        z = zlib.compressobj(9)
        rows = b"".join(z.compress(b"\x00" * (width + 1) * 500) for _ in range(height // 500)) + z.flush()
        out += chunk(b"IDAT", rows)
    return out + chunk(b"IEND", b"")


# --- privacy: nothing but pixels survives ----------------------------------------------------


def test_exif_gps_icc_comment_and_xmp_are_stripped():
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = MAKE
    exif[ExifTags.Base.Model] = "ShoudiModel X"
    exif[ExifTags.Base.DateTime] = "2026:11:20 08:30:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (29.0, 34.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (106.0, 33.0, 7.25)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    src = encode(noisy(), "JPEG", exif=exif, icc_profile=icc, comment=b"ShoudiComment",
                 xmp=b"<x:xmpmeta>ShoudiXmp</x:xmpmeta>")
    # the fixture really carries what we strip
    src_exif = Image.open(io.BytesIO(src)).getexif()
    assert src_exif[ExifTags.Base.Make] == MAKE
    assert src_exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
    for marker in (b"Exif", MAKE.encode(), b"ICC_PROFILE", b"ShoudiComment", b"ShoudiXmp"):
        assert marker in src

    photo = process_photo(src)
    for blob in (photo.content, photo.thumbnail):
        out = opened(blob)
        assert out.format == "JPEG" and out.mode == "RGB"
        assert dict(out.getexif()) == {}
        assert not {"exif", "icc_profile", "comment", "xmp"} & set(out.info)
        for marker in (b"Exif", MAKE.encode(), b"ICC_PROFILE", b"ShoudiComment", b"ShoudiXmp", b"xmpmeta"):
            assert marker not in blob
    assert (photo.width, photo.height) == (400, 300)
    assert not opened(photo.content).info.get("progressive")  # baseline


def test_comment_alone_is_stripped():
    """Without an ICC profile or rotation Pillow keeps ``info`` to the end; the encoder must not use it."""
    src = encode(Image.new("RGB", (50, 50), "red"), "JPEG", comment=b"ShoudiComment", dpi=(300, 300))
    assert b"ShoudiComment" in src
    photo = process_photo(src)
    assert b"ShoudiComment" not in photo.content and b"ShoudiComment" not in photo.thumbnail
    assert "comment" not in opened(photo.content).info


def test_png_text_chunks_are_not_carried_over():
    from PIL.PngImagePlugin import PngInfo
    info = PngInfo()
    info.add_text("Comment", "ShoudiPngSecret")
    photo = process_photo(encode(noisy((64, 64)), "PNG", pnginfo=info))
    assert b"ShoudiPngSecret" not in photo.content
    assert opened(photo.content).format == "JPEG"


# --- orientation, size, colour -----------------------------------------------------------------


@pytest.mark.parametrize(
    "orientation, size, red_at, blue_at",
    [
        (6, (200, 400), (100, 50), (100, 350)),  # rotate 90° clockwise: left half goes on top
        (8, (200, 400), (100, 350), (100, 50)),  # rotate 90° counter-clockwise: left goes to bottom
        (3, (400, 200), (350, 100), (50, 100)),  # rotate 180°: left goes right
        (1, (400, 200), (50, 100), (350, 100)),  # upright already
        (2, (400, 200), (350, 100), (50, 100)),  # mirrored
        (5, (200, 400), (100, 50), (100, 350)),  # mirrored along the main diagonal
        (7, (200, 400), (100, 350), (100, 50)),  # mirrored along the other diagonal
    ],
)
def test_exif_orientation_is_applied(orientation, size, red_at, blue_at):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    photo = process_photo(encode(half_red(), "JPEG", exif=exif, quality=95))
    out = opened(photo.content)
    assert out.size == size == (photo.width, photo.height)
    assert is_red(out.getpixel(red_at)) and is_blue(out.getpixel(blue_at))
    assert dict(out.getexif()) == {}  # the orientation tag is gone too, so viewers don't turn it again


def test_orientation_survives_a_corrupt_exif_tag():
    """ImageOps.exif_transpose re-serialises the EXIF it rotated; a bad tag must not cost the rotation."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = MAKE
    exif[ExifTags.Base.Orientation] = 6
    raw = exif.tobytes()
    order = {b"MM": ">", b"II": "<"}[raw[6:8]]
    make_entry = struct.pack(order + "HH", ExifTags.Base.Make, 2)  # tag, type ASCII
    assert raw.count(make_entry) == 1
    # SMinSampleValue typed as ASCII: readable, but Pillow cannot write it back
    bad = raw.replace(make_entry, struct.pack(order + "HH", 0x0119, 2))
    src = encode(half_red(), "JPEG", exif=bad, quality=95)
    with pytest.raises(Exception):
        ImageOps.exif_transpose(opened(src))  # the fixture really breaks Pillow's helper
    out = opened(process_photo(src).content)
    assert out.size == (200, 400) and is_red(out.getpixel((100, 50))) and is_blue(out.getpixel((100, 350)))


def test_unreadable_exif_keeps_the_photo(monkeypatch):
    def broken_getexif(self):
        raise struct.error("bad EXIF")

    monkeypatch.setattr(Image.Image, "getexif", broken_getexif)
    out = opened(process_photo(encode(half_red(), "JPEG", quality=95)).content)
    assert out.size == (400, 200) and is_red(out.getpixel((50, 100)))


def test_big_photo_is_shrunk_keeping_aspect_ratio():
    photo = process_photo(encode(half_red((4000, 3000)), "JPEG", quality=90))
    assert (photo.width, photo.height) == (MAX_SIDE, 1200)
    out = opened(photo.content)
    assert out.size == (1600, 1200)
    assert is_red(out.getpixel((400, 600))) and is_blue(out.getpixel((1200, 600)))
    thumb = opened(photo.thumbnail)
    assert thumb.size == (THUMB_SIDE, 240) and thumb.format == "JPEG"
    assert is_red(thumb.getpixel((80, 120))) and is_blue(thumb.getpixel((240, 120)))


def test_tall_photo_and_custom_max_side():
    photo = process_photo(encode(half_red((900, 3000)), "PNG"), max_side=1000)
    assert (photo.width, photo.height) == (300, 1000)
    assert max(opened(photo.thumbnail).size) == THUMB_SIDE


def test_small_photo_is_not_enlarged():
    photo = process_photo(encode(half_red((300, 200)), "JPEG"))
    assert (photo.width, photo.height) == (300, 200) == opened(photo.content).size
    assert opened(photo.thumbnail).size == (300, 200)  # the thumbnail is not enlarged either


def test_png_transparency_becomes_white():
    img = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    img.paste((255, 0, 0, 255), (0, 0, 50, 100))
    photo = process_photo(encode(img, "PNG"))
    out = opened(photo.content)
    assert out.format == "JPEG" and out.mode == "RGB"
    assert min(out.getpixel((80, 50))) > 245  # was transparent: white, not black
    assert is_red(out.getpixel((20, 50)))


def test_palette_png_with_transparent_index_becomes_white():
    img = Image.new("P", (60, 60), 0)
    img.putpalette([0, 0, 0, 0, 0, 255])
    img.paste(1, (0, 0, 30, 60))
    photo = process_photo(encode(img, "PNG", transparency=0))
    out = opened(photo.content)
    assert min(out.getpixel((50, 30))) > 245 and is_blue(out.getpixel((10, 30)))


def test_embedded_colour_profile_is_applied_then_dropped():
    """Pixels are converted to sRGB using the embedded ICC profile (e.g. Display P3 from iPhones)."""
    icc = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    count = struct.unpack(">I", icc[128:132])[0]
    entries = {bytes(icc[132 + 12 * i : 136 + 12 * i]): 136 + 12 * i for i in range(count)}
    r, b = entries[b"rXYZ"], entries[b"bXYZ"]
    icc[r : r + 8], icc[b : b + 8] = icc[b : b + 8], icc[r : r + 8]  # a profile whose red is sRGB blue
    photo = process_photo(encode(Image.new("RGB", (40, 40), (255, 0, 0)), "PNG", icc_profile=bytes(icc)))
    out = opened(photo.content)
    assert is_blue(out.getpixel((20, 20)))
    assert "icc_profile" not in out.info and b"ICC_PROFILE" not in photo.content
    # a broken profile is ignored rather than rejecting the photo
    photo = process_photo(encode(Image.new("RGB", (40, 40), (255, 0, 0)), "PNG", icc_profile=b"garbage" * 20))
    assert is_red(opened(photo.content).getpixel((20, 20)))


def test_sixteen_bit_grey_png_is_scaled_not_clipped():
    photo = process_photo(encode(Image.new("I;16", (40, 40), 40000), "PNG"))
    assert abs(opened(photo.content).getpixel((20, 20))[0] - 40000 // 256) <= 3


def test_cmyk_jpeg_is_converted_to_rgb():
    photo = process_photo(encode(Image.new("CMYK", (50, 50), (0, 255, 255, 0)), "JPEG", quality=95))
    out = opened(photo.content)
    assert out.mode == "RGB" and is_red(out.getpixel((25, 25)))


@pytest.mark.parametrize(
    "fmt, kwargs", [("WEBP", {"quality": 90}), ("WEBP", {"lossless": True}), ("PNG", {})]
)
def test_webp_and_png_accepted(fmt, kwargs):
    photo = process_photo(encode(half_red(), fmt, **kwargs))
    out = opened(photo.content)
    assert out.format == "JPEG" and out.size == (400, 200)
    assert is_red(out.getpixel((50, 100))) and is_blue(out.getpixel((350, 100)))


def test_multi_picture_jpeg_from_phones_is_accepted():
    src = encode(half_red(), "MPO", save_all=True, append_images=[Image.new("RGB", (400, 200), "green")])
    assert Image.open(io.BytesIO(src)).format == "MPO"
    out = opened(process_photo(src).content)
    assert out.format == "JPEG" and is_red(out.getpixel((50, 100)))  # the first (main) picture


def test_heic_accepted_and_stripped():
    pillow_heif = photos.pillow_heif
    if pillow_heif is None:
        pytest.skip("pillow-heif is not installed")
    assert "HEIF" in photos.ALLOWED_FORMATS
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = MAKE
    buf = io.BytesIO()
    pillow_heif.from_pillow(half_red((320, 160))).save(buf, quality=90, exif=exif.tobytes())
    src = buf.getvalue()
    assert src[4:12] == b"ftypheic" and MAKE.encode() in src
    photo = process_photo(src)
    out = opened(photo.content)
    assert out.format == "JPEG" and out.size == (320, 160)
    assert is_red(out.getpixel((40, 80))) and is_blue(out.getpixel((280, 80)))
    assert MAKE.encode() not in photo.content and dict(out.getexif()) == {}
    assert rejected(src[: len(src) - 10]) == INVALID  # truncated HEIC
    corrupt = bytearray(src)
    corrupt[src.index(b"ispe") + 8] = 0xC0  # width in the header: 3 billion pixels
    assert rejected(bytes(corrupt)) in (INVALID, TOO_LARGE)


# --- result fields ------------------------------------------------------------------------------


def test_result_fields():
    photo = process_photo(encode(noisy((2000, 1000)), "JPEG"))
    assert isinstance(photo, Photo)
    assert photo.sha256 == hashlib.sha256(photo.content).hexdigest()
    assert photo.sha256 != hashlib.sha256(photo.thumbnail).hexdigest()
    assert photo.content_type == "image/jpeg"
    assert photo.content.startswith(b"\xff\xd8") and photo.thumbnail.startswith(b"\xff\xd8")
    assert max(opened(photo.thumbnail).size) == THUMB_SIDE
    with pytest.raises(AttributeError):
        photo.sha256 = "0" * 64  # frozen


def test_output_is_deterministic():
    src = encode(noisy((500, 400)), "PNG")
    assert process_photo(src).sha256 == process_photo(src).sha256


# --- rejections ---------------------------------------------------------------------------------


def test_empty_upload():
    assert issubclass(PhotoRejected, ValueError)
    assert rejected(b"") == "没有收到照片内容"


def test_over_size_limit_is_checked_before_anything_else():
    assert rejected(b"\xff\xd8" + b"\x00" * (10 * 1024 * 1024 - 1)) == "照片不能超过10MB"
    small = encode(noisy((200, 200)), "PNG")
    assert rejected(small, max_bytes=len(small) - 1).startswith("照片不能超过")
    assert rejected(b"x" * 600_000, max_bytes=512 * 1024) == "照片不能超过0.5MB"
    assert rejected(b"x" * 3000, max_bytes=2048) == "照片不能超过2KB"
    assert process_photo(small, max_bytes=len(small)).width == 200  # the limit itself is allowed


def _not_photos() -> dict[str, bytes]:
    jpeg = encode(noisy(), "JPEG", quality=95)
    return {
        "html named .jpg": b"<html><body><script>alert('shoudi')</script></body></html>",
        "svg": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>',
        "pdf": b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
        "gif": encode(half_red(), "GIF"),
        "bmp": encode(half_red(), "BMP"),
        "tiff": encode(half_red(), "TIFF"),
        "ico": encode(half_red((64, 64)), "ICO"),
        "truncated jpeg": jpeg[: len(jpeg) // 2],
        "jpeg header only": jpeg[:200],
        "random bytes": random.Random(42).randbytes(5000),
        "zip": b"PK\x03\x04" + random.Random(1).randbytes(500),
        "png header only": png(100, 100),
    }


@pytest.mark.parametrize("name", list(_not_photos()))
def test_not_a_photo_is_rejected(name):
    data = _not_photos()[name]
    message = rejected(data)
    assert message == INVALID
    # the message quotes neither the upload nor any name
    assert name not in message and "shoudi" not in message and "svg" not in message and "PDF" not in message


def test_other_decoders_never_see_the_upload(monkeypatch):
    """Only the allowed decoders parse untrusted bytes (not just a format check after the fact)."""
    from PIL import BmpImagePlugin, GifImagePlugin

    seen = []

    def spying(real_open):
        def _open(self):
            seen.append(type(self).__name__)
            return real_open(self)
        return _open

    for plugin in (GifImagePlugin.GifImageFile, BmpImagePlugin.BmpImageFile):
        monkeypatch.setattr(plugin, "_open", spying(plugin._open))
    assert rejected(encode(half_red(), "GIF")) == INVALID
    assert rejected(encode(half_red(), "BMP")) == INVALID
    assert seen == []


def test_truncated_jpeg_fixture_is_otherwise_valid():
    jpeg = encode(noisy(), "JPEG", quality=95)
    assert process_photo(jpeg).width == 400  # so it is the cut that gets the half rejected


def test_decompression_bomb_is_rejected_before_decoding(monkeypatch):
    bomb = png(8000, 8000, pixels=True)  # 64 megapixels of black in ~64 kB
    assert len(bomb) < 200_000
    loads = []
    real_load = ImageFile.ImageFile.load

    def spy(self):
        loads.append(self.size)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    assert rejected(bomb) == TOO_LARGE
    assert loads == []  # refused from the header: no pixels were decoded
    # Pillow's own limits (2x MAX_IMAGE_PIXELS raises; above it, a warning made an error)
    assert rejected(png(20000, 20000), max_pixels=10**12) == TOO_LARGE
    assert rejected(png(10000, 10000), max_pixels=10**12) == TOO_LARGE
    assert rejected(png(20000, 20000)) == TOO_LARGE
    assert loads == []


def test_bomb_fixture_is_a_real_image():
    """Control for the test above: with a higher limit the same file decodes, so the limit rejects it."""
    photo = process_photo(png(8000, 8000, pixels=True), max_pixels=64_000_000)
    assert (photo.width, photo.height) == (1600, 1600)
    assert opened(photo.content).getpixel((800, 800))[0] < 10
    with pytest.raises(PhotoRejected, match=TOO_LARGE):
        process_photo(encode(noisy((100, 100)), "PNG"), max_pixels=9_999)


@pytest.mark.parametrize(
    "error, message",
    [(struct.error("x"), INVALID), (TypeError("x"), INVALID), (EOFError("x"), INVALID),
     (RuntimeError("x"), INVALID), (IndexError("x"), INVALID), (KeyError("x"), INVALID),
     (ZeroDivisionError(), INVALID), (MemoryError(), TOO_LARGE)],
)
def test_any_decoder_failure_becomes_photo_rejected(monkeypatch, error, message):
    """Fuzzing shows Pillow and pillow-heif raise more than OSError/ValueError on corrupt files."""
    def broken_load(self):
        raise error

    monkeypatch.setattr(ImageFile.ImageFile, "load", broken_load)
    assert rejected(encode(half_red(), "PNG")) == message


def test_corrupted_photos_raise_only_photo_rejected():
    rng = random.Random(2026)
    formats = sorted(photos.ALLOWED_FORMATS)  # HEIF too, when pillow-heif is installed
    sources = [encode(noisy((120, 90)), fmt) for fmt in formats]
    outcomes = set()
    for _ in range(150):
        data = bytearray(rng.choice(sources))
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            process_photo(bytes(data))
            outcomes.add("ok")
        except PhotoRejected as exc:
            assert str(exc) in (INVALID, TOO_LARGE)
            outcomes.add("rejected")
    assert outcomes == {"ok", "rejected"}  # the corpus exercised both paths


# --- large phone photos ----------------------------------------------------------------------------

@pytest.mark.parametrize("width, height", [(4608, 3456), (6000, 4000)], ids=["16MP", "24MP"])
def test_a_large_phone_photo_is_decoded_at_reduced_size_and_processed_correctly(monkeypatch, width, height):
    """libjpeg's DCT scaling (draft mode) decodes a 16 or 24 MP JPEG at half size: the photo is
    still upright, the right colours and 1600 px on its long side, from a quarter of the pixels."""
    from PIL import JpegImagePlugin

    from files_support import photo as phone_photo
    decoded_sizes = []
    real_load = JpegImagePlugin.JpegImageFile.load

    def spying_load(self):
        decoded_sizes.append(self.size)
        return real_load(self)
    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", spying_load)

    src = phone_photo(width, height, orientation=6)  # stored sideways, as phones do
    assert len(src) < photos.MAX_BYTES
    photo = process_photo(src)
    assert (photo.width, photo.height) == (round(1600 * height / width), 1600)  # turned upright
    assert decoded_sizes[0] == (width // 2, height // 2)  # half of each side: a quarter of the pixels
    out = opened(photo.content)
    assert out.size == (photo.width, photo.height) and not out.getexif()
    assert max(opened(photo.thumbnail).size) == THUMB_SIDE
