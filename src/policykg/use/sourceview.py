"""The source view: one document as an offline page to check the graph against.

``source.html`` shows every line of the source file verbatim with its number,
and over it what the graph says was read from where:

* every responsibility record's span (``prov:wasDerivedFrom`` → ``pkg:SourceSpan``,
  ``pkg:startLine``..``pkg:endLine``) as a coloured band left of the lines, one
  lane per record where records share lines;
* in those lines, the record's lead / co / joint units where their names (as
  written, ``pkg:writtenName``) occur, in their role's colour; its deadlines
  (``pkg:deadline``, a key task's phase) and quantities (``pkg:surface``) marked;
* hovering a band, a mark or a line shows the records there with their
  extracted fields (record id, lead / co / joint, deadline, quantities);
* unmapped lines and layout-only lines (``report.json``) marked with their reason.

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
from policykg.use.export import Document, Record, documents, records
from policykg.use.page_assets import FONT_STACK, asset, json_for_script, template

__all__ = ["SOURCE_PAGE", "render_source_view", "write_source_view", "write_source_views"]

SOURCE_PAGE = "source.html"
#: Band colours, one per record in turn (neighbouring records differ).
BAND_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#e15759")
ROLE_CLASS = {"L": "lead", "C": "co", "J": "joint"}
#: Which mark wins where two overlap at the same place (longer first, then this order).
_MARK_ORDER = {"lead": 0, "co": 1, "joint": 2, "deadline": 3, "qty": 4}


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
    recs = records(store, [doc.iri]).get(doc.iri, [])
    recs = [r for r in recs if r.spans]
    lanes = _lanes(recs)
    lane_count = max(lanes.values(), default=-1) + 1
    colour = {rec.id: BAND_COLOURS[i % len(BAND_COLOURS)] for i, rec in enumerate(recs)}
    by_line: dict[int, list[Record]] = {}
    for rec in recs:
        for n in sorted(rec.lines):
            by_line.setdefault(n, []).append(rec)
    starts: dict[int, list[str]] = {}
    for rec in recs:
        starts.setdefault(rec.first_line, []).append(rec.id)
    notes = _line_notes(report)
    lines = []
    for number, text in enumerate(source.lines, start=1):
        here = by_line.get(number, [])
        wanted = []
        for rec in here:
            wanted += [(r.written, ROLE_CLASS[r.role], rec.id) for r in rec.responsibilities]
            wanted += [(d, "deadline", rec.id) for d in rec.deadlines + rec.due_dates]
            wanted += [(q.surface, "qty", rec.id) for q in rec.quantities]
        segments, at = [], 0
        for a, b, kind, ids in _marks(text, wanted):
            if a > at:
                segments.append({"text": text[at:a], "kind": "", "records": ""})
            segments.append({"text": text[a:b], "kind": kind, "records": " ".join(ids)})
            at = b
        if at < len(text):
            segments.append({"text": text[at:], "kind": "", "records": ""})
        bands = [None] * lane_count
        for rec in here:
            bands[lanes[rec.id]] = {"id": rec.id, "colour": colour[rec.id],
                                    "first": number == rec.first_line,
                                    "last": number == max(b for _, b in rec.spans)}
        lines.append({"no": number, "segments": segments, "bands": bands,
                      "records": " ".join(rec.id for rec in here), "anchors": starts.get(number, []),
                      "notes": notes.get(number, [])})
    index = [{"id": rec.id, "colour": colour[rec.id], "text": rec.short_text(34), "first": rec.first_line,
              "lead": "、".join(rec.units("L")), "co": "、".join(rec.units("C")),
              "joint": "、".join(rec.units("J"))} for rec in recs]
    title = doc.title or (report.get("document") or {}).get("title") or source.name
    counts = {"records": len(recs), "lines": len(source.lines),
              "unmapped": len(report.get("unmapped_lines", [])),
              "layout": sum(len(v) for v in report.get("layout_lines", {}).values())}
    return template("source.html.j2").render(
        title=title, file_name=source.name, short_id=doc.short_id, doc_iri=doc.iri, counts=counts,
        lines=lines, index=index, lane_count=lane_count,
        unmapped=[{"line": u["line"], "reason": u.get("reason", "")} for u in report.get("unmapped_lines", [])],
        data_json=json_for_script({"records": {rec.id: _record_fields(rec) for rec in recs}}),
        css=asset("source.css").replace("$FONT_STACK", FONT_STACK), js=asset("source.js"))


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
