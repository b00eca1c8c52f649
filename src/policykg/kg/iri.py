"""Mint every IRI in one place, deterministically, from the key of what it names.

Things local to a document hang under the document's IRI (task/3,
task/3/target/1 …). Things shared across documents — units, persons, phases,
referenced documents — are keyed by their canonical name (units and persons
within their jurisdiction, e.g. 乐清市), hashed to stable ASCII so that every
RDF tool, N-Triples included, reads them without escaping.

The one name taken from outside as it is — a document's id, its file name
without the extension — becomes a path segment through :func:`segment`, which
percent-encodes what an IRI cannot hold, so any file name gives a valid IRI
and a plain one gives the IRI it always gave.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from rdflib import URIRef

from policykg.model import DocumentHeader, LineSpan
from policykg.ingest.normalize import document_jurisdiction
from policykg.kg.terms import ID

#: What an IRI path segment holds as it is (RFC 3987 ``ipchar`` without ``%``): ASCII letters,
#: digits, ``-._~``, the sub-delimiters, ``:`` and ``@``, and the ``ucschar`` ranges (CJK among them).
_SEGMENT_ASCII = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@")
#: Bidirectional formatting characters, which RFC 3987 (section 4.1) keeps out of IRIs.
_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e")


def _ucschar(code: int) -> bool:
    """RFC 3987's ``ucschar``: planes 1–14 but each plane's last two code points, and but the
    tag block U+E0000–U+E0FFF (a hypothesis run found ``\U000e0000`` refused by Oxigraph)."""
    if code < 0x10000:
        return 0xA0 <= code <= 0xD7FF or 0xF900 <= code <= 0xFDCF or 0xFDF0 <= code <= 0xFFEF
    return code < 0xF0000 and code & 0xFFFF <= 0xFFFD and not 0xE0000 <= code <= 0xE0FFF


def segment(text: str) -> str:
    """``text`` as one IRI path segment: every character an IRI cannot hold, and ``/ ? # %``,
    percent-encoded (UTF-8), the rest kept — Chinese stays readable.

    >>> segment("000_4cdbba2a142b4d11"), segment("通知（2023）"), segment('a b"#%/')
    ('000_4cdbba2a142b4d11', '通知（2023）', 'a%20b%22%23%25%2F')
    """
    return "".join(ch if ch in _SEGMENT_ASCII or (_ucschar(ord(ch)) and ch not in _BIDI)
                   else quote(ch, safe="", errors="backslashreplace") for ch in text)


def digest(*parts: str, length: int = 12) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:length]


class Minter:
    """IRIs for one document's graph.

    Units and persons are keyed within the document's jurisdiction; where none
    can be told (an extract with no issuer), within the document itself, so
    that two such documents never merge their 市发改委s by accident.
    """

    def __init__(self, header: DocumentHeader, sha256: str = "") -> None:
        self.place = document_jurisdiction(header) or f"doc:{sha256[:16]}"
        issued = header.issued.isoformat() if header.issued else "undated"
        self.doc = ID[f"doc/{issued}-{digest(header.issuer or '', header.title, length=8)}"]

    def record(self, key: int) -> URIRef:
        return self._local("record", key)

    def _local(self, *path: object) -> URIRef:
        return URIRef(str(self.doc) + "/" + "/".join(str(p) for p in path))

    def task_list(self) -> URIRef:
        return self._local("task-list")

    def task(self, number: int) -> URIRef:
        return self._local("task", number)

    def target(self, task: int, ordinal: int) -> URIRef:
        return self._local("task", task, "target", ordinal)

    def measure(self, task: int, ordinal: int) -> URIRef:
        return self._local("task", task, "measure", ordinal)

    def quantity(self, owner: URIRef, ordinal: int) -> URIRef:
        return URIRef(f"{owner}/quantity/{ordinal}")

    def responsibility(self, owner: URIRef, position: int) -> URIRef:
        return URIRef(f"{owner}/responsibility/{position}")

    def goal(self, ordinal: int) -> URIRef:
        return self._local("goal", ordinal)

    def narrative(self, pillar: int, ordinal: int) -> URIRef:
        return self._local("narrative", f"{pillar}-{ordinal}")

    def task_link(self, narrative: URIRef, task: int) -> URIRef:
        return URIRef(f"{narrative}/link/{task}")

    def pillar(self, number: int) -> URIRef:
        return self._local("pillar", number)

    def pillar_scheme(self) -> URIRef:
        return self._local("pillars")

    def section(self, number: int) -> URIRef:
        return self._local("section", number)

    def provision(self, section: int, ordinal: int) -> URIRef:
        return self._local("section", section, "provision", ordinal)

    def span(self, span: LineSpan) -> URIRef:
        return self._local("lines", f"{span.start}-{span.end}")

    def source_file(self, sha256: str) -> URIRef:
        return ID[f"source/{sha256[:16]}"]

    def unit(self, key: str) -> URIRef:
        return ID[f"org/{digest(self.place, key)}"]

    def person(self, name: str) -> URIRef:
        return ID[f"person/{digest(self.place, name)}"]

    @staticmethod
    def phase(start: int | None, end: int | None) -> URIRef:
        if end is None:
            return ID["phase/ongoing" if start is None else f"phase/{start}-ongoing"]
        return ID[f"phase/{start or end}-{end}"]

    @staticmethod
    def area(name: str) -> URIRef:
        return ID[f"place/{digest(name)}"]

    @staticmethod
    def year(year: int) -> URIRef:
        return ID[f"year/{year}"]

    @staticmethod
    def work(title: str) -> URIRef:
        return ID[f"work/{digest(title)}"]

    @staticmethod
    def unit_type(slug: str) -> URIRef:
        return ID[f"unit-type/{slug}"]
