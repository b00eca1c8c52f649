"""Render paragraphs and tables into the lines, blocks and locators of a :class:`SourceText`.

Every reader of a published format ends the same way: a sequence of paragraphs
and tables becomes lines in reading order — what the rest of the pipeline reads
and what every record's line span points into — plus the blocks that say which
lines are which, and a locator per line that says where it sits in the file.
Keeping those three in step is easy to get subtly wrong (an off-by-one between a
cell's span and its locator shows a record in the wrong row), so it lives here,
once, for HTML, .docx and PDF alike.

A table is rendered as a flattened ``.txt`` table has it, so that a person
reading the lines, and the text table reader, see the same thing: row by row,
each cell's first line after a tab, its further lines below; a position covered
by a vertical merge from above is a lone tab (the ``.txt`` keeps an empty cell
there); an empty cell is a lone tab too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

from policykg.model import GridCell, LineSpan, Locator, SourceText, TableBlock, TextBlock


@dataclass(frozen=True)
class CellText:
    """A table cell as a reader found it: where it is anchored, its span, its lines.

    ``locators`` may give one locator per line (a PDF line's page and box, an HTML
    cell's element and source line): their ``page``, ``box``, ``element`` and
    ``source_line`` are kept, the table, row and column are set by :meth:`Rendering.table`.
    Without them every line is located by the table's locator at this row and column.
    """

    row: int
    column: int
    lines: tuple[str, ...]
    rowspan: int = 1
    colspan: int = 1
    locators: tuple[Locator, ...] = ()


@dataclass
class Rendering:
    """Lines, blocks and locators built together, in reading order."""

    lines: list[str] = field(default_factory=list)
    locators: list[Locator] = field(default_factory=list)
    blocks: list[TextBlock | TableBlock] = field(default_factory=list)
    tables: int = 0

    def _emit(self, text: str, locator: Locator) -> int:
        self.lines.append(text)
        self.locators.append(locator)
        return len(self.lines)

    def paragraph(self, lines: list[str] | tuple[str, ...], locator: Locator | list[Locator],
                  style: str = "paragraph") -> None:
        """One paragraph; a line break inside it (``<br>``, ``w:br``) starts a new line.

        Blank lines at its ends are dropped, and a paragraph with no text at all
        gives no line: spacer paragraphs carry nothing and would only shift lines.
        """
        lines = [line.replace("\r", "").replace("\n", "") for line in lines]
        located = list(locator) if isinstance(locator, list) else [locator] * len(lines)
        keep = [i for i, line in enumerate(lines) if line.strip()]
        if not keep:
            return
        first = len(self.lines) + 1
        for i in range(keep[0], keep[-1] + 1):
            self._emit(lines[i], located[i])
        self.blocks.append(TextBlock(span=LineSpan(first, len(self.lines)), style=style))

    def table(self, cells: list[CellText], locator: Locator, header_rows: int = 0) -> int:
        """A table of ``cells`` (anchors only: a merged cell once, with its span); returns its number.

        ``locator`` locates the table (its ``table`` number is set here); each line
        of a cell is located at the cell's row and column unless the cell brings
        its own locators.
        """
        self.tables += 1
        where = replace(locator, table=self.tables)
        if not cells:
            return self.tables
        rows = max(c.row + c.rowspan for c in cells)
        columns = max(c.column + c.colspan for c in cells)
        anchored = {(c.row, c.column): c for c in cells}
        # a vertical merge's continuation rows (in its first column): a lone tab each, as the .txt has them
        below = {(r, cell.column) for cell in cells for r in range(cell.row + 1, cell.row + cell.rowspan)}
        first = len(self.lines) + 1
        grid: list[GridCell] = []
        for r in range(rows):
            for c in range(columns):
                cell = anchored.get((r, c))
                here = replace(where, row=r, column=c)
                if cell is None:
                    if (r, c) in below:
                        self._emit("\t", here)
                    continue
                grid.append(self._cell(cell, here))
        self.blocks.append(TableBlock(span=LineSpan(first, max(first, len(self.lines))), rows=rows, columns=columns,
                                      cells=tuple(grid), header_rows=header_rows))
        return self.tables

    def _cell(self, cell: CellText, here: Locator) -> GridCell:
        lines = [line.replace("\r", "").replace("\n", "") for line in cell.lines]
        while len(lines) > 1 and not lines[-1].strip():
            lines.pop()
        lines = lines or [""]
        located = [replace(here, element=loc.element, source_line=loc.source_line, page=loc.page, box=loc.box)
                   for loc in cell.locators] or [here] * len(lines)
        start = self._emit("\t" + lines[0], located[0])
        for line, loc in zip(lines[1:], located[1:] + [located[-1]] * len(lines)):
            self._emit(line, loc)
        return GridCell(row=cell.row, column=cell.column, span=LineSpan(start, len(self.lines)),
                        rowspan=cell.rowspan, colspan=cell.colspan)

    def source(self, path: Path, data: bytes, *, format: str, reader: str, encoding: str,
               metadata: dict[str, str] | None = None, attachments: tuple[tuple[str, str], ...] = (),
               notes: tuple[str, ...] = (), pages: int | None = None) -> SourceText:
        """The :class:`SourceText` of what was rendered (name and sidecar are set by the caller)."""
        from policykg.errors import InputError
        if not any(line.strip() for line in self.lines):
            raise InputError(f"no document text found in the file (read as {format})", path=str(path),
                             hint="is it the right file?")
        meta = tuple((k, v.strip()) for k, v in (metadata or {}).items() if v and v.strip())
        return SourceText(path=str(path), name=path.name, encoding=encoding, sha256=hashlib.sha256(data).hexdigest(),
                          lines=tuple(self.lines), metadata=meta, format=format, reader=reader,
                          blocks=tuple(self.blocks), locators=tuple(self.locators), pages=pages,
                          attachments=attachments, notes=notes)
