"""Segment a decoded document into running-text blocks and tables.

The task list of a Chinese policy document usually reaches us as a table
flattened to text: every cell starts on a new line with a tab, a cell runs on
over following lines, a row split across pages comes back as a second physical
row that repeats some of its cells, and leading cells (序号, 总体任务) may go
missing altogether. This stage only recovers that *shape* — which lines form
which cell, which cells form which row and column — and leaves the meaning of
the cells to ``extract``.

How rows are recovered is the table's *layout profile* (``lexicon/layouts.toml``,
chosen by the header's column roles), not code:

* ``phase``  — anchor on the phase column (实施阶段), recognisable on its own and
  present in every row: the cells after it are the fixed trailing columns, the
  cells before it are right-aligned, so a lost leading cell becomes ``None``;
* ``serial`` — a bare row number in the first column starts each row;
* ``width``  — one cell per column, checked against the serial and phase columns.

The profile's anchor is tried first, then the others the header allows. A
table flattened one row per line (cells separated by tabs) is read line by
line and ends at the first line without a tab; the text after it is read on.
A table no anchor can align is read as running text, with a warning naming
the line where its own anchor failed: degrade, don't die.
"""

from __future__ import annotations

import csv
import re
import tomllib
from dataclasses import dataclass, replace
from functools import lru_cache

from policykg.errors import StructureError
from policykg.ingest.flat_table import find_header as find_flat_header, reassemble
from policykg.ingest.grid import GridRead, read_grid
from policykg.model import Block, Cell, Layout, LayoutNote, LineSpan, SourceText, Table, TableBlock, TableRow
from policykg.resources import lexicon_path

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


@dataclass(frozen=True)
class Profile:
    """A table layout of ``lexicon/layouts.toml`` (see its header for the fields)."""

    name: str
    requires: tuple[str, ...]
    anchor: str
    reader: str
    units: str
    carried: tuple[str, ...] = ()

    def fits(self, roles: tuple[str, ...]) -> bool:
        return all(any(r in roles for r in need.split("|")) for need in self.requires)


@lru_cache(maxsize=None)
def profiles() -> tuple[Profile, ...]:
    with lexicon_path("layouts.toml").open("rb") as fh:
        data = tomllib.load(fh)
    return tuple(Profile(p["name"], tuple(p["requires"]), p["anchor"], p["reader"], p["units"],
                         tuple(p.get("carried", ())))
                 for p in data["profile"])


def profile_named(name: str) -> Profile:
    return next(p for p in profiles() if p.name == name)


def profile_for(roles: tuple[str, ...]) -> Profile | None:
    """The first profile whose required roles the header has."""
    return next((p for p in profiles() if p.fits(roles)), None)


def segment(source: SourceText) -> Layout:
    """Split ``source`` into blocks (text before, after and instead of tables) and tables."""
    roles = column_roles()
    if source.blocks:
        return _from_blocks(source, roles)
    header_at = _find_header(source, roles)
    if header_at is not None:
        layout = _cell_table(source, roles, *header_at)
        flat = None if layout.tables else _flat_tables(source, roles)
        if flat is None or not flat.tables:
            return layout
        # the cells could not be aligned by their tabs: read by what they hold, and say so
        said = tuple(replace(w, reason=f"{w.reason}; read cell by cell by what each column holds")
                     for w in layout.warnings)
        return replace(flat, warnings=said + flat.warnings)
    row_header = _find_row_header(source, roles)
    if row_header is not None:
        layout = _row_table(source, roles, row_header)
        if any(t.rows for t in layout.tables):
            return layout
        flat = _flat_tables(source, roles)        # the header on a line, the cells one per line
        return flat if flat is not None and flat.tables else layout
    flat = _flat_tables(source, roles)
    if flat is not None:
        return flat
    return Layout(source=source, blocks=tuple(_blocks(source, 1, len(source.lines))), tables=())


def _flat_tables(source: SourceText, roles: dict[str, str]) -> Layout | None:
    """Tables flattened one cell per line that the readers above could not align — no tab
    before each cell, cells over several lines, page numbers, a header typed again, section
    rows — rebuilt on their serial column (:mod:`.flat_table`); the text between and after
    them is running text. ``None`` when the text has no such header."""
    header = find_flat_header(source, roles, profile_for)
    if header is None:
        return None
    blocks: list[Block] = []
    tables: list[Table] = []
    notes: list[LayoutNote] = []
    warnings: list[LayoutNote] = []
    text_from = 1
    while header is not None:
        following = find_flat_header(source, roles, profile_for, header.end + 1)
        while following is not None and following.words == header.words:     # typed again after a page break
            following = find_flat_header(source, roles, profile_for, following.end + 1)
        read = reassemble(source, header, following.start - 1 if following else len(source.lines))
        if read.table is None:
            warnings.append(LayoutNote(header.start, "table header with no numbered rows under it: read as text"))
        else:
            blocks += _blocks(source, text_from, header.start - 1)
            tables.append(read.table)
            notes += read.notes
            text_from = read.end + 1
        header = following
    blocks += _blocks(source, text_from, len(source.lines))
    return Layout(source=source, blocks=tuple(blocks), tables=tuple(tables), warnings=tuple(warnings),
                  notes=tuple(notes))


def _from_blocks(source: SourceText, roles: dict[str, str]) -> Layout:
    """A reader's paragraphs and tables: each table whose header is a task table's becomes a
    :class:`Table` from its grid (:mod:`.grid`); everything else is running text, read as a
    text's lines are, so that a paragraph reads the same whatever the format. A task table
    split in two (at a page, by a converter) — the second part right after the first, with
    no header or the same one — is one table, as a table over several pages is one."""
    blocks: list[Block] = []
    tables: list[Table] = []
    notes: list[LayoutNote] = []
    run: list[int] = []                         # first and last line of the running text so far
    for block in source.blocks:
        after = tables[-1] if tables and not run else None
        found = read_grid(source, block, roles, profile_for, classify_block, after=after) \
            if isinstance(block, TableBlock) else GridRead(None)
        if found.table is None:
            run = [run[0] if run else block.span.start, block.span.end]
            continue
        if run:
            blocks += _blocks(source, run[0], run[1])
            run = []
        if after is not None and found.table.roles == after.roles and not found.titles:
            if found.table.header_span != after.header_span:
                notes += [LayoutNote(n, "table header row repeated") for n in found.table.header_span.lines()]
            tables[-1] = replace(after, rows=after.rows + found.table.rows)
        else:
            tables.append(found.table)
        blocks += found.titles
        notes += found.notes
    if run:
        blocks += _blocks(source, run[0], run[1])
    return Layout(source=source, blocks=tuple(sorted(blocks, key=lambda b: b.span.start)), tables=tuple(tables),
                  notes=tuple(notes))


def _cell_table(source: SourceText, roles: dict[str, str], start: int, end: int) -> Layout:
    """A table flattened one cell per line (a tab starts each cell), running to the end."""
    header = tuple(_cell_text(source.line(n)) for n in range(start, end + 1))
    column_roles_ = tuple(roles[h] for h in header)
    profile = profile_for(column_roles_)
    before = tuple(_blocks(source, 1, start - 1))
    if profile is None:
        note = LayoutNote(start, "table header with no layout profile that fits its columns: read as text")
        return Layout(source=source, blocks=tuple(_blocks(source, 1, len(source.lines))), tables=(),
                      warnings=(note,))
    table = Table(header=header, roles=column_roles_, header_span=LineSpan(start, end), rows=(),
                  profile=profile.name)
    cells = None
    failure: StructureError | None = None
    for anchor in _anchors(profile, column_roles_):
        try:
            cells = cells if cells is not None else _cells(source, end + 1)
            rows = ANCHORS[anchor](source, table, cells)
            return Layout(source=source, blocks=before, tables=(replace(table, rows=rows),))
        except StructureError as exc:
            failure = failure or exc
    # Degrade, don't die: the table's lines are read as running text and the
    # build says which row it could not align (by the profile's own anchor), and why.
    note = LayoutNote(failure.line or start, f"table rows not aligned: {failure.message}")
    return Layout(source=source, blocks=tuple(_blocks(source, 1, len(source.lines))), tables=(),
                  warnings=(note,))


def _anchors(profile: Profile, roles: tuple[str, ...]) -> list[str]:
    """The profile's anchor first, then the others this header allows."""
    usable = {"phase": "phase" in roles, "serial": roles[:1] == ("serial",), "width": True}
    return [profile.anchor] + [a for a in ("phase", "serial", "width") if a != profile.anchor and usable[a]]


def _row_table(source: SourceText, roles: dict[str, str], header_line: int) -> Layout:
    """A table flattened one row per line, cells separated by tabs; it ends at the
    first non-blank line without a tab, and the text after it is read on."""
    header = tuple(c.strip() for c in source.line(header_line).split("\t") if c.strip())
    column_roles_ = tuple(roles[h] for h in header)
    profile = profile_for(column_roles_)
    if profile is None:
        note = LayoutNote(header_line, "table header with no layout profile that fits its columns: read as text")
        return Layout(source=source, blocks=tuple(_blocks(source, 1, len(source.lines))), tables=(),
                      warnings=(note,))
    rows: list[TableRow] = []
    last = header_line
    for n in range(header_line + 1, len(source.lines) + 1):
        line = source.line(n)
        if not line.strip():
            continue
        if "\t" not in line:
            open_cell = _open_cell(rows[-1]) if rows else None
            if open_cell is None:
                break
            rows[-1] = _extend_cell(rows[-1], open_cell, n, line.strip())   # a cell wrapped mid-sentence
            last = n
            continue
        last = n
        fields = [f.strip() for f in line.split("\t")]
        if fields and not fields[0] and len(fields) > len(header):
            fields = fields[1:]              # a leading tab before the first cell
        if len(fields) < len(header) and rows and sum(1 for f in fields if f) <= 1:
            rows[-1] = _continue_row(rows[-1], n, line.strip())   # a wrapped last cell
            continue
        fields = (fields + [""] * len(header))[:len(header)]
        rows.append(TableRow(cells=tuple(Cell(lines=((n, f),)) for f in fields)))
    table = Table(header=header, roles=column_roles_, header_span=LineSpan(header_line, header_line),
                  rows=tuple(rows), profile=profile.name)
    blocks = tuple(_blocks(source, 1, header_line - 1)) + tuple(_blocks(source, last + 1, len(source.lines)))
    return Layout(source=source, blocks=blocks, tables=(table,))


def _open_cell(row: TableRow) -> int | None:
    """The cell of a row that stops mid-sentence (ends in ，、；), if one does."""
    for i, cell in enumerate(row.cells):
        if cell is not None and cell.text.rstrip().endswith(("，", "、", "；", ",", ";")):
            return i
    return None


def _extend_cell(row: TableRow, index: int, n: int, text: str) -> TableRow:
    cells = list(row.cells)
    cells[index] = Cell(lines=cells[index].lines + ((n, text),))
    return TableRow(cells=tuple(cells))


def _continue_row(row: TableRow, n: int, text: str) -> TableRow:
    cells = list(row.cells)
    i = max(i for i, c in enumerate(cells) if c is not None and not c.is_empty) if any(
        c is not None and not c.is_empty for c in cells) else len(cells) - 1
    cells[i] = Cell(lines=cells[i].lines + ((n, text),))
    return TableRow(cells=tuple(cells))


def _find_row_header(source: SourceText, roles: dict[str, str]) -> int | None:
    """A line of three or more tab-separated cells that are all known column headers."""
    for n, line in enumerate(source.lines, start=1):
        if line.count("\t") < 2:
            continue
        cells = [c.strip() for c in line.split("\t") if c.strip()]
        if len(cells) >= 3 and all(c in roles for c in cells):
            return n
    return None


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


def _rows_by_phase(source: SourceText, table: Table, cells: list[Cell]) -> tuple[TableRow, ...]:
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


_SERIAL = re.compile(r"^[0-9０-９]{1,3}[.．、]?$")


def _rows_by_serial(source: SourceText, table: Table, cells: list[Cell]) -> tuple[TableRow, ...]:
    """Rows that each start with a bare row number in the first column (序号)."""
    width = len(table.header)
    if table.column("serial") != 0:
        return _rows_by_width(source, table, cells)
    rows: list[list[Cell]] = []
    for cell in cells:
        if _SERIAL.match(cell.text.strip()) or not rows:
            rows.append([])
        rows[-1].append(cell)
    for row in rows:
        if len(row) != width:
            raise StructureError(f"row has {len(row)} cells, the header has {width}", path=source.path,
                                 line=row[0].span.start, hint="a cell may have lost its leading tab")
    return tuple(TableRow(cells=tuple(row)) for row in rows)


def _rows_by_width(source: SourceText, table: Table, cells: list[Cell]) -> tuple[TableRow, ...]:
    """Rows of exactly one cell per column."""
    width = len(table.header)
    if len(cells) % width:
        raise StructureError(f"{len(cells)} cells do not make rows of {width}", path=source.path,
                             line=cells[-1].span.start if cells else table.header_span.end)
    rows = tuple(TableRow(cells=tuple(cells[i:i + width])) for i in range(0, len(cells), width))
    checks = {"serial": lambda c: c.is_empty or _SERIAL.match(c.text.strip()), "phase": lambda c: c.is_empty or is_phase_cell(c)}
    for role, fits in checks.items():
        column = table.column(role)
        for row in rows if column is not None else ():
            if not fits(row.cells[column]):
                raise StructureError(f"cells counted into rows of {width} put {row.cells[column].text[:20]!r} "
                                     f"in the {table.header[column]} column", path=source.path,
                                     line=row.cells[column].span.start, hint="a cell may have lost its tab")
    return rows


ANCHORS = {"phase": _rows_by_phase, "serial": _rows_by_serial, "width": _rows_by_width}
