"""Responsibility records from a table row: the ``row_records`` reader.

For tables that are not a 乐清-style task list (no pillar, no leader, maybe no
phase) — 序号 / 重点任务 / 具体措施 / 牵头单位 / 配合单位 / 完成时限 in any order
and any subset — each row is one record: its text is the row's task, target
and measure cells as written, its units come from the unit columns, its
deadline is the time cell as written.

Unit columns are read by the note grammars (:mod:`policykg.ingest.readers.notes`): a
separate 牵头单位 column gives leads, 配合单位 co-units (catch-alls such as
各有关部门 are joint wherever they stand); a single 责任单位 cell is read as the
profile says — ``star`` (``*`` marks the lead) or ``note`` (（X牵头，Y配合）
inside the cell) — and, with no lead stated, a lone unit leads and several are
joint, unless the document states 列第一位的为牵头单位.
"""

from __future__ import annotations

import re
from datetime import date

from policykg.model import Assignment, Cell, LayoutNote, Record, Table, TableRow
from policykg.ingest.readers import read_star
from policykg.ingest.readers.notes import NoteRule, read_note
from policykg.ingest.extract.deadlines import deadline_of, find_deadline
from policykg.ingest.extract.quantities import find_quantities
from policykg.ingest.extract.references import find_references

TEXT_ROLES = ("task", "targets", "measures")
_WRAP = re.compile(r"\s*\n\s*")


def _cell(table: Table, row: TableRow, role: str) -> Cell | None:
    index = table.column(role)
    if index is None:
        return None
    cell = row.cells[index]
    return None if cell is None or cell.is_empty else cell


def _flat(cell: Cell | None) -> str:
    return _WRAP.sub("", cell.text.strip()) if cell is not None else ""


def row_assignment(table: Table, row: TableRow, units_grammar: str, rule: NoteRule) -> Assignment | None:
    """Who carries the row: from a single units cell or from lead / co columns; a column whose
    role is neither (指导部门: ``joint_units``) gives joint units, every one of them.

    With a 牵头单位 column beside it, a 责任单位 column names the co-units (as 「牵头单位：X；
    责任单位：Y」 does in a note)."""
    shared = _flat(_cell(table, row, "joint_units"))
    assignment = _lead_co(table, row, rule)
    if not shared:
        return assignment
    joint = read_note(f"（责任单位：{shared}）", NoteRule())[0]
    names = tuple(dict.fromkeys(joint.lead + joint.co + joint.joint))
    if assignment is None:
        return Assignment(lead=(), co=(), joint=names, reader="columns", text=shared)
    return Assignment(lead=assignment.lead, co=assignment.co,
                      joint=assignment.joint + tuple(n for n in names if n not in assignment.joint),
                      reader=assignment.reader, text="\n".join((assignment.text, shared)),
                      deadline=assignment.deadline)


def _lead_co(table: Table, row: TableRow, rule: NoteRule) -> Assignment | None:
    units = _cell(table, row, "units")
    if units is not None and table.column("lead_units") is None:
        text = _flat(units)
        if "*" in text or "＊" in text:
            return read_star(text)
        return read_note(f"（责任单位：{text}）" if not _has_role_words(text) else f"（{text}）", rule)[0]
    lead = _flat(_cell(table, row, "lead_units"))
    co = "、".join(t for t in (_flat(_cell(table, row, "co_units")), _flat(units)) if t)
    if not lead and not co:
        return None
    note = f"（牵头单位：{lead}；配合单位：{co}）" if lead and co else \
        f"（牵头单位：{lead}）" if lead else f"（配合单位：{co}）"
    assignment = read_note(note, NoteRule())[0]
    return Assignment(lead=assignment.lead, co=assignment.co, joint=assignment.joint, reader="columns",
                      text="\n".join(t for t in (lead, co) if t))


def _has_role_words(text: str) -> bool:
    return any(word in text for word in ("牵头", "配合", "负责", "参加", "参与"))


def row_records(table: Table, *, units_grammar: str, rule: NoteRule, doc_year: int | None,
                first_key: int, title: str = "", issued: date | None = None) -> tuple[tuple[Record, ...], tuple[LayoutNote, ...]]:
    """One record per row that says what to do; the header's lines are layout."""
    notes = [LayoutNote(n, "table header row") for n in table.header_span.lines()]
    records: list[Record] = []
    for row in table.rows:
        parts = [_cell(table, row, role) for role in TEXT_ROLES]
        text = "\n".join(c.text.strip() for c in parts if c is not None)
        if not text:
            notes.extend(LayoutNote(n, "table row with no task or measure text")
                         for c in row.cells if c is not None for n, t in c.lines if t.strip())
            continue
        serial = _cell(table, row, "serial")
        time_cell = _cell(table, row, "phase")
        assignment = row_assignment(table, row, units_grammar, rule)
        span = row.span
        records.append(Record(
            key=first_key + len(records), label=serial.text.strip() if serial else None, text=text, span=span,
            assignment=assignment,
            deadline=deadline_of(_flat(time_cell), doc_year, issued) if time_cell else
            find_deadline(text, None, doc_year, issued),
            heading=None, quantities=find_quantities(text), references=find_references(text, span, exclude=title)))
    return tuple(records), tuple(notes)
