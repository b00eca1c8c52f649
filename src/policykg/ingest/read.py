"""Read a policy document from disk: the edge where a file meets the build.

This is where anything on a disk meets the build, so it refuses what is not a
document before reading it, with one :class:`InputError` each: a folder, a
FIFO, a device or a socket is never opened for reading (a FIFO would hang the
build, ``/dev/zero`` would fill memory); a file or sidecar is read in bounded
chunks up to a size limit; a name that cannot be a document id (``.``, ``..``,
too long to leave room for the names derived from it) is refused.

The bytes are then handed to the reader that fits them
(:mod:`policykg.ingest.formats`: plain text, a portal page, a Word file, a PDF
…), and the document gets what only the file system knows: its name, the hash
of its bytes and its sidecar.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
from pathlib import Path

from policykg.errors import InputError
from policykg.files import read_regular
from policykg.ingest.formats import read_document, with_file_facts
from policykg.ingest.formats.text import decode_bytes, split_lines  # noqa: F401 (moved there; still importable here)
from policykg.model import SourceText

#: The largest document read. Policy documents are kilobytes to a few megabytes; a larger
#: file (a dump, a log, ``/dev/zero`` behind a link) would exhaust memory before being refused.
MAX_SOURCE_BYTES = 64 << 20
#: The largest sidecar read: room for a collection that stores the page's HTML beside the metadata.
MAX_SIDECAR_BYTES = 16 << 20
#: The longest file name (UTF-8 bytes, without the extension) that can be a document id: the
#: names derived from it (``NAME.meta.json``, ``NAME.source.html``) must fit the file system's
#: 255-byte limit, and ``docs/<id>/`` must stay a name a person can read.
MAX_ID_BYTES = 200


def read_source(path: str | Path) -> SourceText:
    """Read ``path`` with the reader its bytes call for; a text is decoded and split into lines.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> _ = open(p, "wb").write("附件\\r\\n任务清单\\r\\n".encode("gb18030"))
    >>> src = read_source(p)
    >>> src.encoding, src.lines, src.format
    ('gb18030', ('附件', '任务清单'), 'text')
    """
    path = Path(path)
    check_document_name(path)
    data = read_capped(path, MAX_SOURCE_BYTES)
    source = read_document(path, data)
    return with_file_facts(source, name=readable_name(path.name), sha256=hashlib.sha256(data).hexdigest(),
                           sidecar=sidecar(path))


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
    """The bytes of the regular file ``path``, at most ``limit``: :func:`policykg.files.read_regular`."""
    return read_regular(path, what, limit)


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
    candidate = sidecar_path(path)
    if candidate is None:
        return ()
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


def sidecar_path(path: Path) -> Path | None:
    """The sidecar :func:`sidecar` reads for ``path`` (``NAME.meta.json`` before ``NAME.src.json``), or None.

    One function for the reader and for the build's reuse (:func:`policykg.kg.manifest.plan`), which keys
    a document on its sidecar's bytes too: a sidecar added later must rebuild the document it describes.
    """
    for suffix in (".meta.json", ".src.json"):
        candidate = path.with_name(path.stem + suffix)
        try:
            os.stat(candidate)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:   # no file can have that name: the document's own name is refused later
                continue
            raise InputError(f"cannot read the sidecar: {exc.strerror or exc}", path=str(candidate)) from None
        return candidate
    return None
