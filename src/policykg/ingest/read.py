"""Read a policy document from disk into decoded lines.

Chinese government documents arrive as UTF-8 (with or without a BOM), as
GB18030 (Windows-era exports) and with CRLF line ends. We decode strictly, so
that mojibake never reaches the graph, and refuse empty or binary files with an
error that names the file and line.

This is the edge where anything on a disk meets the build, so it refuses what
is not a document before reading it, with one :class:`InputError` each: a
folder, a FIFO, a device or a socket is never opened for reading (a FIFO would
hang the build, ``/dev/zero`` would fill memory); a file or sidecar is read in
bounded chunks up to a size limit; a name that cannot be a document id (``.``,
``..``, too long to leave room for the names derived from it) is refused.
Lines are split on ``\n``, ``\r\n`` and ``\r`` only: U+2028, U+0085, VT, FF
and the other characters :meth:`str.splitlines` also breaks on are text, kept
verbatim, so line numbers agree with every editor.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import stat
from pathlib import Path

from policykg.errors import InputError
from policykg.model import SourceText

#: Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: The largest document read. Policy documents are kilobytes to a few megabytes; a larger
#: file (a dump, a log, ``/dev/zero`` behind a link) would exhaust memory before being refused.
MAX_SOURCE_BYTES = 64 << 20
#: The largest sidecar read: room for a collection that stores the page's HTML beside the metadata.
MAX_SIDECAR_BYTES = 16 << 20
#: The longest file name (UTF-8 bytes, without the extension) that can be a document id: the
#: names derived from it (``NAME.meta.json``, ``NAME.source.html``) must fit the file system's
#: 255-byte limit, and ``docs/<id>/`` must stay a name a person can read.
MAX_ID_BYTES = 200
_CHUNK = 1 << 20
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def read_source(path: str | Path) -> SourceText:
    """Decode ``path`` and split it into lines (line ends removed).

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> _ = open(p, "wb").write("附件\\r\\n任务清单\\r\\n".encode("gb18030"))
    >>> src = read_source(p)
    >>> src.encoding, src.lines
    ('gb18030', ('附件', '任务清单'))
    """
    path = Path(path)
    check_document_name(path)
    data = read_capped(path, MAX_SOURCE_BYTES)
    text, encoding = decode_bytes(data, str(path))
    lines = _split_lines(text)
    if not any(line.strip() for line in lines):
        raise InputError("file has no text (empty or only blank lines)", path=str(path), line=1,
                         hint="pass a policy document in UTF-8 or GB18030")
    return SourceText(path=str(path), name=readable_name(path.name), encoding=encoding,
                      sha256=hashlib.sha256(data).hexdigest(), lines=tuple(lines), metadata=sidecar(path))


def readable_name(name: str) -> str:
    r"""A file name as text: bytes that are not UTF-8 (kept by Python as lone surrogates, which no
    UTF-8 output can hold) are written ``\xNN``; everything else is kept as it is.

    >>> readable_name("通知.txt"), readable_name(os.fsdecode(b"a\xe9.txt"))
    ('通知.txt', 'a\\xe9.txt')
    """
    try:
        raw = name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:            # a surrogate that no file name's bytes give (from a message)
        return name.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")


def check_document_name(path: Path) -> None:
    """Refuse a file whose name cannot be a document id (the id is the name without its extension)."""
    stem = path.stem
    if stem in ("", ".", ".."):
        raise InputError(f"the file name gives no usable document id ({stem!r})", path=str(path),
                         hint="document ids are file names without the extension: rename the file")
    size = len(os.fsencode(stem))
    if size > MAX_ID_BYTES:
        raise InputError(f"file name too long for a document id ({size} bytes before the extension, "
                         f"at most {MAX_ID_BYTES})", path=str(path), hint="rename the file")


def read_capped(path: Path, limit: int, what: str = "file") -> bytes:
    """The bytes of the regular file ``path``, read in bounded chunks; at most ``limit`` of them.

    Anything else is refused before it is opened for reading (``os.stat`` first), and opened
    with ``O_NONBLOCK`` and checked again, so a file swapped for a FIFO in between cannot hang us.
    """
    try:
        _check_regular(os.stat(path).st_mode, path, what)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror or exc}", path=str(path)) from None
    try:
        info = os.fstat(fd)
        _check_regular(info.st_mode, path, what)
        chunks, total = [], 0
        while total <= limit and info.st_size <= limit and (chunk := os.read(fd, _CHUNK)):
            total += len(chunk)          # the size can grow while we read: counted, not trusted
            chunks.append(chunk)
        if total > limit or info.st_size > limit:
            raise InputError(f"{what} too large (over {limit >> 20} MiB)", path=str(path), hint="is it the right file?")
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror or exc}", path=str(path)) from None
    finally:
        os.close(fd)


def _check_regular(mode: int, path: Path, what: str) -> None:
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        raise InputError(f"cannot read {what}: it is {kind}, not a regular file", path=str(path),
                         hint="pass a text file")


SIDECAR_KEYS = ("title", "issuer", "date", "doc_number")
_REMARK = re.compile(r"\s+[(\[].*$")      # 「济南市人民政府 (per dataset)」: a collector's remark, not the name


def sidecar(path: Path) -> tuple[tuple[str, str], ...]:
    """Metadata a collection ships beside a text (``NAME.src.json`` or ``NAME.meta.json``).

    Exports often drop the header (no issuer, no date, no title line); a
    collection usually knows them. Only plain string values of the known keys
    are taken, a bracketed remark in them is dropped, and malformed JSON is
    ignored: the text stays the source of truth. A sidecar that cannot be read
    safely — not a regular file, unreadable, over :data:`MAX_SIDECAR_BYTES`,
    nested deeper than Python can parse — is an :class:`InputError` naming it:
    building on without it would silently drop metadata the collection meant to give.
    """
    for suffix in (".meta.json", ".src.json"):
        candidate = path.with_name(path.stem + suffix)
        try:
            os.stat(candidate)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            raise InputError(f"cannot read the sidecar: {exc.strerror or exc}", path=str(candidate)) from None
        raw = read_capped(candidate, MAX_SIDECAR_BYTES, "sidecar")
        try:
            data = json.loads(raw.decode("utf-8"))
        except ValueError:
            return ()
        except RecursionError:
            raise InputError("sidecar nested too deeply to read", path=str(candidate),
                             hint="a sidecar is a flat JSON object: title, issuer, date, doc_number") from None
        if not isinstance(data, dict):
            return ()
        return tuple((k, _REMARK.sub("", data[k]).strip())
                     for k in SIDECAR_KEYS if isinstance(data.get(k), str) and data[k].strip())
    return ()


def decode_bytes(data: bytes, path: str) -> tuple[str, str]:
    """Return ``(text, encoding)``; raise :class:`InputError` naming the line."""
    if not data:
        raise InputError("file is empty", path=path, line=1,
                         hint="pass a policy document in UTF-8 or GB18030")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _strict(data, encoding, path), encoding
    if b"\x00" in data:
        raise InputError("file looks binary (NUL byte)", path=path, line=_line_of(data, data.index(b"\x00")),
                         hint="pass a text file")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        if utf8_error.reason == "unexpected end of data" and utf8_error.end == len(data):
            raise InputError("UTF-8 text cut off inside a character at the end of the file (truncated?)",
                             path=path, line=_line_of(data, utf8_error.start),
                             hint="the file may be incomplete: copy it again") from utf8_error
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise InputError("not UTF-8 and not GB18030 text", path=path,
                             line=_line_of(data, utf8_error.start),
                             hint="re-save the file as UTF-8") from utf8_error
        if not _looks_like_text(text):
            raise InputError("file looks binary (control characters)", path=path,
                             line=_line_of(data, utf8_error.start), hint="pass a text file")
        return text, "gb18030"


def _strict(data: bytes, encoding: str, path: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"invalid {encoding} byte", path=path, line=_line_of(data, exc.start)) from exc


def _looks_like_text(text: str) -> bool:
    """GB18030 decodes almost any byte soup; real text has few control characters."""
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
    return controls <= max(2, len(text) // 200)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _split_lines(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines
