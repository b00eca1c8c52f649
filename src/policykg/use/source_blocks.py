"""The document as it was read, cut into what the source view draws: runs of lines, tables, page breaks.

Every record's provenance is a line span of :attr:`SourceText.lines`, and a reader of
a published format renders a table into those lines the way a flattened ``.txt`` has
it — a cell's first line after a tab, its further lines below, row by row. Shown as
lines, a Word table of eight columns becomes a column of fragments nobody can check
against the Word file. So the source view draws what the reader *found*
(:class:`~policykg.model.TableBlock`: rows × columns, a merged cell once with its
span) and keeps every line a record can point at as its own element inside the cell
it belongs to, so ``#L120`` and ``#task/3`` still find it.

* **A published file** (HTML, .docx, PDF, .doc …): its blocks as read. A paragraph
  is a run of lines; a table is a grid whose cells hold their lines; the lone-tab
  line that stands for a position covered by a vertical merge is not drawn (the
  merged cell above spans it), but it stays in the row, so a record that covers it
  still marks that row. A PDF says where each page starts: a page break is drawn
  between lines, or between the rows of a table that crosses pages.
* **A plain text**: its lines, as they are. A task table flattened one cell per
  line, which the segmenter recovered (:func:`policykg.ingest.segment.segment`), is
  drawn as the table it recovered — and *nothing is lost*: every line of the file
  is drawn once, verbatim, in the cell it belongs to; a line inside the table that
  is in no cell (a blank line, a page number between rows) is drawn in the cell
  before it, or, when it is text between two rows, as a row of its own across the
  table. A table flattened one *row* per line (cells separated by tabs on one line)
  is left as lines: one line holds several cells, and splitting it would draw a
  line in several places.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from policykg.model import SourceText, Table, TableBlock


@dataclass(frozen=True)
class DrawnCell:
    """A cell of a drawn table: the lines shown in it (in order), its span, whether a header cell."""

    lines: tuple[int, ...]
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


@dataclass(frozen=True)
class DrawnRow:
    """A row: its cells (anchored in it), every line of the row (shown or not), how the original names it."""

    cells: tuple[DrawnCell, ...]
    lines: tuple[int, ...]
    #: the row as the original counts it (``"5"``: Word's fifth row, the header included), or "" for a text
    label: str = ""
    #: the page the row starts on (a PDF), else ``None``
    page: int | None = None


@dataclass(frozen=True)
class DrawnTable:
    number: int
    columns: int
    rows: tuple[DrawnRow, ...]
    #: read as a table by the format's reader (``True``), or recovered from a text's lines
    as_read: bool = True


@dataclass(frozen=True)
class Run:
    """Lines drawn one under the other: paragraphs, or a text's lines outside any table."""

    lines: tuple[int, ...]


@dataclass(frozen=True)
class PageBreak:
    page: int


Piece = Run | DrawnTable | PageBreak


@dataclass
class _Pieces:
    """Pieces in reading order; runs merged, a page break wherever the page changes between lines."""

    out: list[Piece] = field(default_factory=list)
    page: int | None = None

    def line(self, number: int, page: int | None) -> None:
        self._turn(page)
        if self.out and isinstance(self.out[-1], Run):
            self.out[-1] = Run(self.out[-1].lines + (number,))
        else:
            self.out.append(Run((number,)))

    def table(self, table: DrawnTable) -> None:
        self._turn(table.rows[0].page if table.rows else None)
        self.out.append(table)
        self.page = next((r.page for r in reversed(table.rows) if r.page is not None), self.page)

    def _turn(self, page: int | None) -> None:
        if page is not None and page != self.page:
            self.out.append(PageBreak(page))
            self.page = page


def pieces(source: SourceText, tables: tuple[Table, ...] = ()) -> list[Piece]:
    """What the source view draws of ``source``, in reading order (see the module docstring).

    ``tables`` are the tables the segmenter recovered from a plain text's lines (ignored
    for a published file, whose reader's blocks are drawn).
    """
    if source.blocks:
        return _published(source)
    return _text(source, tables)


def _page(source: SourceText, number: int) -> int | None:
    loc = source.locator(number)
    return loc.page if loc is not None else None


def _published(source: SourceText) -> list[Piece]:
    drawn = _Pieces()
    covered = 0                                      # the last line drawn or placed in a table
    for block in sorted(source.blocks, key=lambda b: b.span.start):
        for n in range(covered + 1, block.span.start):    # a line no block claims: drawn as a line
            drawn.line(n, _page(source, n))
        if isinstance(block, TableBlock) and block.cells:
            drawn.table(_grid(source, block, number=sum(isinstance(p, DrawnTable) for p in drawn.out) + 1))
        else:
            for n in block.span.lines():
                drawn.line(n, _page(source, n))
        covered = max(covered, block.span.end)
    for n in range(covered + 1, len(source.lines) + 1):
        drawn.line(n, _page(source, n))
    return drawn.out


def _grid(source: SourceText, block: TableBlock, number: int) -> DrawnTable:
    """A reader's table as rows of cells; every line of the block lands in the row its locator names
    (a vertical merge's lone-tab lines too: drawn nowhere, they still belong to their row)."""
    in_row: dict[int, list[int]] = {r: [] for r in range(block.rows)}
    anchored: dict[int, list] = {r: [] for r in range(block.rows)}
    for cell in sorted(block.cells, key=lambda c: (c.row, c.column)):
        anchored[cell.row].append(cell)
        if not source.locators and cell.span is not None:
            in_row[cell.row] += list(cell.span.lines())
    for n in block.span.lines() if source.locators else ():
        row = source.locator(n).row
        if row in in_row:
            in_row[row].append(n)
    rows = []
    for r in range(block.rows):
        cells = tuple(DrawnCell(lines=tuple(c.span.lines()) if c.span else (), rowspan=c.rowspan, colspan=c.colspan,
                                header=r < block.header_rows) for c in anchored[r])
        lines = tuple(in_row[r])
        rows.append(DrawnRow(cells=cells, lines=lines, label=str(r + 1),
                             page=_page(source, lines[0]) if lines else None))
    return DrawnTable(number=number, columns=block.columns, rows=tuple(rows), as_read=True)


def _text(source: SourceText, tables: tuple[Table, ...]) -> list[Piece]:
    drawn = _Pieces()
    at = 1
    number = 0
    for table in sorted(tables, key=lambda t: t.header_span.start):
        cells = [[n for n, _ in cell.lines] for row in table.rows for cell in row.cells if cell is not None]
        lines = [n for cell in cells for n in cell]
        if len(lines) != len(set(lines)) or table.header_span.start < at:
            continue                                 # one row per line (a line holds several cells): left as lines
        for n in range(at, table.header_span.start):
            drawn.line(n, None)
        number += 1
        recovered = _recovered(source, table, number)
        drawn.table(recovered)
        at = max(n for row in recovered.rows for n in row.lines) + 1
    for n in range(at, len(source.lines) + 1):
        drawn.line(n, None)
    return drawn.out


def _recovered(source: SourceText, table: Table, number: int) -> DrawnTable:
    """A text's flattened table as the segmenter recovered it, every line of its range drawn once.

    A line of the range that is in no cell goes into the cell before it; text between
    two rows (a page number, a note) becomes a row of its own across the table.
    """
    columns = len(table.header)
    header = list(table.header_span.lines())
    grid: list[list[list[int]]] = [[[n] for n in header] if len(header) == columns else [header]]
    for row in table.rows:
        grid.append([[n for n, _ in cell.lines] if cell is not None else [] for cell in row.cells])
    owner = {n: (r, c) for r, row in enumerate(grid) for c, cell in enumerate(row) for n in cell}
    inside = [(min(n for cell in row for n in cell), max(n for cell in row for n in cell))
              for row in grid if any(row)]
    between: dict[int, list[int]] = {}               # row index → lines drawn as rows of their own after it
    before = owner[header[0]]                        # the cell of the last line met that is in a cell
    for n in range(header[0], max(owner) + 1):
        if n in owner:
            before = owner[n]
        elif source.line(n).strip() and not any(a < n < b for a, b in inside):
            between.setdefault(before[0], []).append(n)
        else:
            grid[before[0]][before[1]].append(n)
    rows: list[DrawnRow] = []
    for r, row in enumerate(grid):
        head = r == 0
        cells = tuple(DrawnCell(lines=tuple(cell), header=head,
                                colspan=columns if head and len(row) == 1 and columns > 1 else 1) for cell in row)
        rows.append(DrawnRow(cells=cells, lines=tuple(sorted(n for cell in row for n in cell))))
        rows += [DrawnRow(cells=(DrawnCell(lines=(n,), colspan=columns),), lines=(n,)) for n in between.get(r, [])]
    return DrawnTable(number=number, columns=columns, rows=tuple(rows), as_read=False)
