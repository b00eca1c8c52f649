"""Characters to printed lines, printed lines to paragraphs: how a PDF's text becomes the document's lines.

A PDF has no paragraphs, only characters placed on the page. The ``.txt`` of a
document holds a paragraph per line; on the page that paragraph was broken over
several printed lines wherever the width ran out. We rebuild it the way the
word processor broke it: **a printed line ends a paragraph when the first word
of the next line would have fitted on it** (the next line's first character,
with the punctuation that may not start a line, or a whole Latin word or
number). Where it would not have fitted, the break is a wrap and the lines are
joined — with nothing between them, as Chinese needs nothing; a Latin word
break keeps its space.

Three more signs start a paragraph whatever the space: a first-line indent, a
list label (``1.`` ``（三）`` ``二、``), and a change of type size or a gap
larger than the line spacing. Centred lines (titles, header cells) are free on
both sides, so their slack is counted on both sides and their offset is not an
indent.

Characters are taken as drawn: a line's text is its characters left to right,
with the space characters the file contains, and one more only where two
characters stand two characters' width apart (a tab stop, columns without
rules). pdfplumber's own text extraction inserts a space wherever there is any
gap, and a word processor leaves gaps between Chinese and Latin text
(``2023 年``) that are not in the text — the ``.txt`` has ``2023年``.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass

#: Characters that may not end a line: they go down with the character after them.
OPENING = "“‘《（〔【「『〈([{<"
#: Characters that may not start a line: they stay with the character before them.
CLOSING = "，。、；：？！）》」』】〕〉”’…—·‥,.;:?!)]}>%％"
#: What a Latin word or number is made of (a word processor breaks it only at a space or after a hyphen).
_LATIN = re.compile(r"[A-Za-z0-9.,:/@&_+#=~%\-]")
#: A list label at the start of a line: it always starts a paragraph.
LIST_LABEL = re.compile(r"^\s*(?:[（(][一二三四五六七八九十百\d]{1,3}[）)]|[一二三四五六七八九十百]{1,3}、"
                        r"|\d{1,3}\s*[.．﹒](?:(?!\d)|(?=\d{4}年))|\d{1,3}、|第[一二三四五六七八九十百\d]{1,4}[条章节]|[-—]{2}|[●■◆▲•·])")


@dataclass(frozen=True)
class Frame:
    """The horizontal extent a line was set in (the page's text column, or a cell's inside), and
    the usual gap between two lines set there (line spacing is set per document: 28 points
    for 16-point text in a 公文, sometimes for 10.5-point text too)."""

    left: float
    right: float
    gap: float = 0.0


@dataclass(frozen=True)
class Line:
    """One printed line: its characters left to right, on one page, and their extent.

    ``text`` keeps the space characters the file has and nothing else. Make one
    with :meth:`of`.
    """

    page: int
    chars: tuple[dict, ...]
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    #: What the line was set in (the page's text column, a cell's inside); set by the caller.
    frame: Frame | None = None

    @classmethod
    def of(cls, page: int, chars: list[dict] | tuple[dict, ...]) -> Line:
        chars = tuple(chars)
        sizes = [c["size"] for c in chars if c["text"].strip()] or [0.0]
        size = statistics.median(sizes)
        text = "".join(_clean(c["text"]) if i == 0 or not _apart(chars[i - 1], c, size) else " " + _clean(c["text"])
                       for i, c in enumerate(chars))
        return cls(page, chars, text, min(c["x0"] for c in chars), min(c["top"] for c in chars),
                   max(c["x1"] for c in chars), max(c["bottom"] for c in chars), size)

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (round(self.x0, 1), round(self.top, 1), round(self.x1, 1), round(self.bottom, 1))


#: Kangxi radicals, CJK radicals and compatibility ideographs: fonts of some Chinese PDF
#: producers map 一 to ⼀ (U+2F00) and the like; they read as the ideographs they stand for.
_COMPATIBLE = re.compile("[\u2e80-\u2fdf\uf900-\ufaff]")
#: What pdfminer gives for a glyph its font maps to no character.
UNMAPPED = re.compile(r"^\(cid:\d+\)$")


def _apart(before: dict, char: dict, size: float) -> bool:
    """Two characters set two characters' width apart or more with no space between them (a
    tab stop, or columns without ruling lines): a space keeps their words apart. The gaps a
    word processor leaves around Latin text, or stretching a justified line, are narrower."""
    return char["x0"] - before["x1"] >= 2 * size and before["text"].strip() != "" and char["text"].strip() != ""


def _clean(text: str) -> str:
    r"""A character's text as a line may hold it: a tab would start a table cell in the rendered
    lines; ⼀ is 一; a glyph without a character is U+FFFD, not the text ``(cid:12)``.

    >>> [_clean(t) for t in ("\t", "⼀", "甲")], _clean("(cid:12)") == "\N{REPLACEMENT CHARACTER}"
    ([' ', '一', '甲'], True)
    """
    if text in ("\t", "\xa0"):
        return " "
    if UNMAPPED.match(text):
        return "\ufffd"
    return unicodedata.normalize("NFKC", text) if _COMPATIBLE.search(text) else text


def lines_of(chars: list[dict], page: int) -> list[Line]:
    """The printed lines of ``chars`` (one region of one page), top to bottom.

    A character belongs to the line whose band holds its vertical centre; lines
    are then read left to right. (pdfminer's own order follows the drawing order,
    which is not always the reading order.)
    """
    bands: list[list[dict]] = []
    extents: list[list[float]] = []
    for char in sorted(chars, key=lambda c: (round(c["top"], 1), c["x0"])):
        if not char["text"]:
            continue
        middle = (char["top"] + char["bottom"]) / 2
        for band, extent in zip(reversed(bands[-4:]), reversed(extents[-4:])):
            if extent[0] <= middle <= extent[1]:
                band.append(char)
                extent[0], extent[1] = min(extent[0], char["top"]), max(extent[1], char["bottom"])
                break
        else:
            bands.append([char])
            extents.append([char["top"], char["bottom"]])
    lines = [Line.of(page, sorted(band, key=lambda c: c["x0"])) for band in bands]
    return [line for line in sorted(lines, key=lambda l: (round(l.top, 1), l.x0)) if line.text.strip()]


def frame_of(lines: list[Line], width: float) -> Frame:
    """The text column of a group of pages: its left edge (where most lines start), its right
    edge (where several lines end: justified lines run to it) and its usual line gap.

    >>> rows = [Line.of(1, [{"text": "甲", "x0": 80.0, "x1": x, "top": t, "bottom": t + 16, "size": 16}])
    ...         for t, x in ((0, 520.0), (28, 521.0), (56, 300.0), (84, 520.5))]
    >>> frame_of(rows, 595.0)
    Frame(left=80.0, right=521.0, gap=12.0)
    """
    if not lines:
        return Frame(0.0, width)
    starts = [round(line.x0) for line in lines]
    left_at = statistics.mode(sorted(starts))
    left = min(line.x0 for line in lines if round(line.x0) == left_at)
    gap = usual_gap(lines)
    ends = sorted((line.x1 for line in lines), reverse=True)
    need = 3 if len(ends) >= 8 else 2
    for end in ends:
        if sum(1 for e in ends if abs(e - end) <= 2.0) >= need:
            return Frame(left, end, gap)
    return Frame(left, max(width - left, ends[0]), gap)


def usual_gap(lines: list[Line]) -> float:
    """The median gap between a line and the next one below it on the same page."""
    ordered = sorted(lines, key=lambda l: (l.page, l.top))
    gaps = [b.top - a.bottom for a, b in zip(ordered, ordered[1:]) if a.page == b.page and b.top > a.bottom]
    return float(statistics.median(gaps)) if gaps else 0.0


def first_word(line: Line) -> float:
    """The width of what the word processor could not have split off the start of ``line``:
    an opening bracket with the character after it, a Latin word or number, or one
    character — each with the closing punctuation that may not start a line."""
    chars = [c for c in line.chars]
    while chars and not chars[0]["text"].strip():
        chars.pop(0)
    if not chars:
        return 0.0
    i = 0
    while i < len(chars) - 1 and chars[i]["text"] in OPENING:
        i += 1
    if _LATIN.fullmatch(chars[i]["text"]):
        while i + 1 < len(chars) and _LATIN.fullmatch(chars[i + 1]["text"]):
            i += 1
    i += 1
    while i < len(chars) and chars[i]["text"] in CLOSING:
        i += 1
    return chars[i - 1]["x1"] - chars[0]["x0"]


def _centred(line: Line, frame: Frame) -> bool:
    lead, trail = line.x0 - frame.left, frame.right - line.x1
    return lead > 0.5 * line.size and abs(lead - trail) <= 0.5 * line.size


def slack(line: Line, frame: Frame) -> float:
    """The room left on ``line``: after it, and before it when it is centred or set far right
    (not a first-line indent)."""
    lead = line.x0 - frame.left
    free = frame.right - line.x1
    if _centred(line, frame) or lead > 4 * max(line.size, 1.0):
        free += lead
    return free


def starts_paragraph(prev: Line, line: Line) -> bool:
    """Whether ``line`` begins a new paragraph after ``prev`` in the same flow of text
    (each set in its own :class:`Frame`; across a page break there is no gap to judge).

    >>> from dataclasses import replace
    >>> def row(text, x0, top, size=16.0):
    ...     chars = [{"text": t, "x0": x0 + i * size, "x1": x0 + (i + 1) * size, "top": top,
    ...               "bottom": top + size, "size": size} for i, t in enumerate(text)]
    ...     return replace(Line.of(1, chars), frame=Frame(80.0, 240.0))
    >>> starts_paragraph(row("一二三四五六七八九十", 80, 0), row("甲乙", 80, 28))   # full line: a wrap
    False
    >>> starts_paragraph(row("一二三四五六七八", 80, 0), row("甲乙", 80, 28))      # 甲 would have fitted
    True
    >>> starts_paragraph(row("一二三四五六七八九十", 80, 0), row("2.甲", 80, 28))   # a list label
    True
    >>> starts_paragraph(row("一二三四五六七八九十", 80, 0), row("甲乙", 112, 28))  # an indent
    True
    """
    frame = line.frame or Frame(line.x0, line.x1)
    if LIST_LABEL.match(line.text):
        return True
    if abs(prev.size - line.size) > 0.75:
        return True
    if prev.page == line.page and line.top - prev.bottom > max(1.2 * max(prev.size, line.size), 1.6 * frame.gap):
        return True
    if line.x0 - frame.left >= 0.8 * line.size and not _centred(line, frame):
        return True
    return slack(prev, prev.frame or frame) > first_word(line) + 0.5


def paragraphs(lines: list[Line], *, keep_lines: bool = False) -> list[list[Line]]:
    """``lines`` (one flow, in reading order) grouped into paragraphs; with ``keep_lines``
    every printed line is its own (a cell of names, one per line)."""
    groups: list[list[Line]] = []
    for line in lines:
        if groups and not keep_lines and not starts_paragraph(groups[-1][-1], line):
            groups[-1].append(line)
        else:
            groups.append([line])
    return groups


def join(texts: list[str]) -> str:
    """Printed lines of one paragraph as one line: nothing between them, except that a
    space the file has at a line's end (a Latin word break) is kept once.

    >>> join(["为深入贯彻落实《中共中央 国务院关于", "促进民营经济发展"]), join(["open ", "data"])
    ('为深入贯彻落实《中共中央 国务院关于促进民营经济发展', 'open data')
    """
    out = ""
    for text in texts:
        if out and out[-1] == " ":
            out = out.rstrip() + " "
            text = text.lstrip()
        out += text if out else text.lstrip()
    return out.rstrip()
