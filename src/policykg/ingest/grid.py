"""Tables read as tables: a reader's :class:`TableBlock` becomes a :class:`Table` directly.

A flattened text table has lost its rows, and :mod:`.segment` must guess them
back (by the phase cell, the serial number, the width). A table from a portal
page, a Word file or a PDF still has them: its grid is taken as it is, with no
re-guessing. What remains to decide is *whether* it is a task table and how to
read it, and that is the same data as for text: the header's words give each
column its role (``lexicon/table_columns.tsv``, spaces inside a header such as
「主 要 内 容」 ignored) and the roles choose the layout profile
(``lexicon/layouts.toml``). A table whose header is not a task table's — the
one-column 专栏 boxes of a plan, a list of names — is running text.

* The header is the first of the top rows whose cells the column words
  recognise (at least two roles, and a profile that fits); a title row above it
  (「附件1 重点任务分工表」 spanning the table) is running text. A header over two
  rows (「责任单位」 spanning 「牵头单位」「配合单位」) takes the lower row's words.
* A row that is one cell spanning the table (「一、优化营商环境」) is a section
  heading inside the table: a layout line, not a record (nor a section of the
  document's body, which a running-text 「一、…」 would become).
* A row repeating the header (a table re-typed from print) is a layout line.
* A merged cell (row span) is, by the profile's ``merged``: ``first_row`` — in
  its first row only, the rows below lacking that cell as the flattened text
  lacks it (a 总体任务 carried forward by the task reader); ``every_row`` — given
  to every row it covers (a 牵头单位 merged over three measures leads all three).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policykg.ingest.text import without_spaces
from policykg.model import Block, Cell, GridCell, LayoutNote, LineSpan, SourceText, Table, TableBlock, TableRow

#: How many top rows may hold the header (a title row, then one or two header rows).
HEADER_SEARCH = 4
#: Columns whose cells name units: a paragraph break inside them separates names.
UNIT_ROLES = ("units", "lead_units", "co_units")
_SEPARATORS = ("、", "，", ",", "；", ";", "：", ":", "/", "（", "(")
_ROLE_LABEL = re.compile(r"^(牵头|配合|责任|参与|参加|协办|主办|主责)(单位|部门)?[：:]")
#: The last character of a unit's name: a paragraph that ends in one ends a name.
_UNIT_END = re.compile(r"(局|委|办|厅|部|院|府|中心|公司|集团|会|室|处|所|站|队|行|署|社|馆|台|团|校|区|县|组)[)）]?$")


@dataclass(frozen=True)
class GridRead:
    """A table block read: the task table (or ``None``: running text), the title rows above its
    header (running text), and the lines that are layout (section rows, a repeated header)."""

    table: Table | None
    titles: tuple[Block, ...] = ()
    notes: tuple[LayoutNote, ...] = ()


def read_grid(source: SourceText, block: TableBlock, roles: dict[str, str], profile_for,
              classify, after: Table | None = None) -> GridRead:
    """``block`` as a :class:`Table` when its header is a task table's, else ``GridRead(None)``.

    ``after`` is the task table right before this block (no running text between): a
    block with no header of its own and as many columns continues it (Word splits a
    table at a page, a converter splits one per page); its rows are read under that header.
    """
    anchors = {(c.row, c.column): c for c in block.cells}
    found = _header(source, block, roles, profile_for)
    if found is None and after is not None and block.columns == len(after.header):
        found = (0, 0, after.header, after.roles, profile_for(after.roles))
    if found is None:
        return GridRead(None)
    top, first_body, header, column_roles, profile = found
    header_lines = [n for c in block.cells if top <= c.row < first_body and c.span for n in c.span.lines()]
    titles = [_title(source, c, classify) for c in block.cells if c.row < top and _text(source, c)]
    owner = _owners(block)
    rows: list[TableRow] = []
    notes: list[LayoutNote] = []
    for r in range(first_body, block.rows):
        row_cells = [anchors[(r, c)] for c in range(block.columns) if (r, c) in anchors]
        if _is_section_row(source, block, row_cells):
            notes += [LayoutNote(n, "section row inside the table") for n in row_cells[0].span.lines()]
            continue
        cells = tuple(_cell_at(source, anchors, owner, r, c, profile.merged, column_roles[c])
                      for c in range(block.columns))
        texts = [without_spaces(x.text) if x is not None else "" for x in cells]
        if texts == [without_spaces(h) for h in header]:
            notes += [LayoutNote(n, "table header row repeated") for x in cells if x is not None for n, _ in x.lines]
            continue
        if any(texts):
            rows.append(TableRow(cells=cells))
    span = LineSpan(min(header_lines), max(header_lines)) if header_lines else after.header_span
    table = Table(header=header, roles=column_roles, header_span=span, rows=tuple(rows), profile=profile.name)
    return GridRead(table, tuple(titles), tuple(notes))


def _title(source: SourceText, cell: GridCell, classify) -> Block:
    text = "".join(source.line(n).strip() for n in cell.span.lines())
    return Block(kind=classify(text), text=text, span=cell.span)


def _header(source, block, roles, profile_for):
    """``(top, first body row, header texts, roles, profile)`` of the header among the top rows:
    the first row that starts one, over one row or two, whichever recognises more columns."""
    for top in range(min(HEADER_SEARCH, block.rows)):
        best = None
        for end in (top + 1, top + 2):
            if end > block.rows:
                continue
            texts = _header_texts(source, block, top, end)
            column_roles = tuple(roles.get(without_spaces(t), "") for t in texts)
            known = sum(1 for r in column_roles if r)
            profile = profile_for(column_roles) if known >= 2 else None
            if profile is not None and (best is None or known > best[0]):
                best = (known, (top, end, tuple(texts), column_roles, profile))
        if best is not None:
            return best[1]
    return None


def _header_texts(source, block, top: int, end: int) -> list[str]:
    """Each column's header word: the lowest cell with text over rows ``top``..``end - 1``; a word
    spanning several columns names its first column only (「责任单位」 over 「牵头单位」「配合单位」
    gives way to the words below it)."""
    texts = [""] * block.columns
    depth = [-1] * block.columns
    for cell in block.cells:
        if cell.row >= end or cell.row + cell.rowspan <= top:
            continue
        text = _text(source, cell)
        if text and cell.row > depth[cell.column]:
            texts[cell.column], depth[cell.column] = text, cell.row
    return texts


def _owners(block: TableBlock) -> dict[tuple[int, int], GridCell]:
    """Every grid position a merged cell covers below its first row → that cell (its first column only)."""
    return {(r, cell.column): cell for cell in block.cells
            for r in range(cell.row + 1, cell.row + cell.rowspan)}


def _cell_at(source, anchors, owner, r: int, c: int, merged: str, role: str) -> Cell | None:
    cell = anchors.get((r, c))
    if cell is None and merged == "every_row":
        cell = owner.get((r, c))
    if cell is None or cell.span is None:
        return None
    lines = [(n, source.line(n)) for n in cell.span.lines()]
    lines[0] = (lines[0][0], lines[0][1].removeprefix("\t"))
    if role in UNIT_ROLES and source.format != "pdf":      # a PDF's lines inside a cell are wraps, not paragraphs
        lines = [(n, text + _unit_separator(text, lines[i + 1][1] if i + 1 < len(lines) else ""))
                 for i, (n, text) in enumerate(lines)]
    return Cell(lines=tuple(lines))


def _unit_separator(line: str, following: str) -> str:
    """What a paragraph break inside a units cell stands for: the 、 between two names
    (「市发展改革委」 / 「市财政局」 as two paragraphs), the ； before a role label
    (「牵头单位：…」 / 「配合单位：…」), nothing where the line breaks inside a name or
    already ends in a separator.

    >>> _unit_separator("市发展改革委", "市财政局"), _unit_separator("牵头单位：市发展改革委", "配合单位：市财政局")
    ('、', '；')
    >>> _unit_separator("市自然资源和规", "划局"), _unit_separator("市发展改革委、", "市财政局")
    ('', '')
    """
    line, following = line.strip(), following.strip()
    if not following or not line or line.endswith(_SEPARATORS) or following.startswith(_SEPARATORS + ("（", "(")):
        return ""
    if _ROLE_LABEL.match(following):
        return "；"
    return "、" if _UNIT_END.search(line) else ""


def _is_section_row(source, block: TableBlock, row_cells: list[GridCell]) -> bool:
    """One cell across (nearly) the whole width of a table of three or more columns."""
    return (block.columns >= 3 and len(row_cells) == 1 and row_cells[0].span is not None
            and row_cells[0].colspan >= block.columns - 1 and bool(_text(source, row_cells[0]).strip()))


def _text(source: SourceText, cell: GridCell) -> str:
    if cell.span is None:
        return ""
    return "\n".join(source.line(n) for n in cell.span.lines()).removeprefix("\t").strip()
