"""Read a policy document from disk into decoded lines.

Chinese government documents arrive as UTF-8 (with or without a BOM), as
GB18030 (Windows-era exports) and with CRLF line ends. We decode strictly, so
that mojibake never reaches the graph, and refuse empty or binary files with an
error that names the file and line.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from pathlib import Path

from .errors import InputError
from .model import SourceText

#: Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


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
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path=str(path)) from exc
    text, encoding = decode_bytes(data, str(path))
    lines = _split_lines(text)
    if not any(line.strip() for line in lines):
        raise InputError("file has no text (empty or only blank lines)", path=str(path), line=1,
                         hint="pass a policy document in UTF-8 or GB18030")
    return SourceText(path=str(path), name=path.name, encoding=encoding,
                      sha256=hashlib.sha256(data).hexdigest(), lines=tuple(lines), metadata=sidecar(path))


SIDECAR_KEYS = ("title", "issuer", "date", "doc_number")
_REMARK = re.compile(r"\s+[(\[].*$")      # 「济南市人民政府 (per dataset)」: a collector's remark, not the name


def sidecar(path: Path) -> tuple[tuple[str, str], ...]:
    """Metadata a collection ships beside a text (``NAME.src.json`` or ``NAME.meta.json``).

    Exports often drop the header (no issuer, no date, no title line); a
    collection usually knows them. Only plain string values of the known keys
    are taken, a bracketed remark in them is dropped, and a broken sidecar is
    ignored: the text stays the source of truth.
    """
    for suffix in (".meta.json", ".src.json"):
        candidate = path.with_name(path.stem + suffix)
        if candidate.is_file() and candidate.stat().st_size < 1 << 20:
            try:
                data = json.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return ()
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
