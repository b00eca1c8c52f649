"""Exports for spreadsheets: the responsibility matrix (``policykg export matrix``).

The **responsibility matrix** of a document is a unit × record table: one
column per responsibility record (``pkg:ResponsibilityRecord`` — a measure
closed by a note, a table row, a key task, a narrative measure), in document
order (first source line); one row per unit named in any record, in the order
the document first names them; a cell holds ``L`` (lead, 牵头), ``C``
(co-operating, 配合) or ``J`` (jointly responsible, 共同负责) — several letters
joined with ``/`` in the rare case one record gives a unit two roles.

Two header rows: record ids (``task/2``, ``record/12``, ``narrative/2-1``: the
local part of the record's IRI, as ``responsibilities.rq`` prints them) and a
short text of each record. The first columns of a unit row are the unit's name
as written in the document (spellings joined with `` / `` when it is written
several ways), its jurisdiction, and how many records it leads, co-operates on
and shares.

XLSX (openpyxl, the ``export`` extra): one sheet per document, named by its
short id (cut to Excel's 31 characters, made unique). CSV: one file per
document; ``excel=True`` starts it with a UTF-8 byte order mark so Excel on
Windows reads the Chinese.

Everything is read from the store through :mod:`policykg.kg.store` (Oxigraph),
never rdflib: this module is on the query path.
"""

from __future__ import annotations

import csv
import io
import re
from collections import namedtuple
from pathlib import Path

from policykg.errors import PolicyKGError
from policykg.kg.documents import Document, documents, find_document
from policykg.kg.store import execute, plain
from policykg.vocab import PKG_NS, sparql_prefixes

__all__ = ["ROLE_LETTERS", "Matrix", "Record", "matrix", "records", "sheet_name", "write_csv", "write_xlsx"]

_PREFIXES = sparql_prefixes(("pkg", "prov", "rdfs", "dcterms", "skos", "schema"))
#: ``pkg:LeadRole`` → ``L`` …: the letters of a matrix cell.
ROLE_LETTERS = {PKG_NS + "LeadRole": "L", PKG_NS + "CoRole": "C", PKG_NS + "JointRole": "J"}
ROLE_NAMES = {"L": "lead", "C": "co", "J": "joint"}
#: Display columns of a record's short text in the second header row.
SHORT_TEXT_WIDTH = 28
_LOCAL = re.compile(r"^.*/doc/[^/]+/")
#: What a sheet name cannot hold: Excel's ``[]:*?/\\``, and what XML cannot (a file name may carry it).
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_NUMBER = re.compile(r"(\d+)")

#: A responsibility as written: role letter, position, name as written, unit IRI, unit label, jurisdiction.
Responsibility = namedtuple("Responsibility", "role position written unit label jurisdiction")
#: A quantity of a record (or of a key task's targets): surface as written, value, unit as written, line.
Quantity = namedtuple("Quantity", "surface value unit line")


class Record(namedtuple("Record", "iri id doc text notation spans responsibilities deadlines due_dates quantities")):
    """A responsibility record with what the graph says of it; ``spans`` are ``(start, end)`` source lines."""

    @property
    def first_line(self) -> int:
        return min((a for a, _ in self.spans), default=0)

    @property
    def lines(self) -> set[int]:
        """Every source line the record was read from."""
        return {n for a, b in self.spans for n in range(a, b + 1)}

    def units(self, letter: str) -> list[str]:
        """Names as written of the units in role ``letter`` (``L``/``C``/``J``), in the order written."""
        return [r.written for r in sorted(self.responsibilities, key=lambda r: r.position) if r.role == letter]

    def short_text(self, width: int = SHORT_TEXT_WIDTH) -> str:
        from policykg.use.answers import clip_text
        text = self.text
        if self.notation and not text.startswith(self.notation):
            text = self.notation + text
        return clip_text(text, width)


Matrix = namedtuple("Matrix", "document records units cells")
"""``records``: the columns; ``units``: rows as ``(key, written names, jurisdiction, label)``;
``cells``: ``{(unit key, record id): "L"}``."""


def record_id(iri: str) -> str:
    """The record's place in its document: the IRI's local part after ``…/doc/<document>/``.

    >>> record_id("https://w3id.org/policykg/id/doc/2023-11-23-38e460d4/task/3")
    'task/3'
    """
    return _LOCAL.sub("", iri)


def _natural(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in _NUMBER.split(text))


def _select(store, text: str) -> list[list]:
    kind, _columns, rows = execute(store, _PREFIXES + text)
    assert kind == "select"
    return [[plain(term) for term in row] for row in rows]


def _values(var: str, iris: list[str] | None) -> str:
    if not iris:
        return ""
    return f"VALUES ?{var} {{ {' '.join(f'<{i}>' for i in iris)} }}"


def records(store, docs: list[str] | None = None) -> dict[str, list[Record]]:
    """Every responsibility record by document IRI, in document order (first line, then id).

    ``docs`` restricts to those document IRIs. Quantities are the record's own
    (``pkg:hasQuantity``) and, for a key task, its targets' quantities.
    """
    scope = _values("d", docs)
    base = f"{scope} ?r a pkg:ResponsibilityRecord ; pkg:inDocument ?d ."
    found: dict[str, dict] = {}
    for r, d, tx, ti, nt in _select(store, f"""
SELECT ?r ?d (SAMPLE(STR(?tx0)) AS ?tx) (SAMPLE(STR(?ti0)) AS ?ti) (SAMPLE(STR(?nt0)) AS ?nt)
WHERE {{ {base}
  OPTIONAL {{ ?r pkg:text ?tx0 }} OPTIONAL {{ ?r dcterms:title ?ti0 }} OPTIONAL {{ ?r skos:notation ?nt0 }}
}} GROUP BY ?r ?d"""):
        found[r] = {"iri": r, "id": record_id(r), "doc": d, "text": tx or ti or "", "notation": nt or "",
                    "spans": set(), "responsibilities": [], "deadlines": [], "due_dates": [], "quantities": []}
    for r, a, b in _select(store, f"""
SELECT ?r ?a ?b WHERE {{ {base} ?r prov:wasDerivedFrom ?sp . ?sp pkg:startLine ?a ; pkg:endLine ?b . }}"""):
        if r in found:
            found[r]["spans"].add((int(a), int(b)))
    for r, role, pos, written, unit, label, place in _select(store, f"""
SELECT ?r ?role ?pos (STR(?wn) AS ?written) ?u (SAMPLE(STR(?ul)) AS ?label) (SAMPLE(STR(?pl)) AS ?place)
WHERE {{ {base}
  ?r pkg:hasResponsibility ?x . ?x pkg:role ?role ; pkg:writtenName ?wn .
  OPTIONAL {{ ?x pkg:position ?pos }}
  OPTIONAL {{ ?x pkg:unit ?u .
             OPTIONAL {{ ?u skos:prefLabel ?ul }}
             OPTIONAL {{ ?u schema:areaServed ?area . ?area skos:prefLabel|rdfs:label ?pl }} }}
}} GROUP BY ?r ?x ?role ?pos ?wn ?u"""):
        if r in found and role in ROLE_LETTERS:
            found[r]["responsibilities"].append(Responsibility(ROLE_LETTERS[role], int(pos or 0), written,
                                                               unit or "", label or "", place or ""))
    for r, dl, dd, ph in _select(store, f"""
SELECT DISTINCT ?r (STR(?dl0) AS ?dl) (STR(?dd0) AS ?dd) (STR(?ph0) AS ?ph)
WHERE {{ {base}
  {{ ?r pkg:deadline ?dl0 }} UNION {{ ?r pkg:dueDate ?dd0 }}
  UNION {{ ?r pkg:phase ?phase . ?phase rdfs:label ?ph0 . FILTER(LANG(?ph0) IN ("", "zh")) }}
}}"""):
        if r not in found:
            continue
        for key, value in (("deadlines", dl or ph), ("due_dates", dd)):
            if value and value not in found[r][key]:
                found[r][key].append(value)
    for r, q, surface, value, unit, line in _select(store, f"""
SELECT ?r ?q (STR(?s) AS ?surface) ?v (STR(?ut) AS ?unit) (MIN(?l) AS ?line)
WHERE {{ {base}
  ?r pkg:hasQuantity|pkg:hasTarget/pkg:hasQuantity ?q . ?q pkg:surface ?s .
  OPTIONAL {{ ?q schema:value ?v }} OPTIONAL {{ ?q schema:unitText ?ut }}
  OPTIONAL {{ ?q prov:wasDerivedFrom/pkg:startLine ?l }}
}} GROUP BY ?r ?q ?s ?v ?ut ORDER BY ?r ?line ?q"""):
        if r in found:
            found[r]["quantities"].append(Quantity(surface, value, unit or "", int(line) if line != "" else 0))
    out: dict[str, list[Record]] = {}
    for data in found.values():
        data["spans"] = tuple(sorted(data["spans"]))
        data["responsibilities"] = tuple(sorted(data["responsibilities"], key=lambda x: (x.position, x.written)))
        for key in ("deadlines", "due_dates", "quantities"):
            data[key] = tuple(data[key])
        out.setdefault(data["doc"], []).append(Record(**data))
    for recs in out.values():
        recs.sort(key=lambda rec: (rec.first_line, _natural(rec.id)))
    return out


# ---------------------------------------------------------------- the matrix


def matrix(document: Document, recs: list[Record]) -> Matrix:
    """The unit × record matrix of one document's records (already in document order)."""
    units: dict[str, dict] = {}
    cells: dict[tuple[str, str], str] = {}
    for rec in recs:
        for resp in rec.responsibilities:
            key = resp.unit or f"written:{resp.written}"
            unit = units.setdefault(key, {"written": [], "jurisdiction": resp.jurisdiction, "label": resp.label})
            if resp.written not in unit["written"]:
                unit["written"].append(resp.written)
            letters = cells.get((key, rec.id), "")
            if resp.role not in letters.split("/"):
                cells[(key, rec.id)] = f"{letters}/{resp.role}" if letters else resp.role
    rows = [(key, tuple(u["written"]), u["jurisdiction"], u["label"]) for key, u in units.items()]
    return Matrix(document, tuple(recs), tuple(rows), cells)


#: The first columns of a matrix row: the unit, its jurisdiction, and its count of records in each role.
_HEAD = ("unit", "jurisdiction", "lead", "co", "joint")


def table(m: Matrix) -> list[list]:
    """The matrix as rows of cells: two header rows, then one row per unit."""
    rows = [[*_HEAD] + [rec.id for rec in m.records],
            ["单位（如文中所写）", "辖区", "牵头", "配合", "共同"] + [rec.short_text() for rec in m.records]]
    for key, written, place, _label in m.units:
        marks = [m.cells.get((key, rec.id), "") for rec in m.records]
        counts = [sum(1 for x in marks if letter in x.split("/")) for letter in "LCJ"]
        rows.append([" / ".join(written), place, *counts, *marks])
    return rows


def matrices(store, doc: str | None = None) -> list[Matrix]:
    """The matrix of document ``doc`` (short id), or of every document of the store, in natural order of
    their ids (``2_…`` before ``10_…``: the sheets of a workbook read as a person lists them)."""
    docs = [find_document(store, doc)] if doc else sorted(documents(store), key=lambda d: (_natural(d.short_id), d.iri))
    by_doc = records(store, [d.iri for d in docs])
    return [matrix(d, by_doc.get(d.iri, [])) for d in docs]


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name: no ``[]:*?/\\``, not blank, at most 31 characters.

    >>> sheet_name("18_shandong_ngit_guiding_opinions_2023", set())
    '18_shandong_ngit_guiding_opinio'
    >>> sheet_name("a/b", {"a_b"})
    'a_b~2'
    """
    base = _SHEET_FORBIDDEN.sub("_", name).strip("'").strip() or "document"
    candidate, n = base[:31], 1
    while candidate.lower() in {t.lower() for t in taken} or candidate.lower() == "history":
        n += 1
        suffix = f"~{n}"
        candidate = base[: 31 - len(suffix)] + suffix
    taken.add(candidate)
    return candidate


def write_xlsx(ms: list[Matrix], out: Path) -> Path:
    """One sheet per document (named by its short id), header rows frozen, written to ``out``.

    Every value stays data (:func:`policykg.use.spreadsheet.xlsx_cell`): a unit name or a
    record text beginning with ``=`` is a string cell, never a formula; a character
    XML cannot hold is escaped, not a corrupt file. Streamed (openpyxl's write-only
    workbook): each row is written as it is appended, rather than a cell object per
    value held until the save. A matrix too large for a sheet is refused before
    anything is written.
    """
    try:
        from openpyxl import Workbook
    except ImportError:
        raise PolicyKGError("XLSX export needs openpyxl", hint="pip install 'policykg[export]'") from None
    from policykg.use.spreadsheet import check_columns, check_rows
    for m in ms:
        what = f"the matrix of {m.document.short_id!r}"
        check_rows(len(m.units) + 1, what)                 # two header rows
        check_columns(len(_HEAD) + len(m.records), what)
    book = Workbook(write_only=True)
    taken: set[str] = set()
    for m in ms:
        _write_sheet(book.create_sheet(sheet_name(m.document.short_id, taken)), m)
    if not ms:
        book.create_sheet("empty")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out


def _write_sheet(sheet, m: Matrix) -> None:
    """One document's matrix into a write-only sheet: layout first (it must precede the rows), then the rows."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from policykg.use.spreadsheet import xlsx_cell, xlsx_header_text
    fills = {"L": PatternFill("solid", fgColor="F8C9C4"), "C": PatternFill("solid", fgColor="C6DDF7"),
             "J": PatternFill("solid", fgColor="DCCFF5")}
    bold, wrap, centre = Font(bold=True), Alignment(wrap_text=True, vertical="top"), Alignment(horizontal="center")
    sheet.freeze_panes = "F3"
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 10
    for col in range(3, len(_HEAD) + 1 + len(m.records)):
        sheet.column_dimensions[get_column_letter(col)].width = 6 if col <= len(_HEAD) else 12
    sheet.row_dimensions[2].height = 60
    if m.document.title:
        sheet.oddHeader.center.text = xlsx_header_text(m.document.title)
    for number, row in enumerate(table(m), 1):
        cells = [xlsx_cell(sheet, value if value != "" else None) for value in row]
        for col, cell in enumerate(cells):
            if cell is None:
                continue
            if number == 1:
                cell.font = bold
            elif number == 2:
                cell.alignment = wrap
            elif col >= len(_HEAD):
                cell.fill = fills.get(str(cell.value)[0], PatternFill())
                cell.alignment = centre
        sheet.append(cells)


def csv_rows(m: Matrix, excel: bool = False) -> list[list]:
    """The matrix's rows for a CSV; ``excel``: text Excel would evaluate neutralised
    (:func:`policykg.use.spreadsheet.excel_csv_text`), the counts left as numbers."""
    rows = table(m)
    if not excel:
        return rows
    from policykg.use.spreadsheet import excel_csv_text
    return [[excel_csv_text(value) for value in row] for row in rows]


def _write_csv(fh, m: Matrix, excel: bool) -> None:
    """CRLF rows into ``fh``; ``excel`` starts with a UTF-8 byte order mark so Excel on Windows reads Chinese."""
    if excel:
        fh.write("\ufeff")
    csv.writer(fh).writerows(csv_rows(m, excel))


def csv_text(m: Matrix, excel: bool = False) -> str:
    """One document's matrix as CSV (CRLF rows); ``excel``: a CSV made for Excel (:func:`csv_rows`, a BOM)."""
    buffer = io.StringIO()
    _write_csv(buffer, m, excel)
    return buffer.getvalue()


def write_csv(ms: list[Matrix], out: Path, excel: bool = False) -> list[Path]:
    """One CSV per document: ``out`` itself for one document, ``out/<id>.csv`` for several."""
    out = Path(out)
    if len(ms) == 1 and out.suffix.lower() == ".csv":
        targets = [out]
    else:
        out.mkdir(parents=True, exist_ok=True)
        taken: set[str] = set()
        targets = [out / f"{_file_stem(m.document.short_id, taken)}.csv" for m in ms]
    for m, target in zip(ms, targets):
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", encoding="utf-8", newline="") as fh:
            _write_csv(fh, m, excel)
    return targets


def _file_stem(name: str, taken: set[str]) -> str:
    # at most 100 characters: a Chinese short id can pass a file system's 255 bytes
    stem = re.sub(r"[^\w.\-]", "_", name).lstrip(".")[:100] or "document"
    candidate, n = stem, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}~{n}"
    taken.add(candidate)
    return candidate
