"""Flattened tables in text, reassembled: a table written one cell per line, rebuilt into rows.

A task table copied out of a PDF or a Word file into text keeps its cells but loses its
grid: each cell on a line of its own (after a tab, or not), a long cell over several
lines, the page numbers of the print (「— 6 —」, 「- 6 -」, a bare 「6」) and the header
typed again after each page break, and section rows (「一、投资便利化（2项）」) between
the numbered rows. What is left to rebuild the rows from is the header and the serial
column:

1. **The header** is a run of lines that are all column words of
   ``lexicon/table_columns.tsv`` (spaces inside ignored, 「主 要 内 容」; a word cut over two
   lines joined), the first of them 序号, whose roles choose a layout profile
   (``lexicon/layouts.toml``); short unknown words after it, up to the first row number,
   are columns of no role (备注).
2. **The stream**: the lines after it, each one piece — or, when tabs start the cells and
   the lines of a cell after the first do not have one, each cell one piece. Page
   numbers written with dashes or as 第6页 and the header typed again are layout, left out.
3. **The rows**: a row starts at a row number (1, 1., 1、, （1）) and the numbers run 1, 2,
   3 … (starting again at 1 after a section row). A bare number is a row number or a page
   number: the chain of row numbers kept is the one whose rows share out best
   (:mod:`.flat_cells`), found by a dynamic programme over the numbers; a bare number not
   kept is a page number.
4. **The cells**: each row's pieces shared out among the columns (:func:`.flat_cells.align`);
   lines left over between rows are section rows (layout) or, if not, left unmapped for the
   build report to name; lines left over after the last row are the text after the table.
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache

from policykg.ingest.flat_cells import (
    LINE_LEFT,
    Column,
    Piece,
    RowFit,
    align,
    columns_for,
    flat_data,
    is_section_row,
    unit_lines,
)
from policykg.ingest.text import without_spaces
from policykg.model import Cell, LayoutNote, LineSpan, SourceText, Table, TableRow
from policykg.resources import lexicon_path

#: A row number on its own: 1, 1., 1、, 1．, （1）, (1).
SERIAL = re.compile(r"^(?:[（(]\s*(?P<a>[0-9０-９]{1,3})\s*[)）]|(?P<b>[0-9０-９]{1,3})\s*[.．、]?)$")
#: A row number, then a space or a tab, then the first cell's text on the same line.
_SERIAL_THEN_TEXT = re.compile(r"^(?P<serial>[0-9０-９]{1,3}[.．、]?)[ \t\u3000]+(?P<rest>\S.*)$")
#: A row spans at most this many pieces: bounds the work on a long table.
MAX_ROW = 80
#: An unknown header word: a few characters, no digits, no punctuation.
_UNKNOWN_WORD = re.compile(r"^[\u4e00-\u9fff/／]{2,6}$")
#: What a kept row is worth, what a first row number other than 1 costs, and numbering that
#: starts again at 1 with no section row before it (a second table under the same header).
ROW_BONUS, LATE_START, RESTART = 1.0, -2.0, -2.0
#: A row number is tried after at most this many of the nearest row numbers before it that
#: may precede it (the row before, page numbers, a number in a cell): bounds the work on a
#: text full of bare numbers.
NEAREST = 4
#: A last row may run this many pieces past three times the longest row before it.
LAST_ROW_SLACK = 10
_FULL = str.maketrans("０１２３４５６７８９", "0123456789")


@dataclass(frozen=True)
class FlatHeader:
    """A flattened table's header: its lines, words as written, roles and profile name."""

    start: int
    end: int
    words: tuple[str, ...]
    roles: tuple[str, ...]
    profile: str


@dataclass(frozen=True)
class FlatTable:
    """A flattened table rebuilt: the table (``None`` when no row could be read), the last line
    it holds, its layout lines (page numbers, repeated headers, section rows)."""

    table: Table | None
    end: int
    notes: tuple[LayoutNote, ...] = ()


@lru_cache(maxsize=1)
def _page_numbers() -> tuple[re.Pattern[str], ...]:
    """The page-number patterns of ``lexicon/printed_pages.toml`` (the PDF reader's, the same print)."""
    with lexicon_path("printed_pages.toml").open("rb") as fh:
        return tuple(re.compile(p) for p in tomllib.load(fh)["page_numbers"]["patterns"])


def is_page_number(text: str) -> bool:
    """「— 6 —」, 「- 6 -」, 「第6页」, 「6」 …

    >>> is_page_number("— 6 —"), is_page_number("第 6 页"), is_page_number("6"), is_page_number("6月")
    (True, True, True, False)
    """
    text = text.strip()
    return any(p.match(text) for p in _page_numbers())


def serial_value(text: str) -> int | None:
    """The row number a line holds on its own, else ``None``.

    >>> serial_value("12"), serial_value("（3）"), serial_value("4."), serial_value("4.加强")
    (12, 3, 4, None)
    """
    m = SERIAL.match(text.strip())
    return int((m.group("a") or m.group("b")).translate(_FULL)) if m else None


def find_header(source: SourceText, roles: dict[str, str], profile_for, start: int = 1) -> FlatHeader | None:
    """The first flattened header at or after line ``start`` (see the module docstring, 1)."""
    total = len(source.lines)
    n = start
    while n <= total:
        words = _spanning(_header_words(source, n, roles), roles)
        column_roles = tuple(roles.get(w, "") for _, _, w in words)
        if len(words) >= 3 and column_roles[0] == "serial" and sum(1 for r in column_roles if r) >= 3:
            profile = profile_for(column_roles)
            if profile is not None:
                words += _unknown_tail(source, words[-1][1] + 1)
                return FlatHeader(n, max(e for _, e, _ in words), tuple(w for _, _, w in words),
                                  tuple(roles.get(w, "") for _, _, w in words), profile.name)
        n = (words[-1][1] + 1) if words else n + 1
    return None


_SUB_UNITS = ("lead_units", "co_units")


def _spanning(words: list[tuple[int, int, str]], roles: dict[str, str]) -> list[tuple[int, int, str]]:
    """A header of two rows flattened: 「序号 重点任务 责任单位 完成时限 牵头单位 配合单位」 — the
    责任单位 of the first row spans the 牵头 / 配合 columns of the second, which end the header.
    The cells of each row come in the table's order: the sub-columns stand where 责任单位 stood.

    >>> r = {"序号": "serial", "重点任务": "task", "责任单位": "units", "完成时限": "phase",
    ...      "牵头单位": "lead_units", "配合单位": "co_units"}
    >>> w = [(i, i, t) for i, t in enumerate(["序号", "重点任务", "责任单位", "完成时限", "牵头单位", "配合单位"])]
    >>> [t for _, _, t in _spanning(w, r)]
    ['序号', '重点任务', '牵头单位', '配合单位', '完成时限']
    """
    kinds = [roles.get(w, "") for _, _, w in words]
    if "units" not in kinds:
        return words
    at = kinds.index("units")
    tail = len(kinds)
    while tail > at + 1 and kinds[tail - 1] in _SUB_UNITS:
        tail -= 1
    if tail == len(kinds) or any(k in _SUB_UNITS for k in kinds[:tail]):
        return words
    return words[:at] + words[tail:] + words[at + 1:tail]


def _word(source: SourceText, n: int) -> str:
    return without_spaces(source.line(n)).rstrip("：:")


def _header_words(source: SourceText, n: int, roles: dict[str, str]) -> list[tuple[int, int, str]]:
    """Known column words from line ``n`` on, one per line or cut over two, or several on a line
    (spaces or tabs between: the header row on one line, the cells one per line); blank lines skipped;
    an unknown word between two known ones kept (a column of no role)."""
    total = len(source.lines)
    words: list[tuple[int, int, str]] = []
    m = n
    while m <= total:
        word = _word(source, m)
        following = _word(source, m + 1) if m < total else ""
        typed = source.line(m).split()
        if len(typed) >= 2 and all(t.rstrip("：:") in roles for t in typed):     # a header row on one line
            words += [(m, m, t.rstrip("：:")) for t in typed]
            m += 1
        elif not word and words:
            m += 1
        elif following and word + following in roles and following not in roles:     # 「牵头」 / 「单位」
            words.append((m, m + 1, word + following))
            m += 2
        elif word in roles:
            words.append((m, m, word))
            m += 1
        elif words and _UNKNOWN_WORD.match(word) and following in roles:
            words.append((m, m, word))
            m += 1
        else:
            break
    return words


def _unknown_tail(source: SourceText, n: int) -> list[tuple[int, int, str]]:
    """Up to two short unknown words right after the known ones and before the first row
    number: columns of no role (备注)."""
    tail: list[tuple[int, int, str]] = []
    while n <= len(source.lines) and len(tail) < 2:
        word = _word(source, n)
        if not _UNKNOWN_WORD.match(word) or n + 1 > len(source.lines):
            break
        tail.append((n, n, word))
        n += 1
    following = source.line(n) if n <= len(source.lines) else ""
    return tail if serial_value(following) is not None or is_section_row(following) else []


def reassemble(source: SourceText, header: FlatHeader, stop: int) -> FlatTable:
    """The rows of the table under ``header``, from the lines up to ``stop`` (inclusive)."""
    pieces, notes, whole = _stream(source, header, stop)
    columns = columns_for(header.roles[1:])
    chain, stop_at = _chain(pieces, columns, whole)
    if not chain:
        return FlatTable(None, header.end, tuple(notes))
    rows: list[TableRow] = []
    for i, serial in enumerate(chain):
        last = i + 1 == len(chain)
        following = stop_at if last else chain[i + 1]
        row_pieces, skipped = _row_pieces(pieces, serial, following)
        notes += [LayoutNote(n, "page number inside the table") for p in skipped for n, _ in p.lines]
        fit = align(row_pieces, columns, whole=whole, last=last)
        rows.append(_row(pieces[serial], row_pieces, fit, columns, whole))
        notes += [LayoutNote(n, "section row inside the table") for p in row_pieces[fit.used:]
                  if not last and is_section_row(p.text) for n, _ in p.lines]
    end = max(c.span.end for c in rows[-1].cells if c is not None)
    notes = [note for note in notes if note.line <= end]
    notes += [LayoutNote(n, "section row inside the table") for p in pieces[:chain[0]] if is_section_row(p.text)
              for n, _ in p.lines]
    table = Table(header=header.words, roles=header.roles, header_span=LineSpan(header.start, header.end),
                  rows=tuple(rows), profile=header.profile)
    return FlatTable(table, end, tuple(sorted(notes, key=lambda note: note.line)))


def _stream(source: SourceText, header: FlatHeader, stop: int) -> tuple[list[Piece], list[LayoutNote], bool]:
    """The pieces after the header (lines, or cells when tabs start the cells), with the page
    numbers written as such and the header typed again set aside as layout."""
    target = "".join(without_spaces(source.line(m)) for m in range(header.start, header.end + 1))   # as typed
    notes: list[LayoutNote] = []
    kept: list[tuple[int, str]] = []
    n = header.end + 1
    while n <= stop:
        line = source.line(n)
        repeat = _repeated_header(source, n, stop, target)
        if repeat:
            notes += [LayoutNote(m, "table header row repeated") for m in range(n, repeat + 1)]
            n = repeat + 1
            continue
        text = line.strip()
        if flat_data()["table_end"].match(without_spaces(text)):
            break                                  # 附件2, 抄送: the document goes on after the table
        if text and is_page_number(text) and serial_value(text) is None:
            notes.append(LayoutNote(n, "page number inside the table"))
        elif text or line.startswith("\t"):
            kept.append((n, line))
        n += 1
    if not _tabbed_cells(kept):
        return [piece for n, line in kept if line.strip() for piece in _line_pieces(n, line.strip())], notes, False
    cells: list[list[tuple[int, str]]] = []
    for n, line in kept:
        text = line.strip()
        if line.lstrip(" \u3000").startswith("\t") or not cells or serial_value(text) is not None \
                or is_section_row(text):       # a row number or a section row written without a tab
            cells.append([(n, line.lstrip(" \u3000").removeprefix("\t"))])
        else:
            cells[-1].append((n, line))
    return [Piece(tuple(c)) for c in cells], notes, True


def _line_pieces(n: int, text: str) -> list[Piece]:
    """A line as one piece, or two when a row number stands before the first cell on the same
    line (「1 企业开办“一窗通」, 「2、\t推行…」: the serial cell and the next cell's first line
    printed at one height)."""
    m = _SERIAL_THEN_TEXT.match(text)
    if m is None or serial_value(m.group("rest")) is not None:
        return [Piece(((n, text),))]
    return [Piece(((n, m.group("serial")),)), Piece(((n, m.group("rest")),))]


def _tabbed_cells(kept: list[tuple[int, str]]) -> bool:
    """Whether tabs start the cells: some lines, not all, start with a tab (the others are the
    lines of a cell after its first), and tabs start more than the row numbers — at least as
    many cells as there are row numbers. Counted from the first row number to the last (the
    text after the table may be indented otherwise)."""
    numbered = [i for i, (_, line) in enumerate(kept) if serial_value(line) is not None]
    if numbered:
        kept = kept[numbered[0]:numbered[-1] + 1]
    tabbed = [line.strip() for _, line in kept if line.lstrip(" \u3000").startswith("\t")]
    written = sum(1 for _, line in kept if line.strip())
    rows = sum(1 for _, line in kept if serial_value(line) is not None)
    cells = sum(1 for t in tabbed if serial_value(t) is None)
    return 0 < len(tabbed) < written and cells >= max(1, rows)


def _repeated_header(source: SourceText, n: int, stop: int, target: str) -> int | None:
    """The last line of the header typed again from line ``n``, if it is."""
    got = ""
    m = n
    while m <= stop and len(got) < len(target):
        word = without_spaces(source.line(m))
        if word and not target.startswith(got + word):
            return None
        got += word
        m += 1
    return m - 1 if got == target and m > n else None


def _row_pieces(pieces: list[Piece], serial: int, following: int) -> tuple[list[Piece], list[Piece]]:
    """A row's pieces after its number, and the bare numbers inside it that are page numbers."""
    row, skipped = [], []
    for p in pieces[serial + 1:following]:
        (skipped if serial_value(p.text) is not None and is_page_number(p.text) else row).append(p)
    return row, skipped


def _chain(pieces: list[Piece], columns: tuple[Column, ...], whole: bool) -> tuple[list[int], int]:
    """The row numbers kept (indices of pieces), the chain whose rows share out best, and where
    its last row's pieces stop at the latest."""
    values = {i: v for i, p in enumerate(pieces) if (v := serial_value(p.text)) is not None}
    if not values:
        return [], 0
    sections = [i for i, p in enumerate(pieces) if is_section_row(p.text)]
    before_cost = [0.0]                                  # what the pieces before each one cost
    for p in pieces:
        before_cost.append(before_cost[-1] + (0.0 if is_section_row(p.text) else LINE_LEFT))
    by_value: dict[int, list[int]] = {}
    for i, v in values.items():
        by_value.setdefault(v, []).append(i)
    order = list(values)                                    # every row number, in text order (sorted)
    best: dict[int, tuple[float, int | None, int]] = {}     # score, row before, longest row
    for b, v in values.items():
        options = [(before_cost[b] + (0.0 if v == 1 else LATE_START), None, 0)]
        for a in _predecessors(b, by_value.get(v - 1, []), order if v == 1 else []):
            restart = 0.0 if v != 1 or bisect_left(sections, b) > bisect_right(sections, a) else RESTART
            fit = align(_row_pieces(pieces, a, b)[0], columns, whole=whole, last=False)
            options.append((best[a][0] + fit.score + ROW_BONUS + restart, a, max(best[a][2], b - a)))
        best[b] = max(options, key=lambda o: o[0])
    ends = []
    for b in values:
        stop = _last_row_stop(len(pieces), b, best[b][2])
        fit = align(_row_pieces(pieces, b, stop)[0], columns, whole=whole, last=True)
        ends.append((best[b][0] + fit.score + ROW_BONUS, b, stop))
    _, b, stop = max(ends)
    chain = [b]
    while best[chain[-1]][1] is not None:
        chain.append(best[chain[-1]][1])
    return list(reversed(chain)), stop


def _predecessors(b: int, *sorted_lists: list[int]) -> list[int]:
    """The :data:`NEAREST` row numbers nearest before ``b`` and at most :data:`MAX_ROW` pieces
    from it, of those in the sorted lists."""
    near: set[int] = set()
    for indices in sorted_lists:
        hi = bisect_left(indices, b)
        lo = max(bisect_left(indices, b - MAX_ROW), hi - NEAREST)
        near.update(indices[lo:hi])
    return sorted(near, reverse=True)[:NEAREST]


def _last_row_stop(total: int, b: int, longest: int) -> int:
    """Where the pieces of a last row at ``b`` stop at the latest: three times the longest row
    before it and some (a table's rows are alike), :data:`MAX_ROW` when it is the only row —
    what follows is the text after the table, and a row read against all of it costs."""
    reach = MAX_ROW if not longest else min(MAX_ROW, 3 * longest + LAST_ROW_SLACK)
    return min(total, b + 1 + reach)


def _row(serial: Piece, pieces: list[Piece], fit: RowFit, columns: tuple[Column, ...], whole: bool) -> TableRow:
    cells: list[Cell | None] = [Cell(lines=serial.lines)]
    for (start, end), column in zip(fit.cells, columns, strict=True):
        lines = [line for p in pieces[start:end] for line in p.lines]
        if not lines:
            cells.append(None)
            continue
        if column.kind == "units" and not whole:
            lines = list(zip([n for n, _ in lines], unit_lines([t for _, t in lines]), strict=True))
        cells.append(Cell(lines=tuple(lines)))
    return TableRow(cells=tuple(cells))
