"""Readers of documents as published, registered by what a file *is*.

Analysts hold portal pages, Word files and PDFs, not ``.txt``. Each format has
one reader module here; :func:`read_document` picks it from the file's bytes
(its magic number or markup), the extension only breaking ties and naming what
a file claimed to be when its bytes are nothing we read. A new format is a new
module and a row of :data:`READERS`, never an ``if`` in the pipeline.

The contract of a reader (``policykg.ingest.formats.<module>``)
---------------------------------------------------------------
``read(path: pathlib.Path, data: bytes) -> SourceText``

* ``data`` is the whole file, already read (size-capped, special files refused)
  by :mod:`policykg.ingest.read`; ``path`` is for messages, and for a converter
  that must hand a file to another program (write ``data`` to a private
  temporary folder, never next to ``path``).
* It returns a :class:`~policykg.model.SourceText` whose ``lines`` are the
  document rendered in reading order — a paragraph per line (a line break inside
  it starts a new line), a table's cells as a flattened table has them: each
  cell's first line after a tab, its further lines below it, row by row; a cell
  covered by a vertical merge from above is a lone tab, as the ``.txt`` has it;
  ``blocks`` say which lines are a paragraph (:class:`TextBlock`) and which the
  cells of which table (:class:`TableBlock` of :class:`GridCell` with spans);
  ``locators`` give one :class:`Locator` per line. Build all three with
  :class:`policykg.ingest.formats.render.Rendering`, which keeps them in step.
* ``format``/``reader`` name what was read and how; ``metadata`` holds what the
  file says of itself (``title``, ``issuer``, ``date`` as ``YYYY-MM-DD``,
  ``doc_number``); ``attachments`` the files a page links (name, href);
  ``notes`` what the build should say (a converted .doc, a dropped page header);
  ``pages`` the page count of a paged format.
* ``name``, ``sha256`` and the sidecar are filled in here, by :func:`read_document`
  and :func:`policykg.ingest.read.read_source`: a reader leaves them as
  :meth:`Rendering.source` sets them.
* Bad input raises :class:`~policykg.errors.InputError` (or a subclass) naming
  the file, and the part or page where known, on one line. A reader never
  returns an empty document: no text at all is an error (a scanned PDF: "no text
  layer — needs OCR").
* Deterministic (the same bytes give the same lines), no network, nothing
  written outside a private temporary folder that is gone when ``read`` returns.

Modules are imported lazily by name, so a reader's dependencies (lxml,
pdfplumber, LibreOffice) load only for its format, and a module not yet present
(``pdf``) is a clean error, not an import failure at start-up.
"""

from __future__ import annotations

import importlib
import io
import re
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

from policykg.errors import InputError
from policykg.model import SourceText


@dataclass(frozen=True)
class Reader:
    """A registered reader: its name, the module that holds ``read``, the extensions it owns."""

    name: str
    module: str
    extensions: tuple[str, ...]
    what: str                      # what the file is, for messages: "a Word .docx file"


READERS: tuple[Reader, ...] = (
    Reader("pdf", "policykg.ingest.formats.pdf", (".pdf",), "a PDF file"),
    Reader("docx", "policykg.ingest.formats.docx", (".docx", ".docm", ".dotx"), "a Word .docx file"),
    Reader("office", "policykg.ingest.formats.office", (".doc", ".dot", ".wps", ".wpt", ".rtf", ".odt"),
           "a Word .doc, WPS, RTF or OpenDocument file"),
    Reader("html", "policykg.ingest.formats.html", (".html", ".htm", ".shtml", ".xhtml"), "a web page"),
    Reader("text", "policykg.ingest.formats.text", (".txt",), "a text file"),
)

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
#: Markup that only a web page starts with (after a BOM, blank space and comments).
_HTML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|"
                         rb"<\?xml[^>]*>\s*(?:<!doctype\s+html|<html))", re.I | re.S)
#: Elements whose presence early in a file marks a page even without ``<html>`` (a saved fragment).
_HTML_INSIDE = re.compile(rb"<(?:meta|body|div|p|table|title)[\s>/]", re.I)


def reader_named(name: str) -> Reader:
    return next(r for r in READERS if r.name == name)


def sniff(data: bytes, suffix: str) -> Reader:
    """The reader for ``data``: what the bytes are, else what the extension says.

    >>> sniff(b"%PDF-1.7 ...", ".txt").name, sniff(b"{\\\\rtf1\\\\ansi ...", ".doc").name
    ('pdf', 'office')
    >>> sniff(b"<!DOCTYPE html><html>", ".doc").name, sniff("通知".encode(), ".txt").name
    ('html', 'text')
    """
    head = data[:1024]
    suffix = suffix.lower()
    if b"%PDF-" in head:
        return reader_named("pdf")
    if data.startswith(_OLE2) or data.lstrip()[:5] == b"{\\rtf":
        return reader_named("office")
    if data.startswith(_ZIP):
        return reader_named(_zip_kind(data, suffix))
    if _HTML_START.match(head) or (suffix in reader_named("html").extensions and _HTML_INSIDE.search(head)):
        return reader_named("html")
    claimed = next((r for r in READERS if suffix in r.extensions), None)
    if claimed is not None and claimed.name not in ("text", "html") and data:
        return claimed              # a .docx that is not a zip: its reader says what is wrong with it
    return reader_named("text")


def _zip_kind(data: bytes, suffix: str) -> str:
    """Which zip: OOXML Word (``word/document.xml``), OpenDocument (``mimetype``), else what the name says."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" in names:
                return "docx"
            if "mimetype" in names and archive.read("mimetype").startswith(b"application/vnd.oasis.opendocument.text"):
                return "office"
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        pass                        # broken: the reader the name claims explains it (else text refuses it)
    claimed = next((r for r in READERS if suffix in r.extensions), None)
    return claimed.name if claimed is not None and claimed.name != "text" else "docx"


def read_document(path: Path, data: bytes) -> SourceText:
    """Read ``data`` (the bytes of ``path``) with the reader that fits them."""
    reader = sniff(data, path.suffix)
    try:
        module = importlib.import_module(reader.module)
    except ModuleNotFoundError as exc:
        if exc.name != reader.module:
            raise
        raise InputError(f"no reader for {reader.what} in this version of policykg", path=str(path),
                         hint="convert it to .docx or .txt") from None
    return module.read(path, data)


#: The metadata keys a file or a sidecar may give (the header's fallbacks).
METADATA_KEYS = ("title", "issuer", "date", "doc_number")


Pairs = tuple[tuple[str, str], ...]


def merge_metadata(sidecar: Pairs, own: Pairs) -> Pairs:
    """The sidecar's keys first, the file's own where the sidecar is silent.

    A sidecar is a collector's deliberate statement about the document (and can
    correct a portal's mislabelled field); the file's metadata is what its
    publisher's software wrote. Both only fill what the text does not say.

    >>> merge_metadata((("issuer", "甲"),), (("issuer", "乙"), ("date", "2021-09-15")))
    (('issuer', '甲'), ('date', '2021-09-15'))
    """
    first, second = dict(sidecar), dict(own)
    return tuple((k, v) for k in METADATA_KEYS if (v := first.get(k) or second.get(k)))


_ISSUING_NOTICE = re.compile(r"^.*?关于(?:印发|转发)《?(?P<title>[^《》]+?)》?的通知$")


def document_title(title: str) -> str:
    """The title a file's metadata gives, as the header would read it from a title line: the
    document a 印发 notice issues (a portal's 标题 and Word's title are often the notice's).

    >>> document_title("济南市人民政府关于印发加快数字化高质量发展打造数字先锋城市推进方案的通知")
    '加快数字化高质量发展打造数字先锋城市推进方案'
    >>> document_title("国务院关于做好当前和今后一个时期促进就业工作的若干意见")
    '国务院关于做好当前和今后一个时期促进就业工作的若干意见'
    """
    match = _ISSUING_NOTICE.match(title.strip())
    return match.group("title") if match else title.strip()


def with_file_facts(source: SourceText, *, name: str, sha256: str,
                    sidecar: tuple[tuple[str, str], ...]) -> SourceText:
    """The reader's document with what the file system knows: its name, its hash, its sidecar."""
    return replace(source, name=name, sha256=sha256, metadata=merge_metadata(sidecar, source.metadata))
