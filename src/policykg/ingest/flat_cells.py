"""One row of a flattened table: its lines shared out among the columns.

A table flattened one cell per line loses where a cell ends when a cell runs over
several lines (a PDF wraps a long 主要内容 at the column's width, a unit list breaks
inside a name: 「省市场监管局、省」 / 「司法厅」). Between two row numbers the lines
are the row's cells in column order; what is lost is only *how many lines each
cell has*. What the cells look like tells it back, by the kind of each column
(``lexicon/layouts.toml``, ``[flat] kinds``):

* a **units** cell is a list of units and nothing else (a note grammar reads it
  with nothing left over: :func:`~policykg.ingest.readers.notes.units_only`); it scores
  per name, not per line, so a line after it (推广范围 「全省」) is not drawn into its last
  name (「人民银行合肥中心支行」 + 「全省」 reads as one name as well);
* a **time** cell is a deadline on its own (2024年6月底前, 长期坚持);
* a **short** cell is a few words, no sentence;
* a **scope** cell (推广范围) is a short cell that names where, not who: it fits when it
  reads as an area (全省, 自贸试验区, 海关特殊监管区域: ``scope_cell``), and not when it reads
  as units (「省商务厅」 on a line of its own belongs to the 指导部门 before it); it scores
  per cell, so that a line after the table (「附件2」) is not drawn into the last one;
* a **title** is short, with no full stop (改革举措 over a 主要内容);
* **prose** is anything.

The lines are shared out in order, in the way that fits best: a dynamic programme
over (column, line), quadratic in the row's lines at most, each cell's length capped
by its kind. A cell that fits its kind scores per line (a units cell per name), one
that does not costs per line; a line break inside a cell scores when it looks like a
wrap (a line as long as the next, not ending a sentence; in a units cell breaks score
nothing). An empty cell costs (less for the columns that are often empty,
``optional``). Lines after the last column are left over: at the end of a table they
are the text after it; between rows a section row (「二、贸易便利化」) costs little,
anything else much.

When every cell started with a tab (``whole``), the cells are known and each column
takes one cell or none.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache

from policykg.ingest.readers.notes import units_only
from policykg.ingest.readers.unit_names import looks_like_unit, starts_a_name
from policykg.resources import lexicon_path

#: Longest cell, in lines, per kind: bounds the work on a long row.
CAPS = {"units": 12, "time": 3, "short": 4, "scope": 4, "title": 6, "prose": 80, "serial": 1}
_SENTENCE_END = ("。", "；", ";", "！", "？")
_SEPARATORS = ("、", "，", ",", "；", ";", "：", ":", "/")
_ROLE_LABEL = re.compile(r"^(牵头|配合|责任|参与|参加|协办|主办|主责)(单位|部门)?[：:]")
_NO_SPACE = re.compile(r"\s+")
#: Kinds whose cell is never a section row (a title may be: 「（一）加强组织领导」 under 重点工作).
_NEVER_SECTION = frozenset({"units", "time", "short", "scope"})
#: What a cell costs or earns (see the module docstring).
FIT, MISFIT, EMPTY, EMPTY_OPTIONAL, MISSING_CELL = 2.0, -3.0, -2.0, -1.0, -3.0
WRAP, BREAK = 0.3, -0.3
SECTION_LEFT, LINE_LEFT = -0.2, -4.0
LEAD_PRIOR = 0.1
#: A units cell holds no full stop inside and at most this many characters (no parse needed to say no).
UNITS_CHARS = 400


@dataclass(frozen=True)
class Piece:
    """A line (or, when tabs start the cells, a whole cell) of the flattened table."""

    lines: tuple[tuple[int, str], ...]

    @property
    def text(self) -> str:
        return "".join(t.strip() for _, t in self.lines)


@dataclass(frozen=True)
class Column:
    role: str
    kind: str
    optional: bool


@dataclass(frozen=True)
class RowFit:
    """How a row's pieces were shared out: ``cells[j]`` is column ``j``'s ``(start, end)``
    range of pieces (empty when ``start == end``); pieces from ``used`` on are left over."""

    score: float
    cells: tuple[tuple[int, int], ...]
    used: int


@lru_cache(maxsize=1)
def flat_data() -> dict:
    """``[flat]`` of ``lexicon/layouts.toml``: column kinds, optional roles, the time cell and
    section row patterns."""
    with lexicon_path("layouts.toml").open("rb") as fh:
        data = tomllib.load(fh)["flat"]
    return {"kinds": dict(data["kinds"]), "optional": frozenset(data["optional"]),
            "time": re.compile(data["time_cell"]), "section": re.compile(data["section_row"]),
            "scope": re.compile(data["scope_cell"]), "table_end": re.compile(data["table_end"])}


def columns_for(roles: tuple[str, ...]) -> tuple[Column, ...]:
    """Each column's kind; a title with no prose column after it is prose (a 重点任务 that
    holds the whole task), a column of unknown role is short and optional."""
    data = flat_data()
    kinds = [data["kinds"].get(r, "short") for r in roles]
    has_prose = "prose" in kinds
    return tuple(Column(r, "prose" if k == "title" and not has_prose else k,
                        r in data["optional"] or not r) for r, k in zip(roles, kinds, strict=True))


@lru_cache(maxsize=1 << 14)
def is_section_row(text: str) -> bool:
    """「一、投资便利化（2项）」: a row spanning the table, on a line of its own."""
    return flat_data()["section"].match(_NO_SPACE.sub("", text)) is not None


def is_time_cell(text: str) -> bool:
    """A deadline on its own: 「2024年6月底前」, 「长期坚持」 (not a sentence that holds one)."""
    flat = _NO_SPACE.sub("", text)
    return 0 < len(flat) <= 30 and not any(c in flat for c in "。，；！？,;") and \
        flat_data()["time"].match(flat) is not None


def unit_lines(texts: list[str]) -> list[str]:
    """A units cell's lines with what each line break stands for appended: nothing inside a name
    cut by a wrap (「省市场监管局、省」 / 「司法厅」), 、 between two names on lines of their own
    (「市公安局」 / 「市税务局」), ； before a role label (「牵头单位：…」 / 「配合单位：…」).

    A break between two complete names is a wrap only when the line is as long as the
    cell's longest and the next line does not open a name (「局、市人力资源社」 / 「会保障局」).

    >>> unit_lines(["市公安局", "市税务局"]), unit_lines(["市公安局、市税务", "局、市人力资源社", "会保障局"])
    (['市公安局、', '市税务局'], ['市公安局、市税务', '局、市人力资源社', '会保障局'])
    """
    texts = [t.strip() for t in texts]
    widest = max((len(t) for t in texts), default=0)
    out = []
    for i, line in enumerate(texts):
        following = texts[i + 1] if i + 1 < len(texts) else ""
        out.append(line + _break(line, following, wrapped=len(line) >= widest))
    return out


def _break(line: str, following: str, *, wrapped: bool) -> str:
    if not following or not line or line.endswith(_SEPARATORS) or following.startswith(_SEPARATORS + ("（", "(")):
        return ""
    if _ROLE_LABEL.match(following):
        return "；"
    last = re.split(r"[、，,；;]", line)[-1]
    first = re.split(r"[、，,；;（(]", following)[0]
    if looks_like_unit(last) and looks_like_unit(first) and (not wrapped or starts_a_name(first)):
        return "、"
    return ""


def align(pieces: list[Piece], columns: tuple[Column, ...], *, whole: bool, last: bool) -> RowFit:
    """The best way to share ``pieces`` (a row's lines after its number) among ``columns``.

    ``whole``: each piece is a whole cell (tabs started the cells). ``last``: the last row
    of the table, whose left-over lines are the text after the table, free.
    """
    n, k = len(pieces), len(columns)
    minus = float("-inf")
    best = [[minus] * (n + 1) for _ in range(k + 1)]
    back = [[0] * (n + 1) for _ in range(k + 1)]
    best[0][0] = 0.0
    prose = None if whole else _ProseScores(pieces, last)
    for j, column in enumerate(columns, start=1):
        cap = 1 if whole else CAPS.get(column.kind, 4)
        for i in range(n + 1):
            for start in range(max(0, i - cap), i + 1):
                if best[j - 1][start] == minus:
                    continue
                cell = prose.score(start, i) if prose is not None and column.kind == "prose" and i > start \
                    else _cell_score(tuple(pieces[start:i]), column, whole, last)
                score = best[j - 1][start] + cell
                if score > best[j][i]:
                    best[j][i], back[j][i] = score, start
    left = _left_over_costs(pieces, last)
    used = max(range(n + 1), key=lambda i: (best[k][i] + left[i], i))
    cells: list[tuple[int, int]] = []
    i = used
    for j in range(k, 0, -1):
        cells.append((back[j][i], i))
        i = back[j][i]
    return RowFit(best[k][used] + left[used], tuple(reversed(cells)), used)


class _ProseScores:
    """A prose cell's score from sums over the row's line breaks: a prose cell may run to
    :data:`CAPS` ``prose`` lines, and scoring each of those cells line by line would cost the
    square of that per cell end (see :func:`_cell_score` for what is summed)."""

    def __init__(self, pieces: list[Piece], last: bool) -> None:
        self.last = last
        self.breaks = [0.0]
        for p, q in zip(pieces, pieces[1:]):
            self.breaks.append(self.breaks[-1] + _break_score(p.text, q.text))

    def score(self, start: int, end: int) -> float:
        lines = end - start
        return (-0.01 * lines if self.last else 0.0) + self.breaks[end - 1] - self.breaks[start]


def _break_score(line: str, following: str) -> float:
    """A line break inside a cell: a wrap (a line as long as the next, not ending a sentence)
    scores, anything else costs."""
    line, following = line.strip(), following.strip()
    return BREAK if line.endswith(_SENTENCE_END) or len(line) < len(following) else WRAP


def _left_over_costs(pieces: list[Piece], last: bool) -> list[float]:
    """``costs[i]``: what leaving pieces ``i`` … over costs."""
    costs = [0.0] * (len(pieces) + 1)
    for i in range(len(pieces) - 1, -1, -1):
        here = 0.0 if last else SECTION_LEFT if is_section_row(pieces[i].text) else LINE_LEFT
        costs[i] = costs[i + 1] + here
    return costs


@lru_cache(maxsize=1 << 18)
def _cell_score(pieces: tuple[Piece, ...], column: Column, whole: bool, last: bool) -> float:
    """What ``pieces`` as ``column``'s cell score (cached: the rows tried for the serial chain
    overlap, and so do the cells tried in them)."""
    if not pieces:
        return MISSING_CELL if whole else EMPTY_OPTIONAL if column.optional else EMPTY
    texts = [t for p in pieces for _, t in p.lines if t.strip()]
    if not texts:
        return 0.0                                    # an empty cell written as an empty line
    if column.kind != "prose" and len(pieces) > 1 and any(is_section_row(p.text) for p in pieces[1:]):
        return MISFIT * len(texts)                    # a section row after the cell, not in it
    if column.kind in _NEVER_SECTION and is_section_row(pieces[0].text):
        return MISFIT * len(texts)                    # a section row under a row whose last cell is empty
    if column.kind == "units":
        return _units_score(texts, column)
    score = _kind_score(column.kind, texts, last)
    if not whole:
        score += sum(_break_score(line, following) for line, following in zip(texts, texts[1:]))
    return score


def _units_score(texts: list[str], column: Column) -> float:
    """Per name, not per line; where its line breaks fall says nothing (a break between two
    names and a wrap inside one read alike). A lead column mostly names one unit: of two
    ways that read equally, the one with fewer leads wins (「市政务服务中心」 / 「市大数据局」 /
    「各区人民政府」 under 牵头单位 and 配合单位)."""
    joined = "".join(texts).rstrip("。")
    names = 0 if "。" in joined or len(joined) > UNITS_CHARS else units_only("".join(unit_lines(texts)))
    if not names:
        return MISFIT * len(texts)
    return FIT * names + 1 - (LEAD_PRIOR * (names - 1) if column.role == "lead_units" else 0.0)


def _is_short(flat: str) -> bool:
    return len(flat) <= 20 and not any(c in flat for c in "。，；！？,;")


def _kind_score(kind: str, texts: list[str], last: bool) -> float:
    n = len(texts)
    flat = _NO_SPACE.sub("", "".join(texts))
    if kind == "time":
        return FIT * n if is_time_cell(flat) else MISFIT * n
    if kind == "short":
        return n if _is_short(flat) else -2.0 * n
    if kind == "scope":              # per cell, not per line: a line after it (附件2) is not drawn in
        if not _is_short(flat) or units_only(flat):
            return -2.0 * n
        return FIT if flat_data()["scope"].match(flat) else 1.0
    if kind == "title":
        if "。" in flat or len(flat) > 40:
            return -1.0 * n
        return -0.5 * n if "，" in flat else 0.5 * n
    if kind == "prose":
        return -0.01 * n if last else 0.0             # at the table's end, text after it is not a cell
    return MISFIT * n
