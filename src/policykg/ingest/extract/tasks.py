"""Key tasks (重点工作) from the task-list table, merged over page splits.

Physical rows that carry the same （N） task are the pages of one task: their
repeated cells (序号, 总体任务, 重点工作, 实施阶段, 责任单位, 分管领导/联络员)
are counted once, their item lists are merged by :mod:`.items`. A row that
omits its pillar belongs to the pillar of the task before it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from policykg.errors import StructureError, quoted
from policykg.model import (
    Cell,
    KeyTask,
    LayoutNote,
    Leadership,
    LineSpan,
    Pillar,
    Table,
    TableRow,
)
from policykg.ingest.numerals import chinese_to_int
from policykg.ingest.text import without_spaces
from policykg.ingest.readers import read_columns, read_star
from policykg.ingest.extract.items import merge_items
from policykg.ingest.extract.quantities import due_year, find_quantities
from policykg.ingest.extract.references import find_references

_TASK = re.compile(r"^（(?P<numeral>[一二三四五六七八九十百]+)）\s*(?P<title>.+)$", re.S)
_PILLAR = re.compile(r"^(?P<numeral>[一二三四五六七八九十]+)、\s*(?P<name>.+)$")
_NAME_SEPARATORS = re.compile(r"[、，,/；;]")
#: Longest line read as names run together (三个三字姓名): jieba's HMM tagger is
#: slow on long text and a longer line is not a 分管领导/联络员 line anyway.
MAX_RUN_TOGETHER = 12


def extract_tasks(table: Table, path: str) -> tuple[tuple[KeyTask, ...], tuple[Pillar, ...], tuple[LayoutNote, ...]]:
    """Merge the table's rows into key tasks; also return the pillars they name."""
    groups = _group_rows(table, path)
    tasks: list[KeyTask] = []
    pillars: dict[int, Pillar] = {}
    notes: list[LayoutNote] = [LayoutNote(n, "table header row") for n in table.header_span.lines()]
    current_pillar: int | None = None
    for number, rows in groups:
        pillar, written = _pillar_of(table, rows, path)
        if pillar is not None:
            current_pillar = pillar.number
            known = pillars.get(pillar.number)
            pillars[pillar.number] = Pillar(pillar.number, pillar.name,
                                            (known.spans if known else ()) + pillar.spans)
        if current_pillar is None:
            raise StructureError("the first task row names no pillar (总体任务)",
                                 path=path, line=rows[0].span.start)
        task, task_notes = _task(table, number, rows, current_pillar, written, path)
        tasks.append(task)
        notes.extend(task_notes)
    return tuple(tasks), tuple(sorted(pillars.values(), key=lambda p: p.number)), tuple(notes)


def _cell(table: Table, row: TableRow, role: str) -> Cell | None:
    index = table.column(role)
    return None if index is None else row.cells[index]


def _group_rows(table: Table, path: str) -> list[tuple[int, list[TableRow]]]:
    groups: list[tuple[int, list[TableRow]]] = []
    for row in table.rows:
        cell = _cell(table, row, "task")
        match = _TASK.match(cell.text) if cell is not None else None
        if match is None:
            line = cell.span.start if cell is not None else row.span.start
            raise StructureError("row has no key-task cell of the form （一）…", path=path, line=line)
        number = chinese_to_int(match.group("numeral"))
        if groups and groups[-1][0] == number:
            groups[-1][1].append(row)
            continue
        expected = groups[-1][0] + 1 if groups else 1
        if number != expected:
            raise StructureError(f"key task （{match.group('numeral')}） follows task {expected - 1}",
                                 path=path, line=cell.span.start, hint="rows out of order or missing")
        groups.append((number, [row]))
    return groups


def _pillar_of(table: Table, rows: list[TableRow], path: str) -> tuple[Pillar | None, bool]:
    found: Pillar | None = None
    for row in rows:
        cell = _cell(table, row, "pillar")
        if cell is None or cell.is_empty:
            continue
        match = _PILLAR.match(cell.text)
        if match is None:
            raise StructureError(f"pillar cell {quoted(cell.text)} is not of the form 一、…",
                                 path=path, line=cell.span.start)
        pillar = Pillar(chinese_to_int(match.group("numeral")), match.group("name").strip(), (cell.span,))
        if found is not None and found.number != pillar.number:
            raise StructureError("one task, two pillars", path=path, line=cell.span.start)
        found = pillar if found is None else Pillar(found.number, found.name, found.spans + pillar.spans)
    return found, found is not None


def _same_text(table: Table, rows: list[TableRow], role: str, path: str) -> Cell | None:
    """The cell of ``role`` that every page of the task repeats; they must agree."""
    cells = [c for c in (_cell(table, r, role) for r in rows) if c is not None and not c.is_empty]
    if not cells:
        return None
    first = without_spaces(cells[0].text)
    for cell in cells[1:]:
        if without_spaces(cell.text) != first:
            raise StructureError(f"the continued row says {quoted(cell.text)} where the row before says "
                                 f"{quoted(cells[0].text)} ({table.header[table.roles.index(role)]})",
                                 path=path, line=cell.span.start)
    return cells[0]


def _task(table: Table, number: int, rows: list[TableRow], pillar: int, pillar_written: bool,
          path: str) -> tuple[KeyTask, list[LayoutNote]]:
    notes = _repeat_notes(table, rows)
    task_cell = _same_text(table, rows, "task", path)
    match = _TASK.match(task_cell.text)
    serial = _same_text(table, rows, "serial", path)
    if serial is not None and serial.text.strip() != str(number):
        raise StructureError(f"序号 {serial.text.strip()} does not match key task （{match.group('numeral')}）",
                             path=path, line=serial.span.start)
    targets, target_notes = merge_items([c for c in (_cell(table, r, "targets") for r in rows) if c])
    measures, measure_notes = merge_items([c for c in (_cell(table, r, "measures") for r in rows) if c])
    targets = tuple(replace(t, quantities=find_quantities(t.text), due_year=due_year(t.text),
                            references=find_references(t.text, t.spans[0])) for t in targets)
    measures = tuple(replace(m, references=find_references(m.text, m.spans[0])) for m in measures)
    phase = _same_text(table, rows, "phase", path)
    return KeyTask(
        number=number, numeral=match.group("numeral"), title=without_spaces(match.group("title")),
        pillar=pillar, pillar_written=pillar_written,
        serial=serial.text.strip() if serial else None,
        targets=targets, measures=measures,
        phase_text=without_spaces(phase.text) if phase else "",
        assignment=_assignment(table, rows, path),
        leadership=_leadership(table, rows, path),
        spans=tuple(r.span for r in rows),
    ), notes + list(target_notes) + list(measure_notes)


def _repeat_notes(table: Table, rows: list[TableRow]) -> list[LayoutNote]:
    notes = []
    for row in rows[1:]:
        for role in ("serial", "pillar", "task", "phase", "units", "lead_units", "co_units", "leadership",
                     "leader", "liaison"):
            cell = _cell(table, row, role)
            if cell is not None and not cell.is_empty:
                notes.extend(LayoutNote(n, f"{table.header[table.roles.index(role)]} repeated on the "
                                           "continued row of a page split")
                             for n, text in cell.lines if text.strip())
    return notes


def _assignment(table: Table, rows: list[TableRow], path: str):
    units = _same_text(table, rows, "units", path)
    if units is not None:
        assignment = read_star(_flat_list(units.text))
    else:
        lead = _same_text(table, rows, "lead_units", path)
        co = _same_text(table, rows, "co_units", path)
        if lead is None:
            raise StructureError("task has no responsible unit", path=path, line=rows[0].span.start)
        assignment = read_columns(_flat_list(lead.text), _flat_list(co.text) if co else "")
    return assignment


def _flat_list(text: str) -> str:
    return re.sub(r"\s*\n\s*", "", text.strip())


def split_person_names(line: str) -> list[str]:
    """The names on one line of a 分管领导/联络员 cell, as written.

    ``叶  茹`` is one padded name; ``陈宋淼 林良卡`` or ``陈宋淼、林良卡`` are two;
    ``叶茹王旭勇`` run together is split by jieba's person-name tags, but only
    when the tagged names cover the whole line.

    >>> split_person_names("叶  茹"), split_person_names("陈宋淼 林良卡"), split_person_names("叶茹王旭勇")
    (['叶  茹'], ['陈宋淼', '林良卡'], ['叶茹', '王旭勇'])
    """
    if _NAME_SEPARATORS.search(line):
        return [part.strip() for part in _NAME_SEPARATORS.split(line) if part.strip()]
    parts = line.split()
    if len(parts) > 1 and all(len(part) >= 2 for part in parts):
        return parts
    name = without_spaces(line)
    if len(name) <= 4 or len(name) > MAX_RUN_TOGETHER:
        return [line]          # one name; or too long to be names at all (the cell is then refused)
    from policykg.ingest.nlp import person_names   # jieba loads only for this rare layout
    found = person_names(name)
    return found if "".join(found) == name else [line]


def _leadership(table: Table, rows: list[TableRow], path: str) -> Leadership:
    """分管领导 then 联络员: one cell with a name per line, or two columns."""
    cell = _same_text(table, rows, "leadership", path)
    if cell is not None:
        names = [(n, name) for n, t in cell.lines if t.strip() for name in split_person_names(t.strip())]
        span = cell.span
    else:
        leader = _same_text(table, rows, "leader", path)
        if leader is None:
            raise StructureError("task has no 分管领导/联络员", path=path, line=rows[0].span.start)
        liaison = _same_text(table, rows, "liaison", path)
        cell = leader
        names = [(leader.span.start, leader.text.strip())]
        names += [(liaison.span.start, liaison.text.strip())] if liaison is not None else []
        span = leader.span if liaison is None else LineSpan(leader.span.start, liaison.span.end)
    if not 1 <= len(names) <= 2 or any(len(without_spaces(t)) > 4 for _, t in names):
        raise StructureError(f"分管领导/联络员 cell {quoted(cell.text)} is not one or two person names",
                             path=path, line=cell.span.start,
                             hint="text after the table, or a lost tab, may have run into the last cell")
    leader_written = names[0][1]
    liaison_written = names[1][1] if len(names) > 1 else None
    return Leadership(leader=without_spaces(leader_written),
                      liaison=without_spaces(liaison_written) if liaison_written else None,
                      leader_written=leader_written, liaison_written=liaison_written, span=span)
