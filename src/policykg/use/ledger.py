"""The progress ledger (台账): the form an office sends to units, and the filled form read back.

* :func:`export_ledger` writes one row per responsibility record — record id, document, the
  record (short), lead and co units, deadline as written, due date — then the empty columns a
  unit fills: status, progress note, evidence, reported by, as-of date (``lexicon/ledger.toml``
  says the columns and the statuses). XLSX: a list of the statuses (Chinese and English) on the
  status column, the header frozen, columns wide enough for Chinese. CSV: UTF-8 with a BOM.
* :func:`read_ledger` reads a filled form against a built store and checks every filled row:
  an unknown record, an unknown status, a date that is not a date, a record of another
  document are problems, one line each with the row number. What it returns is an
  :class:`policykg.kg.progress.Applied`; :mod:`policykg.kg.progress` makes it a named graph.
* :func:`import_ledger` is ``policykg ledger import``: all or nothing unless ``partial``.

Every cell written goes through :mod:`policykg.use.spreadsheet` (text stays text).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import sys
import tomllib
from functools import lru_cache
from pathlib import Path

from policykg.errors import InputError, LexiconError
from policykg.kg.progress import Applied, Report, Update, statuses
from policykg.resources import lexicon_path
from policykg.vocab import sparql_prefixes

#: How much of a record's text the form shows.
SHORT_TEXT = 80
#: The largest ledger file read (a ledger of every record of a large corpus is far smaller).
MAX_LEDGER_BYTES = 64 * 1024 * 1024
_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


@lru_cache(maxsize=1)
def columns() -> tuple[dict, ...]:
    """The form's columns (``lexicon/ledger.toml``), in order: key, zh, en, width, fill."""
    path = lexicon_path("ledger.toml")
    try:
        with open(path, "rb") as fh:
            return tuple(dict(c) for c in tomllib.load(fh)["column"])
    except (OSError, KeyError, tomllib.TOMLDecodeError) as exc:
        raise LexiconError(f"cannot read the ledger's columns: {exc}", path=str(path)) from None


def header(column: dict) -> str:
    return f"{column['zh']} / {column['en']}"


def status_choices() -> list[str]:
    """What the form's status list offers: the Chinese labels, then the English ones."""
    return [s.zh for s in statuses()] + [s.en for s in statuses()]


def status_code(written: str) -> str | None:
    """The status code a unit's text names (Chinese, English in any case, a code or an alias), or None."""
    return _status_names().get(re.sub(r"\s+", "", written).lower())


@lru_cache(maxsize=1)
def _status_names() -> dict[str, str]:
    """Every name of a status (without spaces, lower case) → its code; the first status to give a name keeps it."""
    names: dict[str, str] = {}
    for s in statuses():
        for n in (s.code, s.zh, s.en, *s.aliases):
            names.setdefault(re.sub(r"\s+", "", n).lower(), s.code)
    return names


# ---------------------------------------------------------------- the form


def form_rows(store, doc: str | None = None, unit: str | None = None) -> list[dict]:
    """One dict per record of the form (``queries/record_progress.rq``), by document and place."""
    from policykg.kg.query import find_query, run_query
    params = {"document": doc or "all", "unit": unit or "all"}
    cols, rows = run_query(store, find_query("record_progress"), params)
    out = []
    for row in rows:
        r = dict(zip(cols, row))
        text = r["text"] if len(r["text"]) <= SHORT_TEXT else r["text"][:SHORT_TEXT - 1] + "…"
        out.append({"record": r["record"], "doc": r["doc"], "text": text, "lead": r["lead_units"],
                    "co": r["co_units"], "deadline": r["deadline"], "due": r["due"] or ""})
    return sorted(out, key=lambda r: (r["doc"], place_key(r["record"])))


def place_key(place: str) -> tuple:
    """``record/2`` before ``record/10``: a record's place in natural order."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[/-]", place))


def export_ledger(store, out: Path | None, fmt: str, doc: str | None = None, unit: str | None = None) -> int:
    """Write the form (``fmt``: xlsx or csv; csv without ``out`` goes to stdout); returns its rows."""
    if doc:
        from policykg.kg.documents import find_document
        find_document(store, doc)                      # an unknown id: one line naming the known ones
    rows = form_rows(store, doc, unit)
    if not rows:
        raise InputError("no records to put in the ledger" + (f" for unit {unit!r}" if unit else ""),
                         hint="policykg docs lists the documents; a unit is named as the records write it")
    if fmt == "xlsx":
        _write_xlsx(rows, out or Path("ledger.xlsx"))
    else:
        text = _csv_text(rows)
        if out is None:
            sys.stdout.write(text)
        else:
            from policykg.kg.publish import write_text_atomic
            write_text_atomic(out, "\ufeff" + text)
    return len(rows)


def _csv_text(rows: list[dict]) -> str:
    from policykg.use.spreadsheet import excel_csv_text
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header(c) for c in columns()])
    for row in rows:
        writer.writerow([excel_csv_text(row.get(c["key"], "")) for c in columns()])
    return buffer.getvalue()


def _write_xlsx(rows: list[dict], out: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from policykg.use.spreadsheet import check_rows, xlsx_text
    check_rows(len(rows), "the ledger")
    book = Workbook()
    sheet = book.active
    sheet.title = "台账 ledger"
    cols = columns()
    sheet.append([header(c) for c in cols])
    for row in rows:
        sheet.append([xlsx_text(row.get(c["key"], "")) or None for c in cols])
    for cell in sheet[1]:
        cell.font, cell.alignment = Font(bold=True), Alignment(wrap_text=True, vertical="center")
    fill = PatternFill("solid", fgColor="FFF2CC")
    for i, c in enumerate(cols, start=1):
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = c["width"]
        for cell in sheet[letter][1:]:
            cell.data_type = "s" if cell.value is not None else cell.data_type
            cell.alignment = Alignment(wrap_text=c["key"] in ("text", "note"), vertical="top")
            if c.get("fill"):
                cell.fill = fill
    sheet.row_dimensions[1].height = 32
    sheet.freeze_panes = "B2"
    status_col = get_column_letter([c["key"] for c in cols].index("status") + 1)
    check = DataValidation(type="list", formula1='"' + ",".join(status_choices()) + '"', allow_blank=True,
                           showErrorMessage=True, errorTitle="状态 / status",
                           error="请从列表中选择 / choose from the list")
    check.add(f"{status_col}2:{status_col}{len(rows) + 1}")
    sheet.add_data_validation(check)
    import os
    import tempfile
    buffer = io.BytesIO()
    book.save(buffer)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    with os.fdopen(fd, "wb") as fh:
        fh.write(buffer.getvalue())
    os.chmod(tmp, 0o644)
    os.replace(tmp, out)


# ---------------------------------------------------------------- reading a filled form


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dt.datetime, dt.date)):
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text[1:] if text.startswith("'") else text       # the mark an Excel CSV puts before = + - @


def _sheet_rows(path: Path, data: bytes) -> list[list[str]]:
    """Every row of the ledger's first sheet (or its CSV lines) as texts."""
    if data[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:          # openpyxl raises many kinds for a damaged file
            raise InputError(f"not a readable XLSX file ({type(exc).__name__})", path=str(path)) from None
        return [[_cell_text(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError("the ledger is neither XLSX nor a UTF-8 or GB18030 CSV", path=str(path))
    return [[_cell_text(v) for v in row] for row in csv.reader(io.StringIO(text))]


def _column_map(head: list[str], path: Path) -> dict[str, int]:
    """Column key → index, from the header row (a cell holding the Chinese or the English title)."""
    found = {}
    for index, cell in enumerate(head):
        parts = {p.strip().lower() for p in cell.split("/")} | {cell.strip().lower()}
        for c in columns():
            if c["key"] not in found and (c["zh"].lower() in parts or c["en"].lower() in parts):
                found[c["key"]] = index
    missing = [header(c) for c in columns() if c["key"] in ("record", "status") and c["key"] not in found]
    if missing:
        raise InputError(f"the ledger's header has no column {', '.join(missing)}", path=str(path),
                         hint="export the form with 'policykg ledger export' and fill that")
    return found


def parse_date(text: str) -> str | None:
    """An ISO date from 2024-06-30, 2024/6/30, 2024.6.30 or 2024年6月30日; None if it is none."""
    m = _DATE.match(text)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


#: Every responsibility record with its document's short id, its place as ``record_progress.rq`` writes it
#: (the IRI after ``/doc/ID/``): that question's first two columns, without the rest of its answer.
_RECORDS = sparql_prefixes(("pkg",)) + """
SELECT ?doc ?record WHERE {
  ?r a pkg:ResponsibilityRecord ; pkg:inDocument/pkg:shortId ?sid .
  BIND(STR(?sid) AS ?doc)
  BIND(REPLACE(STR(?r), "^.*/doc/[^/]+/", "") AS ?record)
}"""


def known_records(store) -> dict[tuple[str, str], str]:
    """(document's short id, record's place) → the record's IRI (its document's IRI, then its place): the
    records ``queries/record_progress.rq`` lists, read with a question of their ids only."""
    from policykg.kg.documents import documents
    from policykg.kg.store import answer
    iris = {d.short_id: d.iri for d in documents(store)}
    return {(doc, record): f"{iris[doc]}/{record}" for doc, record in answer(store, _RECORDS).rows if doc in iris}


def read_ledger(path: Path, store, as_of: str | None = None, documents: list[str] | None = None,
                records: dict | None = None, shown: str | None = None) -> Applied:
    """A filled ledger read against ``store``: its report (filled rows only) and its problems, one line each.

    ``as_of``: the report's date (else the latest as-of date its rows give); ``documents``: the only
    documents its rows may name (else any of the store). A row's own as-of date, when given, is its
    update's; else the report's."""
    from policykg.files import read_regular
    data = read_regular(str(path), "ledger", MAX_LEDGER_BYTES, InputError)
    rows = _sheet_rows(path, data)
    if not rows:
        raise InputError("the ledger is empty", path=str(path))
    where = _column_map(rows[0], path)
    records = known_records(store) if records is None else records
    places: dict[str, list[tuple[str, str]]] = {}          # a record's place → its keys (one per document)
    for key in records:
        places.setdefault(key[1], []).append(key)
    name, problems, filled = shown or path.name, [], []
    for number, row in enumerate(rows[1:], start=2):
        cells = {k: (row[i] if i < len(row) else "") for k, i in where.items()}
        if not any(cells.get(c["key"]) for c in columns() if c.get("fill")):
            continue                                          # a row nobody filled
        problem, update = _check_row(number, cells, records, documents, places)
        if problem:
            problems.append(f"{name}: row {number}: {problem}")
        else:
            filled.append(update)
    dates = [u.as_of for u in filled if u.as_of]
    report_date = as_of or (max(dates) if dates else None)
    if report_date is None:
        if filled:
            problems.append(f"{name}: no as-of date in any row: give --as-of DATE")
        report_date, filled = "", []
    updates = [u._replace(as_of=u.as_of or report_date) for u in filled]
    report = Report(path.name, hashlib.sha256(data).hexdigest(), report_date, updates)
    return Applied(report, problems, shown or str(path))


def _check_row(number: int, cells: dict, records: dict, documents: list[str] | None, places: dict):
    """(problem, None) or (None, the row's update; its as-of date empty when it gives none)."""
    record, doc = cells.get("record", ""), cells.get("doc", "")
    if ":" in record and not doc:                       # doc:record/3
        doc, record = record.split(":", 1)
    if not record:
        return "no record id", None
    candidates = ([(doc, record)] if (doc, record) in records else []) if doc else places.get(record, [])
    if len(candidates) != 1:
        what = f"{doc}:{record}" if doc else record
        return (f"unknown record id {what!r}" if not candidates
                else f"record id {record!r} is in {len(candidates)} documents: fill the document column"), None
    key = candidates[0]
    if documents and key[0] not in documents:
        return f"record {key[0]}:{key[1]} is of another document (this ledger is for {', '.join(documents)})", None
    written = cells.get("status", "")
    code = status_code(written) if written else None
    if code is None:
        shown = f"unknown status {written!r}" if written else "no status"
        return f"{shown} (one of {'、'.join(s.zh for s in statuses())} or {', '.join(s.en for s in statuses())})", None
    day = cells.get("as_of", "")
    iso = parse_date(day) if day else ""
    if iso is None:
        return f"as-of date {day!r} is not a date (write YYYY-MM-DD)", None
    return None, Update(number, records[key], code, written, iso, cells.get("note", ""), cells.get("evidence", ""),
                        cells.get("reported_by", ""))


# ---------------------------------------------------------------- import, and the build's reader


def import_ledger(file: Path, out: Path, as_of: str | None = None, documents: list[str] | None = None,
                  partial: bool = False, pages=None) -> tuple[Applied, bool]:
    """``policykg ledger import``: read ``file`` against the output folder ``out``; with no problem (or
    ``partial``), keep a copy in ``out/ledgers/`` and add its report as a named graph. Returns the
    reading and whether anything changed (the same file again: nothing)."""
    from policykg.errors import LedgerError
    from policykg.kg.layout import STORE_DIR
    from policykg.kg.progress import add_reports
    from policykg.kg.store import open_store, release
    if as_of is not None and parse_date(as_of) is None:
        raise LedgerError(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)")
    as_of = parse_date(as_of) if as_of else None
    store = open_store(out / STORE_DIR)
    try:
        applied = read_ledger(file, store, as_of, documents)
    finally:
        del store
        release()
    if applied.problems and not partial:
        raise LedgerError(f"{len(applied.problems)} bad row(s); nothing imported (--partial imports the good rows)",
                          lines=applied.problems, path=str(file))
    options = {k: v for k, v in (("as_of", as_of), ("documents", documents)) if v}
    # kept in out/ledgers/ (listed as a build lists it, kg/corpus.py) with the graph, in the same swap
    done, changed = add_reports(out, [applied], pages, keep={applied.report.sha256: (file, options)})
    return done[0], changed


def build_progress(store, folders: list[Path]) -> list[Applied]:
    """The build's reader (:data:`policykg.kg.progress.Progress`): every ledger kept in ``folders``, read as
    its import was told (its sidecar), bad rows left out and listed."""
    from policykg.kg.manifest import display_path
    from policykg.kg.progress import import_options, ledger_files
    records, found = None, []
    for path in ledger_files(folders):
        options = import_options(path)
        records = known_records(store) if records is None else records   # a corpus-wide query: only for a ledger
        try:
            applied = read_ledger(path, store, options.get("as_of"), options.get("documents"), records,
                                  shown=display_path(path))
        except InputError as exc:
            print(f"policykg: warning: ledger {display_path(path)} not read: {exc}", file=sys.stderr)
            continue
        if applied.report.as_of:
            found.append(applied)
    return found
