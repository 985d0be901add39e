"""Evidence files checked for what they claim to be: PDFs parsed (broken, encrypted or scripted
ones refused), images decoded and re-encoded (truncated, polyglot and magic-only ones refused,
hidden bytes and metadata dropped). Real files, written by the tests."""
from __future__ import annotations

import io
import zlib

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from files_support import image, pdf, pdf_with_object_stream
from services.platform.documents import MSG_ACTIVE, MSG_BROKEN, MSG_ENCRYPTED, check_pdf
from services.platform.uploads import EVIDENCE_MAX_BYTES, FileRejected, check_evidence

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def rejected(data: bytes, label: str = "会议记录") -> str:
    with pytest.raises(FileRejected) as info:
        check_evidence(data, label)
    return str(info.value)


def _pypdf(build) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _open_with_script(writer: PdfWriter) -> None:
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('x');")}))


# --- PDFs ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("data", [
    pdf(), pdf(pages=3), pdf(catalog="/OpenAction [10 0 R /Fit]"),  # open at page 1: a plain destination
    pdf(page="/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (https://gov.cn) >> >>]"),
    _pypdf(lambda w: None),
], ids=["plain", "three-pages", "open-at-page", "link", "pypdf"])
def test_well_formed_pdfs_are_kept_as_sent(data):
    assert check_evidence(data).content == data and check_evidence(data).content_type == "application/pdf"


def test_a_pdf_made_by_pillow_is_a_pdf_too():
    out = io.BytesIO()
    Image.new("RGB", (200, 280), "white").save(out, "PDF")
    assert check_pdf(out.getvalue()) == 1


@pytest.mark.parametrize("data", [
    pdf(catalog="/OpenAction 100 0 R", objects=("<< /S /JavaScript /JS (app.alert(1)) >>",)),
    pdf(catalog="/Names << /JavaScript 100 0 R >>",
        objects=("<< /Names [(a) 101 0 R] >>", "<< /S /JavaScript /JS (this.print()) >>")),
    pdf(catalog="/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"),  # names spelt in hex
    pdf(catalog="/OpenAction << /S /Launch /F (cmd.exe) >>"),
    pdf(page="/AA << /O << /S /GoTo /D [10 0 R /Fit] >> >>"),  # any automatic action
    pdf(catalog="/Names << /EmbeddedFiles << /Names [(a.exe) 100 0 R] >> >>",
        objects=("<< /Type /Filespec /F (a.exe) /EF << /F 101 0 R >> >>", "<< /Type /EmbeddedFile /Length 0 >>\nstream\n\nendstream")),
    pdf(catalog="/AcroForm << /Fields [] /XFA 100 0 R >>", objects=("<< /Length 0 >>\nstream\n\nendstream",)),
    pdf(catalog="/OpenAction << /S /SubmitForm /F (https://evil.example) >>"),
    pdf(objects=("<< /S /JavaScript /JS (app.alert(1)) >>",)),  # listed but referred to by nothing
    _pypdf(_open_with_script),
    _pypdf(lambda w: w.add_attachment("readme.txt", b"hello")),
], ids=["open-action-js", "names-tree-js", "hex-names", "launch", "page-aa", "embedded-file", "xfa",
        "submit-form", "orphan-js", "pypdf-js", "pypdf-attachment"])
def test_pdfs_that_can_act_or_carry_files_are_refused(data):
    assert rejected(data) == "会议记录" + MSG_ACTIVE


@pytest.mark.parametrize("refer", [True, False], ids=["opened", "referred-to-by-nothing"])
def test_a_script_hidden_in_a_compressed_object_stream_is_found(refer):
    """PDF 1.5 keeps objects in compressed streams: the script is invisible in the raw bytes."""
    data = pdf_with_object_stream("<< /S /JavaScript /JS (app.alert(1)) >>", refer=refer)
    assert b"JavaScript" not in data
    assert rejected(data) == "会议记录" + MSG_ACTIVE
    assert check_pdf(pdf_with_object_stream("<< /S /GoTo /D [3 0 R /Fit] >>", refer=refer)) == 1


@pytest.mark.parametrize("data", [
    pdf()[:200], pdf()[:-40], b"%PDF-1.4\n% test paper\n%%EOF\n", b"%PDF-1.7\n" + b"\x00" * 4000 + b"\n%%EOF\n",
    b"%PDF-", b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 1 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
    pdf().replace(b"/Type /Pages", b"/Type /Nonsense"), pdf().replace(b"/Kids [10 0 R]", b"/Kids [77 0 R]"),
    pdf().replace(b"/Kids [10 0 R]", b"/Kids [2 0 R]"),
    b"%PDF-1.4\n" + HTML + b"\n%%EOF\n",
], ids=["cut-early", "cut-before-eof", "header-only", "zeros", "magic-only", "self-referring-pages",
        "no-page-tree", "missing-page", "page-tree-loop", "html"])
def test_broken_pdfs_are_refused(data):
    message = rejected(data)
    assert message.startswith("会议记录") and ("无法打开" in message or "没有任何页面" in message)


def test_an_encrypted_pdf_is_refused_since_it_cannot_be_looked_into():
    data = _pypdf(lambda w: w.encrypt("secret", algorithm="AES-128"))
    assert PdfReader(io.BytesIO(data)).is_encrypted
    assert rejected(data) == "会议记录" + MSG_ENCRYPTED


def test_messages_are_plain_chinese():
    assert "PDF" in MSG_ACTIVE and "无法打开" in MSG_BROKEN


# --- images --------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt, content_type", [("JPEG", "image/jpeg"), ("PNG", "image/png")])
def test_images_are_decoded_and_re_encoded_in_their_own_format(fmt, content_type):
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways
    exif[0x010F] = "PhoneMaker"
    data = image(fmt, (800, 600), exif=exif)
    checked = check_evidence(data)
    assert checked.content_type == content_type and checked.content != data
    out = Image.open(io.BytesIO(checked.content))
    assert out.format == fmt and out.size == (600, 800)  # turned upright
    assert not out.getexif() and b"PhoneMaker" not in checked.content


def test_a_large_scan_keeps_its_detail_up_to_4096_pixels():
    checked = check_evidence(image("JPEG", (2480, 3508), quality=80))  # A4 at 300 dpi
    assert Image.open(io.BytesIO(checked.content)).size == (2480, 3508)
    checked = check_evidence(image("PNG", (5000, 2000)))
    assert Image.open(io.BytesIO(checked.content)).size == (4096, 1638)


def test_bytes_hidden_after_a_real_image_never_reach_the_store():
    for fmt in ("PNG", "JPEG"):
        checked = check_evidence(image(fmt, (64, 48)) + HTML)
        assert b"<html" not in checked.content and b"script" not in checked.content
        assert Image.open(io.BytesIO(checked.content)).size == (64, 48)


@pytest.mark.parametrize("data", [
    b"\xff\xd8\xff",                                  # three bytes of JPEG magic
    b"\x89PNG\r\n\x1a\n" + HTML,                      # a PNG header followed by a web page
    b"\xff\xd8\xff\xe0" + HTML,                       # the same with a JPEG header
    image("JPEG", (800, 600))[:1500],                 # a truncated JPEG
    image("PNG", (800, 600))[:300],                   # a truncated PNG
    image("PNG", (64, 48)).replace(b"IDAT", b"IDAX"),  # a PNG without its pixel data
], ids=["jpeg-magic", "png-html-polyglot", "jpeg-html-polyglot", "truncated-jpeg", "truncated-png", "no-idat"])
def test_files_that_only_start_like_an_image_are_refused(data):
    assert rejected(data, "公示记录（照片）") == "公示记录（照片）已损坏或不是有效的图片，请重新拍照或扫描后上传"


def test_an_image_that_expands_to_gigabytes_is_refused_before_decoding():
    # A valid PNG header claiming 100,000 x 100,000 pixels, then a tiny compressed stream.
    import struct

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    bomb = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))
    assert rejected(bomb) == "会议记录图片尺寸过大，请缩小后上传"


@pytest.mark.parametrize("data, message", [
    (b"", "会议记录是空文件"),
    (b"GIF89a" + b"\x00" * 100, "会议记录只能是PDF、JPG或PNG文件"),
    (HTML, "会议记录只能是PDF、JPG或PNG文件"),
    (b"PK\x03\x04" + b"\x00" * 100, "会议记录只能是PDF、JPG或PNG文件"),
    (b"%PDF-" + b" " * EVIDENCE_MAX_BYTES, "会议记录每个文件不超过10MB"),
])
def test_other_files_are_refused_with_what_is_allowed(data, message):
    assert rejected(data) == message


def test_a_webp_named_like_a_jpeg_is_not_taken_as_one():
    """Only the decoder the first bytes name may read the file: a WebP is not an evidence type."""
    assert rejected(image("WEBP", (64, 48))) == "会议记录只能是PDF、JPG或PNG文件"
