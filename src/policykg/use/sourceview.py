"""The source view: one document as an offline page to check the graph against.

``source.html`` shows the document as it was read — every line of the source
text verbatim, paragraphs as lines and tables drawn as ``<table>`` with their
merged cells' spans (:mod:`.source_blocks`: a published file's tables as its reader
found them, a text's flattened task table as the segmenter recovered it, a PDF's
page breaks) — and over it what the graph says was read from where:

* every responsibility record's span (``prov:wasDerivedFrom`` → ``pkg:SourceSpan``,
  ``pkg:startLine``..``pkg:endLine``) as a coloured band left of the lines, one
  lane per record where records share lines;
* in those lines, the record's lead / co / joint units where their names (as
  written, ``pkg:writtenName``) occur, in their role's colour; its deadlines
  (``pkg:deadline``, a key task's phase) and quantities (``pkg:surface``) marked;
* hovering a band, a mark or a line shows the records there with their
  extracted fields (record id, lead / co / joint, deadline, quantities);
* unmapped lines and layout-only lines (``report.json``) marked with their reason;
* for each record, where it sits in the original: its spans' ``pkg:locator``
  (``table 1, row 5``, ``page 3, table 1, rows 3–4``, ``paragraph 18``), or for a
  text its lines — in the record list and in the hover tip.

Each record has an anchor named by its IRI's local part — ``source.html#task/3``,
``#record/12``, ``#narrative/2-1`` — which scrolls to its span and marks it;
``#L120`` goes to a line.

The page is safe with untrusted text: every document string is escaped by the
template (autoescape) or set with ``textContent`` by the script (the records'
fields travel as JSON in a ``<script type="application/json">`` block with
``<``, ``>`` and ``&`` escaped, :func:`.page_assets.json_for_script`); a
Content-Security-Policy forbids any fetch; fonts come from the system.
"""

from __future__ import annotations

import json
from pathlib import Path

from policykg.errors import InputError
from policykg.ingest.segment import CELL_START
from policykg.kg.store import execute, plain
from policykg.use.export import Document, Record, documents, records
from policykg.use.page_assets import FONT_STACK, asset, json_for_script, template
from policykg.use.source_blocks import DrawnTable, PageBreak, Run, pieces
from policykg.vocab import sparql_prefixes

__all__ = ["SOURCE_PAGE", "render_source_view", "write_source_view", "write_source_views"]

SOURCE_PAGE = "source.html"
#: Band colours, one per record in turn (neighbouring records differ).
BAND_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#e15759")
ROLE_CLASS = {"L": "lead", "C": "co", "J": "joint"}
#: Which mark wins where two overlap at the same place (longer first, then this order).
_MARK_ORDER = {"lead": 0, "co": 1, "joint": 2, "deadline": 3, "qty": 4}
#: The locator of each source span of the records (``%s``: their IRIs); a text's spans have none.
_PLACES = sparql_prefixes(("pkg", "prov")) + """
SELECT ?r ?a ?b ?loc WHERE { VALUES ?r { %s }
  ?r prov:wasDerivedFrom ?sp . ?sp pkg:startLine ?a ; pkg:endLine ?b ; pkg:locator ?loc . }"""


def _document_for(store, source_sha: str | None, file_name: str) -> Document:
    """The store's document read from this source (by SHA-256, else file name, else the only one)."""
    docs = documents(store)
    for doc in docs:
        if source_sha and doc.source_id == f"sha256:{source_sha}":
            return doc
    for doc in docs:
        if doc.file_name == file_name:
            return doc
    if len(docs) == 1:
        return docs[0]
    raise InputError("no document of the graph was read from this source file", path=file_name)


def _marks(line: str, wanted: list[tuple[str, str, str]]) -> list[tuple[int, int, str, list[str]]]:
    """Non-overlapping ``(start, end, kind, record ids)`` of ``wanted`` ``(text, kind, record)`` in ``line``.

    >>> _marks("牵头：市财政局；配合：市财政局办公室", [("市财政局", "lead", "task/1"), ("市财政局办公室", "co", "task/1")])
    [(3, 7, 'lead', ['task/1']), (11, 18, 'co', ['task/1'])]
    """
    found: dict[tuple[int, int, str], list[str]] = {}
    for text, kind, rec in wanted:
        if not text:
            continue
        start = line.find(text)
        while start >= 0:
            ids = found.setdefault((start, start + len(text), kind), [])
            if rec not in ids:
                ids.append(rec)
            start = line.find(text, start + 1)
    chosen: list[tuple[int, int, str, list[str]]] = []
    for (a, b, kind), ids in sorted(found.items(), key=lambda kv: (-(kv[0][1] - kv[0][0]), kv[0][0],
                                                                   _MARK_ORDER[kv[0][2]])):
        if all(b <= x or a >= y for x, y, _, _ in chosen):
            chosen.append((a, b, kind, ids))
    return sorted(chosen)


def _lanes(recs: list[Record]) -> dict[str, int]:
    """A lane (band column) per record: records whose line ranges overlap get different lanes."""
    lanes: dict[str, int] = {}
    ends: list[int] = []                       # last line of the record in each lane
    for rec in sorted(recs, key=lambda r: (r.first_line, -max(b for _, b in r.spans))):
        first, last = rec.first_line, max(b for _, b in rec.spans)
        lane = next((i for i, end in enumerate(ends) if end < first), None)
        if lane is None:
            lane = len(ends)
            ends.append(last)
        else:
            ends[lane] = last
        lanes[rec.id] = lane
    return lanes


def _record_fields(rec: Record) -> dict:
    return {"id": rec.id, "iri": rec.iri, "text": rec.short_text(60),
            "lead": rec.units("L"), "co": rec.units("C"), "joint": rec.units("J"),
            "deadline": list(rec.deadlines), "due": list(rec.due_dates),
            "quantities": [q.surface for q in rec.quantities],
            "spans": [list(span) for span in rec.spans]}


def _line_notes(report: dict) -> dict[int, list[tuple[str, str]]]:
    """``line → [(kind, reason)]`` for unmapped lines, layout-only lines and warnings of the report."""
    notes: dict[int, list[tuple[str, str]]] = {}
    for item in report.get("unmapped_lines", []):
        notes.setdefault(int(item["line"]), []).append(("unmapped", item.get("reason", "")))
    for reason, lines in report.get("layout_lines", {}).items():
        for n in lines:
            notes.setdefault(int(n), []).append(("layout", reason))
    for item in report.get("warnings", []):
        notes.setdefault(int(item["line"]), []).append(("warning", item.get("reason", "")))
    return notes


def _places(store, recs: list[Record]) -> dict[tuple[str, int, int], str]:
    """``(record IRI, start, end) → pkg:locator`` of each record's source spans (a published file's only)."""
    if not recs:
        return {}
    values = " ".join(f"<{rec.iri}>" for rec in recs)
    _, _, rows = execute(store, _PLACES % values)
    return {(plain(r), plain(a), plain(b)): plain(loc) for r, a, b, loc in rows}


def where(rec: Record, places: dict[tuple[str, int, int], str]) -> str:
    """Where ``rec`` sits in the original: its spans' locators (``table 1, rows 5–6``, ``page 3``), or for
    a text its lines (``lines 83–95``) — a text's line is its place.

    >>> rec = Record("r", "task/1", "d", "", "", ((45, 70), (72, 81)), (), (), (), ())
    >>> where(rec, {}), where(rec, {("r", 45, 70): "table 1, row 2", ("r", 72, 81): "table 1, row 3"})
    ('lines 45–70, 72–81', 'table 1, row 2; table 1, row 3')
    """
    found = [places[(rec.iri, a, b)] for a, b in rec.spans if (rec.iri, a, b) in places]
    found = [p for i, p in enumerate(found) if p not in found[:i]]
    if found:
        return "; ".join(found if len(found) <= 3 else [found[0], "…", found[-1]])
    spans = [str(a) if a == b else f"{a}–{b}" for a, b in rec.spans]
    return ("lines " if len(spans) > 1 or "–" in spans[0] else "line ") + ", ".join(spans) if spans else ""


def _line_view(number: int, text: str, here: list[Record], notes: list) -> dict:
    """One line as the page draws it: its marks (units in their roles, deadlines, quantities), the
    records on it, its notes; a table cell's leading tab apart (kept, not shown: the cell says it)."""
    lead = CELL_START.match(text)
    lead = lead.group(0) if lead else ""
    wanted = []
    for rec in here:
        wanted += [(r.written, ROLE_CLASS[r.role], rec.id) for r in rec.responsibilities]
        wanted += [(d, "deadline", rec.id) for d in rec.deadlines + rec.due_dates]
        wanted += [(q.surface, "qty", rec.id) for q in rec.quantities]
    body, segments, at = text[len(lead):], [], 0
    for a, b, kind, ids in _marks(body, wanted):
        if a > at:
            segments.append({"text": body[at:a], "kind": "", "records": ""})
        segments.append({"text": body[a:b], "kind": kind, "records": " ".join(ids)})
        at = b
    if at < len(body):
        segments.append({"text": body[at:], "kind": "", "records": ""})
    return {"no": number, "lead": lead, "segments": segments, "blank": not text.strip(),
            "records": " ".join(rec.id for rec in here), "anchors": [], "notes": notes, "bands": []}


def _bands(recs: list[Record], lane_count: int, lanes: dict[str, int], colour: dict[str, str],
           first: set[str], last: set[str]) -> list:
    """The band column of a line or a table row: a lane per record, ``None`` where no record runs."""
    bands: list = [None] * lane_count
    for rec in recs:
        bands[lanes[rec.id]] = {"id": rec.id, "colour": colour[rec.id], "first": rec.id in first,
                                "last": rec.id in last}
    return bands


def _drawn(source, layout_tables, views: dict[int, dict], bands) -> list[dict]:
    """The pieces of :mod:`.source_blocks` with their lines' views: what the template draws."""
    out: list[dict] = []
    for piece in pieces(source, layout_tables):
        if isinstance(piece, PageBreak):
            out.append({"kind": "page", "page": piece.page})
        elif isinstance(piece, Run):
            out.append({"kind": "lines", "lines": [views[n] for n in piece.lines]})
        else:
            out.append({"kind": "table", "number": piece.number, "columns": piece.columns, "as_read": piece.as_read,
                        "rows": _rows(piece, views, bands)})
    return out


def _rows(table: DrawnTable, views: dict[int, dict], bands) -> list[dict]:
    """A drawn table's rows: cells with their lines, and a gutter with the row's number and its records' bands."""
    rows, page = [], None
    held = [{rec for n in row.lines for rec in views[n]["here"]} for row in table.rows]
    for i, row in enumerate(table.rows):
        here = sorted(held[i], key=lambda rec: rec.id)
        first = {rec.id for rec in here if not any(rec in h for h in held[:i])}
        last = {rec.id for rec in here if not any(rec in h for h in held[i + 1:])}
        shown = [n for cell in row.cells for n in cell.lines]
        rows.append({"label": row.label or (str(min(shown)) if shown else ""), "first": min(shown, default=None),
                     "lines": " ".join(map(str, row.lines)), "records": " ".join(rec.id for rec in here),
                     "new_page": row.page if row.page is not None and page is not None and row.page != page else None,
                     "bands": bands(here, first, last), "anchors": [],
                     "cells": [{"rowspan": c.rowspan, "colspan": c.colspan, "header": c.header,
                                "lines": [views[n] for n in c.lines]} for c in row.cells]})
        page = row.page if row.page is not None else page
    return rows


def render_source_view(store, source_path: str | Path, report: dict | None = None) -> str:
    """The HTML of the source view of the document read from ``source_path`` (see the module docstring)."""
    from policykg.ingest.read import read_source
    source = read_source(source_path)
    report = report or {}
    sha = (report.get("source") or {}).get("sha256") or source.sha256
    doc = _document_for(store, sha, source.name)
    if doc.source_id and doc.source_id != f"sha256:{source.sha256}":
        raise InputError("the source file is not the one the graph was built from (SHA-256 differs)",
                         path=str(source_path), hint="rebuild the graph, or pass the file it was built from")
    recs = [r for r in records(store, [doc.iri]).get(doc.iri, []) if r.spans]
    places = _places(store, recs)
    lanes = _lanes(recs)
    lane_count = max(lanes.values(), default=-1) + 1
    colour = {rec.id: BAND_COLOURS[i % len(BAND_COLOURS)] for i, rec in enumerate(recs)}
    by_line: dict[int, list[Record]] = {}
    for rec in recs:
        for n in sorted(rec.lines):
            by_line.setdefault(n, []).append(rec)
    notes = _line_notes(report)
    views = {}
    for number, text in enumerate(source.lines, start=1):
        here = by_line.get(number, [])
        views[number] = dict(_line_view(number, text, here, notes.get(number, [])), here=here)
        views[number]["bands"] = _bands(here, lane_count, lanes, colour,
                                        {r.id for r in here if number == r.first_line},
                                        {r.id for r in here if number == max(b for _, b in r.spans)})
    drawn = _drawn(source, _text_tables(source), views,
                   lambda here, first, last: _bands(here, lane_count, lanes, colour, first, last))
    _place_anchors(recs, drawn)
    index = [{"id": rec.id, "colour": colour[rec.id], "text": rec.short_text(34), "first": rec.first_line,
              "where": where(rec, places), "lead": "、".join(rec.units("L")), "co": "、".join(rec.units("C")),
              "joint": "、".join(rec.units("J"))} for rec in recs]
    fields = {rec.id: dict(_record_fields(rec), where=where(rec, places)) for rec in recs}
    counts = {"records": len(recs), "lines": len(source.lines), "pages": source.pages, "format": source.format,
              "tables": sum(1 for p in drawn if p["kind"] == "table"),
              "unmapped": len(report.get("unmapped_lines", [])),
              "layout": sum(len(v) for v in report.get("layout_lines", {}).values())}
    return template("source.html.j2").render(
        title=doc.title or (report.get("document") or {}).get("title") or source.name, file_name=source.name,
        short_id=doc.short_id, doc_iri=doc.iri, counts=counts, drawn=drawn, index=index, lane_count=lane_count,
        unmapped=[{"line": u["line"], "reason": u.get("reason", "")} for u in report.get("unmapped_lines", [])],
        data_json=json_for_script({"records": fields}),
        css=asset("source.css").replace("$FONT_STACK", FONT_STACK), js=asset("source.js"))


def _text_tables(source) -> tuple:
    """The tables the segmenter recovers from a plain text's lines (a published file's are its blocks)."""
    from policykg.errors import PolicyKGError
    from policykg.ingest.segment import segment
    if source.blocks:
        return ()
    try:
        return segment(source).tables
    except PolicyKGError:             # the build read it as text and said why; here it is drawn as lines
        return ()


def _place_anchors(recs: list[Record], drawn: list[dict]) -> None:
    """Each record's anchor (``#task/3``) on the first of its lines that is drawn, else on the first table
    row that holds it (a record whose first line is a merged cell's hidden position)."""
    lines = {v["no"]: v for p in drawn for v in (p.get("lines") or [])}
    lines.update({v["no"]: v for p in drawn for row in p.get("rows", ()) for c in row["cells"] for v in c["lines"]})
    rows = [row for p in drawn for row in p.get("rows", ())]
    for rec in recs:
        shown = sorted(n for n in rec.lines if n in lines)
        if shown:
            lines[shown[0]]["anchors"].append(rec.id)
            continue
        row = next((row for row in rows if rec.id in row["records"].split()), None)
        if row is not None:
            row["anchors"].append(rec.id)


def write_source_view(store, source_path: str | Path, report: dict | None, out_path: str | Path) -> Path:
    """Write the source view of the document read from ``source_path`` to ``out_path``."""
    from policykg.kg.publish import write_text_atomic
    out = Path(out_path)
    write_text_atomic(out, render_source_view(store, source_path, report))
    return out


def write_source_views(stage: Path, entries: list[dict]) -> list[str]:
    """``docs/<id>/source.html`` for each built document of a corpus folder being staged.

    ``entries`` are the manifest's (``id``, ``file``, ``status`` …); each built
    document's ``docs/<id>/policykg.ttl`` and ``report.json`` are read. Returns
    the top-level names it adds to the folder: none (``docs/`` is the corpus's).
    A document whose source file is gone or changed since its build is skipped.
    """
    import pyoxigraph as ox

    from policykg.kg.corpus import DOCS_DIR, doc_folder
    for entry in entries:
        folder = Path(stage) / DOCS_DIR / doc_folder(entry["id"])
        source = Path(entry.get("file") or "")
        if entry.get("status") != "built" or not (folder / "policykg.ttl").is_file() or not source.is_file():
            continue
        store = ox.Store()
        store.load(input=(folder / "policykg.ttl").read_bytes(), format=ox.RdfFormat.TURTLE)
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        try:
            write_source_view(store, source, report, folder / SOURCE_PAGE)
        except InputError:
            continue
    return []
