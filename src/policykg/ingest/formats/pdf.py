"""PDF with a text layer: the document as printed, read back into paragraphs and tables.

A PDF holds characters placed on pages, ruling lines and page furniture; the
``.txt`` of the same document holds a paragraph per line and its task table
flattened cell by cell. This reader (pdfplumber, over pdfminer.six) gets from
one to the other:

* **lines** — each page's characters grouped into printed lines and read left to
  right, with the space characters the file has and no others
  (:mod:`.pdf_lines`);
* **paragraphs** — printed lines joined back where the word processor wrapped
  them: a line ends a paragraph only if the next line's first word would have
  fitted on it, or the next line is indented, starts a list label, changes type
  size or stands apart (:func:`.pdf_lines.starts_paragraph`); a paragraph goes on
  over a page break the same way;
* **page furniture** dropped — page numbers (「— 6 —」「第 6 页」) and running
  headers and footers: patterns and margins are data
  (``lexicon/printed_pages.toml``), a line must sit in the top or bottom band of
  its page, and a line repeated there on many pages is furniture whatever it says;
* **tables** from ruling lines, merged cells rebuilt from the cell boxes, one
  table over all its pages with the repeated header dropped and a row cut by a
  page break joined back (:mod:`.pdf_tables`); a one-column table (a 专栏 box)
  and a framed single cell are boxes of text, read as paragraphs (style ``box``).

Traps met on the way (pdfplumber 0.11, pdfminer.six):

* ``extract_text``/``extract_words`` put a space wherever two characters stand
  apart; a word processor sets Latin text apart from Chinese (``2023 年``), so the
  text is built from ``page.chars`` and keeps only real space characters.
* Bold drawn twice (a fake bold) doubles every character: ``dedupe_chars()``.
* ``Table.rows`` gives ``None`` for a position a merged cell covers; the spans come
  from the cell boxes (``Table.cells``), placed in the grid of all edges.
* A single framed cell is not a table to ``find_tables`` (it keeps tables of two
  cells or more); the finder's steps are run here (:func:`.pdf_tables.ruled_cells`)
  so that the single cells are kept as boxes.
* A page turned by ``/Rotate`` (a landscape table on portrait paper) comes back
  from pdfplumber in its turned geometry, where a line of text runs down the page,
  and pdfminer sizes a turned glyph by its width (a digit: 4.95 for 9 points): the
  characters and ruling lines are put upright first (:func:`_unrotated`).
* A font without a ToUnicode map gives ``(cid:12)`` for every character: that
  text is not readable, as if there were none. A page with no characters at all
  is a scan. Neither is an empty success: the reader says the file needs OCR.
* Narrow cells (分管领导/联络员, 实施阶段) are full after three characters, so a
  full line there is no sign of a wrap; which columns hold one item per printed
  line is data too (``[cells] one_per_line``, by the column's role).
"""

from __future__ import annotations

import io
import logging
import re
import tomllib
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from policykg.errors import InputError
from policykg.ingest.formats.pdf_lines import (UNMAPPED, Frame, Line, frame_of, join, lines_of, starts_paragraph,
                                               usual_gap)
from policykg.ingest.formats.pdf_tables import (Piece, Table, cell_paragraphs, continues, header_rows, header_words,
                                                piece_of, ruled_cells)
from policykg.ingest.formats.pdf_tables import join as join_pieces
from policykg.ingest.formats.render import CellText, Rendering
from policykg.model import Locator, SourceText
from policykg.resources import lexicon_path

#: Share of characters without a Unicode mapping above which the text layer is unreadable.
MAX_UNMAPPED = 0.5
#: Share of a page's characters set at an angle up to which they are dropped as a watermark
#: (more, and the page itself is turned: they are its text).
MAX_TURNED = 0.2
_SPACES = re.compile(r"\s+")
#: A character in a private use area: a font's own code, not text (a few bullets are harmless; a
#: text layer made of them is as unreadable as one without a Unicode map).
_PRIVATE = re.compile("^[\ue000-\uf8ff]$")


@dataclass(frozen=True)
class Furniture:
    """``lexicon/printed_pages.toml``: page-number patterns, the margin bands, one-per-line columns."""

    page_numbers: tuple[re.Pattern, ...]
    band: float
    share: float
    min_pages: int
    tolerance: float
    one_per_line: frozenset[str]


@lru_cache(maxsize=None)
def furniture() -> Furniture:
    with lexicon_path("printed_pages.toml").open("rb") as fh:
        data = tomllib.load(fh)
    margins = data["margins"]
    return Furniture(tuple(re.compile(p) for p in data["page_numbers"]["patterns"]), float(margins["band"]),
                     float(margins["share"]), int(margins["min_pages"]), float(margins["tolerance"]),
                     frozenset(data["cells"]["one_per_line"]))


@dataclass
class Box:
    """A framed text (a one-column table's cell, a single framed cell): its own flow of lines."""

    page: int
    top: float
    lines: list[Line]


@dataclass
class Page:
    """What one page holds, before furniture is dropped: lines of running text, boxes, table pieces."""

    number: int
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    pieces: list[Piece] = field(default_factory=list)
    chars: int = 0
    unmapped: int = 0
    turned: int = 0


def read(path: Path, data: bytes) -> SourceText:
    """The registry's contract (:mod:`policykg.ingest.formats`): the PDF ``data`` as a document.

    Raises :class:`InputError` for an encrypted or broken file, and for a file
    with no readable text layer (a scan: it needs OCR).
    """
    with _quiet("pdfminer"):
        pages, info = _pages(path, data)
    _check_text_layer(path, pages)
    notes = _drop_furniture(pages)
    _set_frames(pages)
    rendering = Rendering()
    for item in _flow(pages):
        if isinstance(item, Paragraph):
            _render_paragraph(rendering, item)
        else:
            _render_table(rendering, _table(item))
    notes += _page_notes(pages)
    return rendering.source(path, data, format="pdf", reader="pdf", encoding="pdf", metadata=info,
                            notes=notes, pages=len(pages))


def _pages(path: Path, data: bytes) -> tuple[list[Page], dict[str, str]]:
    """Every page parsed (pdfminer reads lazily: parse errors surface here, named by page)."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfexceptions import PDFException
    from pdfminer.psexceptions import PSException
    from pdfplumber.utils.exceptions import PdfminerException
    broken = (PdfminerException, PDFException, PSException, ValueError, KeyError, TypeError, IndexError,
              AttributeError, AssertionError, EOFError, OverflowError, ZeroDivisionError)
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except (PdfminerException, PDFException, PSException) as exc:
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise InputError("the PDF is encrypted (password-protected); it cannot be read", path=str(path),
                             hint="save an unprotected copy") from None
        raise InputError(f"not a readable PDF ({_reason(cause)})", path=str(path),
                         hint="the file may be damaged or incomplete: fetch it again") from None
    except broken as exc:
        raise InputError(f"not a readable PDF ({_reason(exc)})", path=str(path),
                         hint="the file may be damaged or incomplete: fetch it again") from None
    pages: list[Page] = []
    with pdf:
        info = _metadata(pdf)
        number = 0
        try:
            parsed = []
            for number, page in enumerate(pdf.pages, start=1):
                page = page.dedupe_chars()             # bold drawn twice: each character once
                parsed.append((float(page.width), float(page.height), int(page.rotation or 0), page.chars,
                               page.edges))
        except broken as exc:
            raise InputError(f"page {number or 1} of the PDF cannot be read ({_reason(exc)})", path=str(path),
                             hint="the file may be damaged or incomplete: fetch it again") from None
        pages = [_page(n, *facts) for n, facts in enumerate(parsed, start=1)]
    if not pages:
        raise InputError("the PDF has no pages", path=str(path), hint="is it the right file?")
    return pages, info


def _page_notes(pages: list[Page]) -> tuple[str, ...]:
    """What the build should say about pages read incompletely."""
    notes = [f"page {p.number} has no text layer (a scanned page?): its text is missing"
             for p in pages if p.chars == 0]
    unmapped = [p.number for p in pages if p.unmapped]
    if unmapped:
        notes.append(f"{sum(p.unmapped for p in pages)} characters without a Unicode mapping (a glyph code shown "
                     f"as \ufffd, a private-use code kept) on pages {', '.join(map(str, unmapped))}")
    notes += [f"page {p.number}: {p.turned} characters set at an angle (a watermark?) left out"
              for p in pages if p.turned and p.turned <= MAX_TURNED * p.chars]
    return tuple(notes)


@contextmanager
def _quiet(name: str):
    """pdfminer logs what it tolerates in a file (a font without a bounding box …) as warnings;
    they would add lines to a one-line message, and say nothing a reader of policykg can act on."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _reason(exc: BaseException) -> str:
    text = _SPACES.sub(" ", str(exc)).strip()
    return f"{type(exc).__name__}: {text[:80]}" if text else type(exc).__name__


def _metadata(pdf) -> dict[str, str]:
    """The document information's title, when it is one (not a file name or a template's)."""
    raw = pdf.metadata.get("Title") if isinstance(pdf.metadata, dict) else None
    title = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if not isinstance(title, str):
        return {}
    title = re.sub(r"^Microsoft Word\s*-\s*", "", title.strip())
    if not title or re.search(r"\.(docx?|wps|pdf|rtf)$", title, re.I) or not re.search(r"[\u4e00-\u9fff]", title):
        return {}
    return {"title": title}


def _page(number: int, width: float, height: float, rotation: int, chars: list[dict], edges: list[dict]) -> Page:
    """One page (parsed, its characters deduplicated): its table pieces, its boxes and the
    lines of running text outside them."""
    if rotation % 360:
        (width, height), chars, edges = _unrotated(rotation % 360, width, height, chars, edges)
    chars = [c for c in chars if c.get("text")]
    upright = [c for c in chars if not _turned(c)]
    result = Page(number, width, height, chars=len(chars),
                  unmapped=sum(1 for c in chars if UNMAPPED.match(c["text"]) or _PRIVATE.match(c["text"])),
                  turned=len(chars) - len(upright))
    if len(upright) >= (1 - MAX_TURNED) * len(chars):
        chars = upright                          # a watermark across the page is not text in the lines
    groups, single = ruled_cells(edges)
    claimed: list[tuple[float, float, float, float]] = []
    for boxes in groups:
        bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
        claimed.append(bbox)
        if len({round(b[0]) for b in boxes}) > 1:
            result.pieces.append(piece_of(boxes, _within(chars, bbox), number))
        else:
            result.boxes.extend(_box(b, chars, number) for b in sorted(boxes, key=lambda b: b[1]))
    tables = list(claimed)
    for box in single:
        if any(_contains(outer, box) for outer in claimed) or not _within(chars, box):
            continue
        if any(_contains(box, table) for table in tables):
            continue                            # a frame drawn around the page: decoration, not a box
        claimed.append(box)
        result.boxes.append(_box(box, chars, number))
    free = [c for c in chars if not any(_holds(box, c) for box in claimed)]
    result.lines = lines_of(free, number)
    result.boxes = [b for b in result.boxes if b.lines]
    return result


def _unrotated(rotation: int, width: float, height: float, chars: list[dict], edges: list[dict]):
    """A page shown turned (``/Rotate``: a landscape table printed on a portrait page) as it reads:
    pdfplumber gives the turned geometry, where a line of text runs down the page."""
    def place(obj: dict) -> dict:
        x0, top, x1, bottom = obj["x0"], obj["top"], obj["x1"], obj["bottom"]
        if rotation == 90:
            x0, top, x1, bottom = top, width - x1, bottom, width - x0
        elif rotation == 270:
            x0, top, x1, bottom = height - bottom, x0, height - top, x1
        else:
            x0, top, x1, bottom = width - x1, height - bottom, width - x0, height - top
        moved = {**obj, "x0": x0, "top": top, "x1": x1, "bottom": bottom, "width": x1 - x0, "height": bottom - top}
        if "orientation" in obj and rotation != 180:
            moved["orientation"] = "v" if obj["orientation"] == "h" else "h"
        if "matrix" in obj:
            moved["matrix"] = (1, 0, 0, 1, 0, 0)  # upright as it reads
            moved["size"] = bottom - top          # pdfminer sizes a turned glyph by its width: 2 is 4.95
        return moved
    size = (height, width) if rotation in (90, 270) else (width, height)
    return size, [place(c) for c in chars], [place(e) for e in edges]


def _turned(char: dict) -> bool:
    """A character set at an angle (a diagonal 「内部资料」 watermark), not along the line."""
    a, b = (char.get("matrix") or (1, 0))[:2]
    return abs(b) > 0.2 * max(abs(a), 1e-6)


def _box(box: tuple[float, float, float, float], chars: list[dict], page: int) -> Box:
    lines = lines_of(_within(chars, box), page)
    pad = max(0.0, min((line.x0 - box[0] for line in lines), default=0.0))
    frame = Frame(box[0] + pad, box[2] - pad, usual_gap(lines))
    return Box(page, box[1], [replace(line, frame=frame) for line in lines])


def _holds(box: tuple[float, float, float, float], char: dict) -> bool:
    cx, cy = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def _within(chars: list[dict], box: tuple[float, float, float, float]) -> list[dict]:
    return [c for c in chars if _holds(box, c)]


def _contains(outer: tuple[float, ...], inner: tuple[float, ...]) -> bool:
    return (outer[0] - 1 <= inner[0] and outer[1] - 1 <= inner[1]
            and inner[2] <= outer[2] + 1 and inner[3] <= outer[3] + 1)


def _check_text_layer(path: Path, pages: list[Page]) -> None:
    """A scan (no characters) or a text layer of unmapped glyphs is not a document we can read."""
    total = sum(p.chars for p in pages)
    unmapped = sum(p.unmapped for p in pages)
    if total == 0:
        raise InputError("the PDF has no text layer (a scanned or image-only document): it needs OCR, "
                         "which policykg does not do", path=str(path),
                         hint="run OCR on it first, e.g. ocrmypdf, or find the text version")
    if unmapped > MAX_UNMAPPED * total:
        raise InputError("the PDF's text layer cannot be read (its fonts map the glyphs to no characters): "
                         "it needs OCR, which policykg does not do", path=str(path),
                         hint="run OCR on it first, e.g. ocrmypdf --force-ocr, or find the text version")

# ---------------------------------------------------------------- page furniture


def _drop_furniture(pages: list[Page]) -> tuple[str, ...]:
    """Drop page numbers and running headers/footers from the running text; say what went.

    Only lines in the margins are candidates (:func:`_margin_lines`): a line matching a
    page-number pattern goes; any other line goes when the same text (digits
    aside) stands at the same height in the same margin on many pages.
    """
    rules = furniture()
    zones = {id(line): zone for page in pages for line, zone in _margin_lines(page, rules.band)}
    where: dict[tuple[str, str, int], set[int]] = {}
    for page in pages:
        for line in page.lines:
            if id(line) in zones:
                where.setdefault(_running_key(line, zones[id(line)], rules.tolerance), set()).add(page.number)
    repeated = max(rules.min_pages, rules.share * len(pages))
    numbers, running = 0, Counter()
    for page in pages:
        kept = []
        for line in page.lines:
            zone = zones.get(id(line))
            text = _SPACES.sub("", line.text)
            if zone and any(p.match(text) or p.match(line.text.strip()) for p in rules.page_numbers):
                numbers += 1
            elif zone and len(where[_running_key(line, zone, rules.tolerance)]) >= repeated:
                running[text] += 1
            else:
                kept.append(line)
        page.lines = kept
    notes = [f"page numbers dropped on {numbers} pages"] if numbers else []
    notes += [f"running header/footer {text!r} dropped on {n} pages" for text, n in sorted(running.items())]
    return tuple(notes)


def _margin_lines(page: Page, band: float) -> list[tuple[Line, str]]:
    """The lines of ``page`` that sit in its top or bottom margin: inside the band, or the
    first (last) thing on the page, standing apart from what follows (precedes) it."""
    tops = sorted([line.top for line in page.lines] + [b.top for b in page.boxes] + [p.box[1] for p in page.pieces])
    bottoms = sorted([line.bottom for line in page.lines] + [b.lines[-1].bottom for b in page.boxes]
                     + [p.box[3] for p in page.pieces])
    found = []
    for line in page.lines:
        height = line.bottom - line.top
        above = [b for b in bottoms if b <= line.top + 0.5]
        below = [t for t in tops if t >= line.bottom - 0.5]
        if line.bottom <= band * page.height or (not above and (not below or below[0] - line.bottom >= height)):
            found.append((line, "top"))
        elif line.top >= (1 - band) * page.height or (not below and (not above or line.top - above[-1] >= height)):
            found.append((line, "bottom"))
    return found


def _running_key(line: Line, zone: str, tolerance: float) -> tuple[str, str, int]:
    """A running line's identity: its text with digits masked, its band, its height (bucketed)."""
    height = line.top if zone == "top" else line.bottom
    return (re.sub(r"\d+", "#", _SPACES.sub("", line.text)), zone, round(height / max(tolerance, 1.0)))


# ---------------------------------------------------------------- reading order


def _set_frames(pages: list[Page]) -> None:
    """Running text is set in the text column of its kind of page (portrait and landscape differ)."""
    groups: dict[tuple[int, int], list[Page]] = {}
    for page in pages:
        groups.setdefault((round(page.width), round(page.height)), []).append(page)
    for group in groups.values():
        frame = frame_of([line for page in group for line in page.lines], group[0].width)
        for page in group:
            page.lines = [replace(line, frame=frame) for line in page.lines]


def _items(page: Page) -> list[tuple[float, object, Line | Box | Piece]]:
    """A page's lines, boxes and table pieces, top to bottom, each with the flow it belongs to."""
    items: list[tuple[float, object, Line | Box | Piece]] = [(line.top, ("body", page.number), line)
                                                            for line in page.lines]
    items += [(box.top, ("box", page.number, i), box) for i, box in enumerate(page.boxes)]
    items += [(piece.box[1], ("table", page.number, i), piece) for i, piece in enumerate(page.pieces)]
    return sorted(items, key=lambda item: item[0])


@dataclass
class Paragraph:
    """Printed lines that are one paragraph (over a page break, maybe), and how it was set."""

    lines: list[Line]
    style: str = "paragraph"


def _flow(pages: list[Page]) -> list[Paragraph | list[Piece]]:
    """The document in reading order: paragraphs, and tables as the pieces of each. A
    paragraph and a table both go on over a page break when they are the last thing on
    one page and the first on the next."""
    out: list[Paragraph | list[Piece]] = []
    para: Paragraph | None = None
    flow = None
    for page in pages:
        first = True
        for _, region, item in _items(page):
            if isinstance(item, Piece):
                if first and out and para is None and isinstance(out[-1], list) and continues(out[-1][-1], item):
                    out[-1].append(item)
                else:
                    out.append([item])
                para = None
            else:
                style = "box" if isinstance(item, Box) else "paragraph"
                same_flow = region == flow or first     # a new region starts a paragraph, bar a page break
                for line in item.lines if isinstance(item, Box) else [item]:
                    if para is not None and same_flow and not starts_paragraph(para.lines[-1], line):
                        para.lines.append(line)
                    else:
                        para = Paragraph([line], style)
                        out.append(para)
                    same_flow = True
            flow, first = region, False
    return out


# ---------------------------------------------------------------- rendering


def _table(pieces: list[Piece]) -> tuple[Table, set[int]]:
    """The pieces of one table joined, and the columns whose printed lines are items
    (found from the header's column roles)."""
    from policykg.ingest.segment import column_roles
    roles = {_SPACES.sub("", k): v for k, v in column_roles().items()}
    header = header_rows(pieces, set(roles))
    keep: set[int] = set()
    if header:
        one_per_line = furniture().one_per_line
        keep = {column for column, words in header_words(pieces, header) if roles.get(words) in one_per_line}
    return join_pieces(pieces, header, keep), keep


def _render_table(rendering: Rendering, joined: tuple[Table, set[int]]) -> None:
    table, keep = joined
    number = rendering.tables + 1
    cells = []
    for cell in table.cells:
        paras = cell_paragraphs(cell, keep_lines=cell.row >= table.header_rows and cell.column in keep)
        texts = tuple(join([line.text for line in para]) for para in paras) or ("",)
        locators = tuple(_locator(para, table=number, row=cell.row, column=cell.column) for para in paras)
        cells.append(CellText(row=cell.row, column=cell.column, lines=texts, rowspan=cell.rowspan,
                              colspan=cell.colspan, locators=locators or (
                                  Locator(kind="pdf", page=cell.page, table=number, row=cell.row,
                                          column=cell.column, box=_rounded(cell.box)),)))
    first = table.pieces[0]
    rendering.table(cells, Locator(kind="pdf", page=first.page, box=_rounded(first.box)),
                    header_rows=table.header_rows)


def _render_paragraph(rendering: Rendering, para: Paragraph) -> None:
    rendering.paragraph([join([line.text for line in para.lines])], _locator(para.lines), style=para.style)


def _locator(lines: list[Line], **where) -> Locator:
    """Where a paragraph starts: its page and the box of its lines on that page."""
    page = lines[0].page
    on_page = [line for line in lines if line.page == page]
    box = (min(l.x0 for l in on_page), min(l.top for l in on_page),
           max(l.x1 for l in on_page), max(l.bottom for l in on_page))
    return Locator(kind="pdf", page=page, box=_rounded(box), **where)


def _rounded(box: tuple[float, ...]) -> tuple[float, float, float, float]:
    return tuple(round(float(v), 1) for v in box)
