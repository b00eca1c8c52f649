"""Extraction stage: a segmented :class:`Layout` → an :class:`Extraction`."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from policykg.errors import StructureError, quoted
from policykg.model import Extraction, KeyTask, Layout, LayoutNote, LineSpan, NarrativeMeasure, Pillar, TaskList
from policykg.ingest.extract.deadlines import find_deadline
from policykg.ingest.extract.body import declares_pillars, extract_body, is_narrative_block
from policykg.ingest.extract.header import extract_header
from policykg.ingest.extract.records import extract_records, is_heading
from policykg.ingest.extract.table_records import row_records
from policykg.ingest.extract.tasks import extract_tasks
from policykg.ingest.readers.notes import NoteRule, states_rule
from policykg.ingest.segment import profile_named


def extract(layout: Layout) -> Extraction:
    """Read every record the document states, each with its source lines.

    What is understood is kept; what is not becomes a warning with its lines
    (a table whose rows cannot be read does not stop the document's text).
    """
    path = layout.source.path
    blocks = list(layout.blocks)
    header = extract_header(blocks, path, dict(layout.source.metadata))
    header_lines = {n for span in header.spans.values() for n in span.lines()}
    pillared = declares_pillars(blocks)
    text_blocks = [b for b in blocks if b.span.start not in header_lines
                   and not (pillared and is_narrative_block(b))]
    doc_year = header.issued.year if header.issued else None
    records, consumed = extract_records(text_blocks, title=header.title, doc_year=doc_year, issued=header.issued)
    body = extract_body(blocks, header.title, skip=consumed, pillared=pillared)
    warnings: list[LayoutNote] = list(layout.warnings)
    tasks, table_pillars, table_notes = (), (), ()
    for table in layout.tables:
        profile = profile_named(table.profile)
        if profile.reader == "key_tasks":
            try:
                tasks, table_pillars, table_notes = extract_tasks(table, path)
                continue
            except StructureError as exc:
                warnings.append(LayoutNote(exc.line or table.header_span.start,
                                           f"task list not read as key tasks ({exc.message}); "
                                           "its rows are read as records"))
        rows, notes = row_records(table, units_grammar=profile.units, rule=rule_in(blocks),
                                  doc_year=doc_year, first_key=len(records) + 1, title=header.title,
                                  issued=header.issued)
        records += rows
        table_notes += notes
    table_notes += layout.notes                  # a table's section rows, a repeated header row
    try:
        pillars = _merge_pillars(body["pillars"], table_pillars, path)
    except StructureError as exc:
        warnings.append(LayoutNote(exc.line or 1, exc.message))
        pillars = body["pillars"]
    if header.from_sidecar:
        fmt = layout.source.format
        where = "the sidecar file" if fmt == "text" else f"the {fmt} file's own metadata or its sidecar"
        warnings.append(LayoutNote(1, f"not in the text, taken from {where}: {', '.join(header.from_sidecar)}"))
    if header.issued is None:
        warnings.append(LayoutNote(1, "no issue date found (YYYY年M月D日)"))
    if header.title_from_file:
        warnings.append(LayoutNote(1, "no title line found: the file name stands in"))
    mapped = _mapped_spans(header, body, tasks, pillars) + tuple(r.span for r in records)
    table_notes += _heading_notes(text_blocks, mapped)
    tasks, narrative = dated(tasks, body["narrative"], header.issued)
    warnings += deadline_warnings(records, tasks, narrative)
    task_list = TaskList(pillars, tasks, narrative) if pillars or tasks or narrative else None
    return Extraction(source=layout.source, header=header, sections=body["sections"],
                      goals=body["goals"], provisions=body["provisions"], records=records,
                      layout_notes=tuple(table_notes), mapped_spans=tuple(sorted(set(mapped), key=lambda s: (s.start, s.end))),
                      warnings=tuple(warnings), task_list=task_list)


def dated(tasks: tuple[KeyTask, ...], narrative: tuple[NarrativeMeasure, ...],
          issued: date | None) -> tuple[tuple[KeyTask, ...], tuple[NarrativeMeasure, ...]]:
    """Key tasks and narrative measures with their deadlines: a task's phase cell is its own time
    limit (``2023-2027年``, ``长期实施``), as a note's is a record's; a narrative measure's is in its text."""
    year = issued.year if issued else None
    return (tuple(replace(t, deadline=find_deadline("", t.phase_text, year, issued)) for t in tasks),
            tuple(replace(m, deadline=find_deadline(m.text, None, year, issued)) for m in narrative))


def deadline_warnings(records, tasks, narrative) -> list[LayoutNote]:
    """One warning per deadline that says a date but gives none (a garbled year, no issue date to count
    from): the text is kept, the date is not guessed, and the report says so at the record's first line."""
    found = [(r.span.start, r.deadline) for r in records]
    found += [(t.spans[0].start, t.deadline) for t in tasks] + [(m.span.start, m.deadline) for m in narrative]
    return [LayoutNote(line, f"deadline {quoted(d.text)} has no due date: {d.problem}")
            for line, d in found if d is not None and d.kind == "unreadable"]


def _heading_notes(blocks, mapped) -> tuple[LayoutNote, ...]:
    """Headings that no record or section maps: context, not data (附件, 专栏7 …, a list's title)."""
    covered = {n for span in mapped for n in span.lines()}
    return tuple(LayoutNote(n, "heading (context of the records below it)")
                 for b in blocks if is_heading(b.text) for n in b.span.lines() if n not in covered)


def rule_in(blocks) -> NoteRule:
    """The first-is-lead rule when the running text states it (列第一位的为牵头单位)."""
    return next((rule for b in blocks if (rule := states_rule(b.text)) is not None), NoteRule())


def _merge_pillars(named: tuple[Pillar, ...], table: tuple[Pillar, ...], path: str) -> tuple[Pillar, ...]:
    """The body's list of pillars and the table's pillar cells must agree."""
    by_number = {p.number: p for p in named}
    for pillar in table:
        known = by_number.get(pillar.number)
        if known is not None and known.name != pillar.name:
            raise StructureError(f"pillar {pillar.number} is {quoted(known.name)} in the body but "
                                 f"{quoted(pillar.name)} in the table", path=path, line=pillar.spans[0].start)
        by_number[pillar.number] = Pillar(pillar.number, known.name if known else pillar.name,
                                          (known.spans if known else ()) + pillar.spans)
    return tuple(by_number[n] for n in sorted(by_number))


def _mapped_spans(header, body, tasks, pillars) -> tuple[LineSpan, ...]:
    spans: list[LineSpan] = list(header.spans.values())
    spans += [s.span for s in body["sections"]] + [g.span for g in body["goals"]]
    spans += [m.span for m in body["narrative"]] + [p.span for p in body["provisions"]]
    spans += [s for p in pillars for s in p.spans]
    for task in tasks:
        spans += list(task.spans)
    return tuple(sorted(set(spans), key=lambda s: (s.start, s.end)))


def unmapped_lines(extraction: Extraction) -> tuple[LayoutNote, ...]:
    """Every non-blank source line that no record and no layout note accounts for."""
    covered: set[int] = set()
    for span in extraction.mapped_spans:
        covered.update(span.lines())
    covered.update(note.line for note in extraction.layout_notes)
    return tuple(LayoutNote(n, "not mapped to any record")
                 for n, text in enumerate(extraction.source.lines, start=1)
                 if text.strip() and n not in covered)
