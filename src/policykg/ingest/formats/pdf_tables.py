"""Tables of a PDF: cells from ruling lines, spans from cell boxes, one table over many pages.

pdfplumber finds a table's cells from its ruling lines (``find_tables`` with the
line strategies). Its rows give ``None`` where a merged cell covers a position;
we do not use them: every cell box is placed in the grid of all column and row
edges, so a merged cell is *one* cell with its row and column span.

A table that runs on over the next page comes back as one piece per page. The
pieces are joined into one table here:

* the header row, which the word processor repeats at the top of each page, is
  kept once (a continuation piece whose first row says what the header says);
* a row **cut by the page break** — the printer ran out of page in the middle of
  a row and went on with the rest of it on the next page — is joined back into
  one row, cell by cell (a cell's printed lines simply go on: a sentence cut in
  two is one paragraph again, because the line before the break was full).

Whether the first row on the new page is the rest of the row above or a row of
its own is the hard part. A table may well have rows without a serial number
(the seed's task list keeps rows that an earlier printout had already split;
they are separate rows in the Word file and in the ``.txt``). So:

1. a serial number in the first cell starts a row of its own (when the first
   column is a serial column), and so does a section row across the table;
2. a column filled in every row away from the page breaks (实施阶段, 责任单位 …;
   the serial column aside)
   that is empty on one side of the break and filled on the other shows a cut:
   a row of its own would have it, and the rest of a cut row does not repeat it;
3. when every such column is filled on both sides, the row is cut only if most
   of the cells on the new page go on with a sentence the old page left open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from statistics import median

from policykg.ingest.formats.pdf_lines import Frame, Line, lines_of, paragraphs, starts_paragraph, usual_gap

#: Edges closer than this (points) are one edge of the grid.
_SNAP = 2.0
_SERIAL = re.compile(r"^[0-9０-９]{1,3}[.．、]?$")
_SPACES = re.compile(r"\s+")


@dataclass
class Cell:
    """A cell: its place and span in the grid, its box, its printed lines (over pages, once joined)."""

    row: int
    column: int
    rowspan: int
    colspan: int
    box: tuple[float, float, float, float]
    page: int
    lines: list[Line] = field(default_factory=list)

    @property
    def text(self) -> str:
        return _SPACES.sub("", "".join(line.text for line in self.lines))


@dataclass
class Piece:
    """The part of a table that one page holds."""

    page: int
    box: tuple[float, float, float, float]
    xs: tuple[float, ...]
    rows: int
    cells: list[Cell]

    @property
    def columns(self) -> int:
        return len(self.xs) - 1

    def anchored(self) -> dict[tuple[int, int], Cell]:
        return {(c.row, c.column): c for c in self.cells}

    def covering(self, row: int) -> dict[int, Cell]:
        """Column → the cell that covers ``row`` there (a merged cell from above included)."""
        return {col: c for c in self.cells if c.row <= row < c.row + c.rowspan
                for col in range(c.column, c.column + c.colspan)}


@dataclass
class Table:
    """A table as published, over all its pages: the header rows once, cut rows joined."""

    pieces: list[Piece]
    rows: int
    columns: int
    cells: list[Cell]
    header_rows: int


def ruled_cells(edges: list[dict]) -> tuple[list[list[tuple[float, float, float, float]]], list[tuple]]:
    """The cells the ruling lines ``edges`` (pdfplumber's ``page.edges``) enclose: grouped into
    tables of two cells or more, and the single framed cells left over. pdfplumber's own
    ``find_tables`` with the line strategies and its default tolerances, taken step by step
    so that it runs on any geometry (a turned page's, put upright) and keeps single cells."""
    from pdfplumber import table as finder
    from pdfplumber.utils import filter_edges
    merged = finder.merge_edges(filter_edges(edges, min_length=1), 3, 3, 3, 3)
    points = finder.edges_to_intersections(filter_edges(merged, min_length=3), 3, 3)
    cells = [tuple(c) for c in finder.intersections_to_cells(points)]
    groups = [[tuple(c) for c in group] for group in finder.cells_to_tables(cells)]
    grouped = {c for group in groups for c in group}
    return groups, [c for c in cells if c not in grouped]


def _edges(values: list[float]) -> list[float]:
    edges: list[float] = []
    for value in sorted(values):
        if not edges or value - edges[-1] > _SNAP:
            edges.append(value)
    return edges


def _at(edges: list[float], value: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - value))


def piece_of(boxes: list[tuple[float, float, float, float]], chars: list[dict], page: int) -> Piece:
    """One page's table from its cell boxes: each box placed in the grid of all edges, its
    characters (by their centre) read into printed lines set in the cell's inside."""
    xs = _edges([b[0] for b in boxes] + [b[2] for b in boxes])
    ys = _edges([b[1] for b in boxes] + [b[3] for b in boxes])
    inside: dict[int, list[dict]] = {i: [] for i in range(len(boxes))}
    for char in chars:
        cx, cy = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
        for i, (x0, top, x1, bottom) in enumerate(boxes):
            if x0 <= cx <= x1 and top <= cy <= bottom:
                inside[i].append(char)
                break
    cells = []
    for i, box in enumerate(boxes):
        column, row = _at(xs, box[0]), _at(ys, box[1])
        cells.append(Cell(row=row, column=column, rowspan=max(1, _at(ys, box[3]) - row),
                          colspan=max(1, _at(xs, box[2]) - column), box=box, page=page,
                          lines=lines_of(inside[i], page)))
    pad = _padding(cells)
    gap = median([usual_gap(cell.lines) for cell in cells if len(cell.lines) > 1] or [0.0])
    for cell in cells:
        frame = Frame(cell.box[0] + pad, cell.box[2] - pad, gap)
        cell.lines = [replace(line, frame=frame) for line in cell.lines]
    box = (xs[0], ys[0], xs[-1], ys[-1])
    return Piece(page=page, box=box, xs=tuple(xs), rows=len(ys) - 1,
                 cells=sorted(cells, key=lambda c: (c.row, c.column)))


def _padding(cells: list[Cell]) -> float:
    """The cell padding: the least distance from a cell's left edge to its text (left-aligned
    cells show it; centred ones only add to it)."""
    gaps = [line.x0 - cell.box[0] for cell in cells for line in cell.lines]
    return max(0.0, min(gaps)) if gaps else 0.0


def continues(before: Piece, after: Piece) -> bool:
    """Whether ``after`` (first on its page) goes on with ``before`` (last on the page before):
    the same outer edges, and the column edges of one among those of the other (a page of
    rows that span columns shows fewer of them)."""
    def among(xs: tuple[float, ...], ys: tuple[float, ...]) -> bool:
        return all(any(abs(x - y) <= _SNAP for y in ys) for x in xs)
    return (after.page == before.page + 1 and abs(after.xs[0] - before.xs[0]) <= _SNAP
            and abs(after.xs[-1] - before.xs[-1]) <= _SNAP
            and (among(after.xs, before.xs) or among(before.xs, after.xs)))


def _on_grid(piece: Piece, xs: list[float]) -> Piece:
    """``piece`` with its columns counted on the column edges ``xs`` of the whole table."""
    cells = []
    for cell in piece.cells:
        column = _at(xs, cell.box[0])
        cells.append(replace(cell, column=column, colspan=max(1, _at(xs, cell.box[2]) - column)))
    return replace(piece, xs=tuple(xs), cells=cells)


def _row_text(piece: Piece, row: int) -> tuple[str, ...]:
    anchored = piece.anchored()
    return tuple(anchored[(row, c)].text if (row, c) in anchored else "" for c in range(piece.columns))


#: The most rows a header may have (a title row, then one or two rows of column words).
MAX_HEADER_ROWS = 3


def header_rows(pieces: list[Piece], known: set[str]) -> int:
    """How many top rows are the header: those repeated atop the next page, else the first
    row when its cells are all column words (``known``)."""
    first = pieces[0]
    repeated = 0
    if len(pieces) > 1:
        while (repeated < min(MAX_HEADER_ROWS, first.rows - 1, pieces[1].rows)
               and any(_row_text(first, repeated)) and _row_text(pieces[1], repeated) == _row_text(first, repeated)):
            repeated += 1
    if repeated:
        return repeated
    for row in range(min(MAX_HEADER_ROWS, first.rows - 1)):      # a title row may stand above it
        texts = [t for t in _row_text(first, row) if t]
        if len(texts) >= 2 and all(t in known for t in texts):
            return row + 1
    return 0


def header_words(pieces: list[Piece], header: int) -> list[tuple[int, str]]:
    """``(column, text)`` of each cell of the header rows, columns counted on the whole table's grid."""
    xs = _edges([x for piece in pieces for x in piece.xs])
    return [(c.column, c.text) for c in _on_grid(pieces[0], xs).cells if c.row < header]


def join(pieces: list[Piece], header: int, keep: set[int]) -> Table:
    """The pieces of one table (page order) as one :class:`Table`: repeated headers dropped,
    rows cut by a page break joined. ``keep`` are the columns whose lines are items."""
    xs = _edges([x for piece in pieces for x in piece.xs])
    pieces = [_on_grid(piece, xs) for piece in pieces]
    heading = [_row_text(pieces[0], r) for r in range(header)]
    starts = [header] + [_repeats(piece, heading) for piece in pieces[1:]]
    required, serial = _column_facts(pieces, starts)
    cells: list[Cell] = [replace(c, lines=list(c.lines)) for c in pieces[0].cells]
    offset = pieces[0].rows
    for k in range(1, len(pieces)):
        piece, start = pieces[k], starts[k]
        cut = is_cut(pieces[k - 1], piece, start, required, keep, serial)
        base = offset - start - (1 if cut else 0)
        cover = _covering(cells, offset - 1) if cut else {}
        for cell in piece.cells:
            if cell.row < start:
                continue                        # the header again, atop the page
            above = cover.get(cell.column) if cell.row == start else None
            if above is not None and above.colspan == cell.colspan:
                above.lines = above.lines + cell.lines
                above.rowspan = cell.row + cell.rowspan + base - above.row
                continue
            cells.append(replace(cell, row=cell.row + base, lines=list(cell.lines)))
        offset = max(c.row + c.rowspan for c in cells)
    return Table(pieces=pieces, rows=offset, columns=len(xs) - 1,
                 cells=sorted(cells, key=lambda c: (c.row, c.column)), header_rows=header)


def _repeats(piece: Piece, heading: list[tuple[str, ...]]) -> int:
    """How many of the header's rows ``piece`` repeats at its top (0 when it does not)."""
    count = 0
    while count < len(heading) and count < piece.rows and _row_text(piece, count) == heading[count]:
        count += 1
    return count if count == len(heading) else 0


def _covering(cells: list[Cell], row: int) -> dict[int, Cell]:
    return {c.column: c for c in cells if c.row <= row < c.row + c.rowspan}


def _column_facts(pieces: list[Piece], starts: list[int]) -> tuple[set[int], bool]:
    """Which columns are filled in every row that no page break touches (else in every row),
    and whether the first column is a serial column (row numbers in most rows that have one)."""
    inner: list[tuple[str, ...]] = []
    every: list[tuple[str, ...]] = []
    for k, piece in enumerate(pieces):
        anchored = piece.anchored()
        for row in range(starts[k], piece.rows):
            if _spans_all([c for (r, _), c in anchored.items() if r == row], piece.columns):
                continue                    # a section row says nothing of the columns
            text = _row_text(piece, row)
            every.append(text)
            at_break = (k > 0 and row == starts[k]) or (k < len(pieces) - 1 and row == piece.rows - 1)
            if not at_break:
                inner.append(text)
    rows = inner if len(inner) >= 2 else every
    required = {c for c in range(len(rows[0])) if all(r[c] for r in rows)} if rows else set()
    firsts = [r[0] for r in every if r and r[0]]
    serial = len(firsts) >= 2 and sum(1 for t in firsts if _SERIAL.match(t)) >= 0.6 * len(firsts)
    return (required - {0} if serial else required), serial      # the serial has its own rule


def is_cut(before: Piece, after: Piece, start: int, required: set[int], keep: set[int], serial: bool) -> bool:
    """Whether the first row of ``after`` (from ``start``, below a repeated header) is the rest
    of the last row of ``before``, cut by the page break (the module's three rules)."""
    if after.rows <= start or before.rows == 0:
        return False
    last = before.rows - 1
    old = before.covering(last)
    new = after.anchored()
    first = {c: new[(start, c)] for c in range(after.columns) if (start, c) in new}
    if serial and 0 in first and first[0].text:
        return False
    above_cells = list({id(c): c for c in old.values()}.values())
    if _spans_all(list(first.values()), after.columns) or _spans_all(above_cells, before.columns):
        return False                        # a section row (「一、…」 across the table) is a row of its own
    for c in required:
        above = old[c].text if c in old and old[c].row == last else ""
        here = first[c].text if c in first else ""
        if bool(above) != bool(here):
            return True
    filled = [c for c, cell in first.items() if cell.lines]
    going_on = [c for c in filled if c not in keep and c in old and old[c].lines
                and not starts_paragraph(old[c].lines[-1], first[c].lines[0])]
    return bool(filled) and len(going_on) * 2 > len(filled)


def _spans_all(cells: list[Cell], columns: int) -> bool:
    return len(cells) == 1 and cells[0].colspan >= columns > 1


def cell_paragraphs(cell: Cell, *, keep_lines: bool) -> list[list[Line]]:
    """The paragraphs of a cell (a header cell's lines are always wraps)."""
    return paragraphs(cell.lines, keep_lines=keep_lines)
