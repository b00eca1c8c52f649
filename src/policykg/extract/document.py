"""Extraction stage: a segmented :class:`Layout` → an :class:`Extraction`."""

from __future__ import annotations

from ..errors import StructureError
from ..model import Extraction, Layout, LayoutNote, LineSpan, Pillar
from .body import extract_body
from .header import extract_header
from .tasks import extract_tasks


def extract(layout: Layout) -> Extraction:
    """Read every record the document states, each with its source lines."""
    path = layout.source.path
    blocks = list(layout.blocks)
    header = extract_header(blocks, path)
    body = extract_body(blocks, header.title)
    tasks, table_pillars, table_notes = (), (), ()
    if layout.tables:
        tasks, table_pillars, table_notes = extract_tasks(layout.tables[0], path)
    pillars = _merge_pillars(body["pillars"], table_pillars, path)
    mapped = _mapped_spans(header, body, tasks, pillars)
    return Extraction(source=layout.source, header=header, sections=body["sections"],
                      goals=body["goals"], pillars=pillars, narrative=body["narrative"],
                      provisions=body["provisions"], tasks=tasks,
                      layout_notes=tuple(table_notes), mapped_spans=mapped)


def _merge_pillars(named: tuple[Pillar, ...], table: tuple[Pillar, ...], path: str) -> tuple[Pillar, ...]:
    """The body's list of pillars and the table's pillar cells must agree."""
    by_number = {p.number: p for p in named}
    for pillar in table:
        known = by_number.get(pillar.number)
        if known is not None and known.name != pillar.name:
            raise StructureError(f"pillar {pillar.number} is {known.name!r} in the body but "
                                 f"{pillar.name!r} in the table", path=path, line=pillar.spans[0].start)
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
