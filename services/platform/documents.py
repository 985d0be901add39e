"""PDF files attached to case steps: parsed with pypdf, refused when broken or able to act.

Staff attach scans of minutes, notices and signed forms. A file that only starts with ``%PDF``
proves nothing, so the whole file is parsed: its cross-reference table (rebuilt by pypdf where a
scanner wrote it slightly wrong), its catalogue and every page. Then every object in it, whether
a page refers to it or not, is looked at for what a reader could be made to run or open:
JavaScript, launch and import actions, actions triggered on open or on any event (``/AA``),
embedded files, rich media and XFA forms. A file with any of them is refused; a scanner or an
office suite never writes them into a plain document, and a person can print and rescan. An
encrypted file cannot be looked into and is refused too.

The file is kept as it was sent (its signature lines and stamps untouched); nothing is rewritten.
Pure helper: bytes in, a verdict out. No Flask here.
"""
from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

logger = logging.getLogger(__name__)
# pypdf warns about every small defect it repairs; those lines say nothing we act on.
logging.getLogger("pypdf").setLevel(logging.ERROR)

MAX_OBJECTS = 500_000  # dictionaries and arrays: far more than any scan or report holds

# Keys whose mere presence means the document can act or carries other files.
ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/AA", "/Launch", "/EmbeddedFile", "/EmbeddedFiles",
                         "/RichMedia", "/RichMediaContent", "/XFA"})
# Action types (``/S``) that run code, start programs, or send or fetch data.
ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/GoToE", "/ImportData", "/SubmitForm",
                            "/RichMediaExecute", "/Rendition"})

# Found in the raw bytes too (outside compressed streams): long enough never to occur by chance.
_RAW_MARKERS = (b"/JavaScript", b"/Launch")

MSG_BROKEN = "已损坏或不完整，无法打开，请重新扫描或导出后上传"
MSG_ACTIVE = "含有脚本、自动操作或嵌入的文件，不能上传；请打印后重新扫描，或另存为普通PDF后上传"
MSG_ENCRYPTED = "设有密码或已加密，请上传没有密码的PDF"
MSG_NO_PAGES = "没有任何页面，请检查文件"


class PdfRejected(ValueError):
    """The PDF cannot be kept. ``str(exc)`` completes a sentence about the file (its label first)."""


def check_pdf(data: bytes) -> int:
    """Check a PDF for what it claims to be; the number of its pages, or ``PdfRejected``."""
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise PdfRejected(MSG_BROKEN)  # not a PDF, or cut short (the end marker is gone)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise PdfRejected(MSG_ENCRYPTED)
        pages = len(reader.pages)
        for page in reader.pages:
            page.mediabox  # each page must be a real page object with its size
        active = _active_content(reader)
    except PdfRejected:
        raise
    except RecursionError:
        raise PdfRejected(MSG_BROKEN) from None
    except Exception as exc:  # pypdf raises PdfReadError, ValueError, KeyError, TypeError... on bad data
        logger.info("pdf rejected: %s", type(exc).__name__)  # the type only, never the content
        raise PdfRejected(MSG_BROKEN) from None
    if active is None and any(marker in data for marker in _RAW_MARKERS):
        active = "raw marker"  # an object the cross-reference hides, which a repairing reader would find
    if active:
        logger.info("pdf rejected: active content %s", active)
        raise PdfRejected(MSG_ACTIVE)
    if pages < 1:
        raise PdfRejected(MSG_NO_PAGES)
    return pages


def _numbered_objects(reader: PdfReader) -> list[IndirectObject]:
    """Every object the file's cross-reference lists: also those no page refers to."""
    refs = [IndirectObject(num, gen, reader) for gen, table in reader.xref.items() for num in table]
    refs += [IndirectObject(num, 0, reader) for num in reader.xref_objStm]
    return refs


def _active_content(reader: PdfReader) -> str | None:
    """The first key or action type that lets the document act, or None. Walks every object
    (numbered ones and those nested in them) once, without recursion, so a deep or circular
    structure can neither overflow the stack nor loop."""
    stack: list = [reader.trailer, *_numbered_objects(reader)]
    seen: set[tuple[int, int]] = set()
    walked = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            ref = (item.idnum, item.generation)
            if ref in seen:
                continue
            seen.add(ref)
            item = item.get_object()
        if isinstance(item, DictionaryObject):  # streams are dictionaries too; their data is not run
            for key in item.keys():
                if key in ACTIVE_KEYS:
                    return str(key)
            kind = item.get("/S")
            if isinstance(kind, IndirectObject):
                kind = kind.get_object()
            if isinstance(kind, NameObject) and kind in ACTIVE_ACTIONS:
                return str(kind)
            children = dict.values(item)  # unresolved: references are followed once
        elif isinstance(item, ArrayObject):
            children = item
        else:
            continue
        walked += 1
        if walked > MAX_OBJECTS:
            raise PdfRejected(MSG_BROKEN)
        stack.extend(child for child in children if isinstance(child, _CONTAINERS))
    return None


_CONTAINERS = (IndirectObject, DictionaryObject, ArrayObject)
