"""Segment a decoded document into running-text blocks and tables.

The task list of a Chinese policy document usually reaches us as a table
flattened to text: every cell starts on a new line with a tab, a cell runs on
over following lines, a row split across pages comes back as a second physical
row that repeats some of its cells, and leading cells (序号, 总体任务) may go
missing altogether. This stage only recovers that *shape* — which lines form
which cell, which cells form which row and column — and leaves the meaning of
the cells to ``extract``.

Rows are recovered by anchoring on the phase column (实施阶段), the one column
whose content is recognisable on its own and present in every row: the cells
after it are the fixed trailing columns, the cells before it are right-aligned
to the columns before it, so a lost leading cell becomes ``None``.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache

from .errors import StructureError
from .model import Block, Cell, Layout, LineSpan, SourceText, Table, TableRow
from .resources import lexicon_path

#: A physical line that starts a new cell: optional layout spaces, then a tab.
CELL_START = re.compile(r"^[ \u3000]*\t")

#: What a phase cell holds, once its line breaks are removed.
PHASE_CELL = re.compile(
    r"^(长期实施|长期|常态化|持续推进|\d{4}年?(-|—|–|~|至)\d{4}年(底|前)?|\d{4}年(底|前|内)?)$")

ANCHOR_ROLE = "phase"

_SECTION = re.compile(r"^[一二三四五六七八九十]+、")
_SUBSECTION = re.compile(r"^（[一二三四五六七八九十]+）")
_DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
_NOTE = re.compile(r"^（[^（）]*）$")
_ATTACHMENT = re.compile(r"^附件\s*\d*[：:]?$")


@lru_cache(maxsize=None)
def column_roles() -> dict[str, str]:
    """Header text → column role, from ``lexicon/table_columns.tsv``."""
    with lexicon_path("table_columns.tsv").open(encoding="utf-8", newline="") as fh:
        return {row["header"]: row["role"] for row in csv.DictReader(fh, delimiter="\t")}


def segment(source: SourceText) -> Layout:
    """Split ``source`` into blocks (text before/after tables) and tables."""
    roles = column_roles()
    header_at = _find_header(source, roles)
    if header_at is None:
        return Layout(source=source, blocks=tuple(_blocks(source, 1, len(source.lines))), tables=())
    start, end = header_at
    header = tuple(_cell_text(source.line(n)) for n in range(start, end + 1))
    table = Table(header=header, roles=tuple(roles[h] for h in header),
                  header_span=LineSpan(start, end), rows=())
    rows = _rows(source, table, _cells(source, end + 1))
    table = Table(header=table.header, roles=table.roles, header_span=table.header_span, rows=rows)
    return Layout(source=source, blocks=tuple(_blocks(source, 1, start - 1)), tables=(table,))


def classify_block(text: str) -> str:
    """The structural role of one running-text block, from its shape alone."""
    if _SECTION.match(text):
        return "section"
    if _SUBSECTION.match(text):
        return "subsection"
    if _DATE.match(text):
        return "date"
    if _ATTACHMENT.match(text):
        return "attachment"
    if _NOTE.match(text):
        return "note"
    if text.endswith(("：", ":")):
        return "salutation"
    return "paragraph"


# ---------------------------------------------------------------- running text


def _blocks(source: SourceText, first: int, last: int) -> list[Block]:
    """Non-blank lines as blocks; a line with an open 《 continues on the next."""
    blocks: list[Block] = []
    n = first
    while n <= last:
        text = source.line(n).strip()
        if not text:
            n += 1
            continue
        start = n
        while text.count("《") > text.count("》") and n < last and source.line(n + 1).strip():
            n += 1
            text += source.line(n).strip()
        blocks.append(Block(kind=classify_block(text), text=text, span=LineSpan(start, n)))
        n += 1
    return blocks


# ---------------------------------------------------------------- table


def _cell_text(line: str) -> str:
    return CELL_START.sub("", line, count=1).strip()


def _find_header(source: SourceText, roles: dict[str, str]) -> tuple[int, int] | None:
    """The first run of three or more tab-cells that are all known column headers."""
    n = 1
    total = len(source.lines)
    while n <= total:
        m = n
        while m <= total and CELL_START.match(source.line(m)) and _cell_text(source.line(m)) in roles:
            m += 1
        if m - n >= 3:
            return n, m - 1
        n = max(m, n + 1)
    return None


def _cells(source: SourceText, first: int) -> list[Cell]:
    """The stream of cells after the header: a tab starts one, other lines continue it."""
    cells: list[list[tuple[int, str]]] = []
    for n in range(first, len(source.lines) + 1):
        line = source.line(n)
        if CELL_START.match(line):
            cells.append([(n, CELL_START.sub("", line, count=1))])
        elif cells:
            cells[-1].append((n, line))
        elif line.strip():
            raise StructureError("text between the table header and its first cell",
                                 path=source.path, line=n, hint="a table cell must start with a tab")
    return [Cell(lines=tuple(_trim_blank_tail(c))) for c in cells]


def _trim_blank_tail(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    while len(lines) > 1 and not lines[-1][1].strip():
        lines.pop()
    return lines


def is_phase_cell(cell: Cell) -> bool:
    return bool(PHASE_CELL.match(re.sub(r"\s+", "", cell.text)))


def _rows(source: SourceText, table: Table, cells: list[Cell]) -> tuple[TableRow, ...]:
    anchor = table.column(ANCHOR_ROLE)
    if anchor is None:
        raise StructureError("the table has no phase column (实施阶段) to align its rows on",
                             path=source.path, line=table.header_span.start,
                             hint="add the header to lexicon/table_columns.tsv with role 'phase'")
    width = len(table.header)
    trailing = width - anchor - 1
    rows: list[TableRow] = []
    pending: list[Cell] = []
    i = 0
    while i < len(cells):
        cell = cells[i]
        if not is_phase_cell(cell):
            pending.append(cell)
            i += 1
            continue
        if len(pending) > anchor:
            raise StructureError(
                f"row has {len(pending)} cells before its phase cell, the header allows {anchor}",
                path=source.path, line=pending[0].span.start,
                hint="a cell may have lost its leading tab, or a row its phase")
        if not pending:
            raise StructureError("phase cell without the cells of a task before it",
                                 path=source.path, line=cell.span.start)
        tail = cells[i + 1:i + 1 + trailing]
        if len(tail) < trailing or any(is_phase_cell(c) for c in tail):
            raise StructureError("table cut off mid-row: the row after this phase cell is incomplete",
                                 path=source.path, line=cell.span.start,
                                 hint="the file may be truncated")
        leading: list[Cell | None] = [None] * (anchor - len(pending)) + pending
        rows.append(TableRow(cells=tuple(leading + [cell] + tail)))
        pending = []
        i += 1 + trailing
    if pending:
        raise StructureError("table cut off mid-row: cells without a phase cell at the end",
                             path=source.path, line=pending[0].span.start,
                             hint="the file may be truncated")
    return tuple(rows)
