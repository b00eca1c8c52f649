"""Plain text: today's careful decoding (UTF-8, a BOM, GB18030), moved here as one reader among others.

Chinese government documents arrive as UTF-8 (with or without a BOM), as
GB18030 (Windows-era exports) and with CRLF line ends. We decode strictly, so
that mojibake never reaches the graph, and refuse empty or binary files with an
error that names the file and line. Lines are split on ``\\n``, ``\\r\\n`` and
``\\r`` only: U+2028, U+0085, VT, FF and the other characters
:meth:`str.splitlines` also breaks on are text, kept verbatim, so line numbers
agree with every editor. A plain text's line is its place: no blocks, no locators.
"""

from __future__ import annotations

import codecs
import hashlib
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

def read(path: Path, data: bytes) -> SourceText:
    """The reader's contract (:mod:`policykg.ingest.formats`): ``data`` decoded and split into lines."""
    text, encoding = decode_bytes(data, str(path))
    lines = split_lines(text)
    if not any(line.strip() for line in lines):
        raise InputError("file has no text (empty or only blank lines)", path=str(path), line=1,
                         hint="pass a policy document in UTF-8 or GB18030")
    return SourceText(path=str(path), name=path.name, encoding=encoding,
                      sha256=hashlib.sha256(data).hexdigest(), lines=tuple(lines))


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


def split_lines(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines
