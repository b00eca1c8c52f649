"""The flow of a page's content: block elements as paragraphs, ``<br>`` as line breaks, tables as grids.

HTML collapses white space: a line break in the page's source is a space, and
only a block element (``<p>``, ``<div>``, ``<li>``, a heading …) or a ``<br>``
starts a new line. ``&nbsp;`` is a space, a full-width space (U+3000) is text
and kept (Chinese pages indent with it). A table's ``rowspan``/``colspan``
are expanded into the grid by the HTML table algorithm (a cell skips the
positions that a cell above still covers), so a merged cell is one cell with
its span; a cell's own blocks and ``<br>`` are the lines of that cell. A table
used for layout — a single cell, or one that holds other tables — is not a data
table: its cells are read as flow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from policykg.ingest.formats.render import CellText, Rendering
from policykg.model import Locator

BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd blockquote section article main aside header footer nav center "
    "pre address figure figcaption caption hr fieldset legend details summary body html".split())
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_COLLAPSE = re.compile(r"[ \t\r\n\f\v]+")
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
#: Largest span a cell may claim: a page asking for ``rowspan=100000`` must not build a huge grid.
MAX_SPAN = 1000


def is_hidden(element) -> bool:
    return bool(_HIDDEN.search(element.get("style", "") or "")) or element.get("hidden") is not None


def element_text(element, links: bool = True) -> str:
    """All text under ``element`` (``links=False``: without the text of links), white space collapsed."""
    if links:
        return _COLLAPSE.sub(" ", "".join(element.itertext())).strip()
    parts: list[str] = []
    for node in element.iter():
        if not isinstance(node.tag, str):
            continue
        in_link = node.tag == "a" or any(a.tag == "a" for a in node.iterancestors())
        if not in_link and node.text:
            parts.append(node.text)
        if node is not element and node.tail and not (node.getparent() is not None and (
                node.getparent().tag == "a" or any(a.tag == "a" for a in node.getparent().iterancestors()))):
            parts.append(node.tail)
    return _COLLAPSE.sub(" ", "".join(parts)).strip()


@dataclass
class Flow:
    """Renders the content element into a :class:`Rendering`, collecting the files it links."""

    rendering: Rendering
    rules: dict
    attachments: tuple[tuple[str, str], ...] = ()
    _buffer: list[str] = field(default_factory=list)
    _links: list[tuple[str, str]] = field(default_factory=list)
    _where: object = None

    def render(self, content) -> None:
        self._where = content
        self._walk(content)
        self._flush()

    # ------------------------------------------------------------ flow
    def _walk(self, element) -> None:
        if self._skipped(element):
            return
        tag = element.tag
        if tag == "br":
            self._buffer.append("\n")
        elif tag == "table" and not self._layout_table(element):
            self._flush()
            cells, header_rows = self.table_cells(element)
            self.rendering.table(cells, Locator(kind="html", element="table", source_line=element.sourceline),
                                 header_rows=header_rows)
            self._where = element.getparent()
        elif tag in BLOCK_TAGS or tag in ("table", "tr", "td", "th", "tbody", "thead", "tfoot"):
            self._flush()
            self._where = element
            self._inline(element)
            self._flush()
            self._where = element.getparent()
        else:
            self._inline(element)

    def _inline(self, element) -> None:
        if element.tag == "a" and self.rules["file_link"].search((element.get("href") or "").strip()):
            self._links.append((" ".join(element_text(element).split()), (element.get("href") or "").strip()))
        if element.text:
            self._buffer.append(element.text)
        for child in element:
            if isinstance(child.tag, str):
                self._walk(child)
            if child.tail:
                self._buffer.append(child.tail)

    def _flush(self) -> None:
        text, links = "".join(self._buffer), self._links
        self._buffer, self._links = [], []
        lines = [_clean(line) for line in text.split("\n")]
        lines = [line for line in lines if not any(p.match(line.strip()) for p in self.rules["chrome_lines"])]
        if links and self._only_links(lines, links):
            self.attachments += tuple(link for link in links if link not in self.attachments)
            return
        if len(lines) == 1 and self.rules["attachment_label"].match(lines[0].strip()):
            return
        where = self._where
        tag = where.tag if where is not None and isinstance(where.tag, str) else "div"
        self.rendering.paragraph(lines, Locator(kind="html", element=tag, source_line=getattr(where, "sourceline", None)),
                                 "heading" if tag in HEADINGS else "paragraph")

    def _only_links(self, lines: list[str], links: list[tuple[str, str]]) -> bool:
        """A paragraph that is nothing but file links (and a download label): the page's attachment list."""
        rest = "".join(lines)
        for name, _ in links:
            rest = rest.replace(name, "", 1)
        rest = self.rules["attachment_label"].sub("", rest.strip())
        return not re.sub(r"[\s\d.．、:：;；,，()（）\[\]【】]|附件", "", rest)

    def _skipped(self, element) -> bool:
        if not isinstance(element.tag, str) or is_hidden(element):
            return True
        marks = f"{element.get('class', '')} {element.get('id', '')}".strip()
        if marks and any(p.search(marks) for p in self.rules["chrome_elements"]):
            return len(element_text(element)) < 200      # chrome is short; a content wrapper named badly is not
        return False

    # ------------------------------------------------------------ tables
    @staticmethod
    def _layout_table(table) -> bool:
        rows = _rows(table)
        cells = [c for r in rows for c in _cells(r)]
        return len(cells) <= 1 or any(t is not table for t in table.iter("table"))

    def table_cells(self, table) -> tuple[list[CellText], int]:
        """The grid's anchors: rowspan/colspan expanded as browsers do; leading ``<thead>`` or all-``<th>`` rows
        are the header."""
        rows = _rows(table)
        taken: set[tuple[int, int]] = set()
        cells: list[CellText] = []
        header_rows, in_header = 0, True
        for r, tr in enumerate(rows):
            column = 0
            tds = _cells(tr)
            in_header = in_header and bool(tds) and (tr.getparent().tag == "thead" or all(td.tag == "th" for td in tds))
            header_rows += in_header
            for td in tds:
                while (r, column) in taken:
                    column += 1
                rowspan = _span(td.get("rowspan"), len(rows) - r)
                colspan = _span(td.get("colspan"), MAX_SPAN)
                taken.update((r + i, column + j) for i in range(rowspan) for j in range(colspan))
                lines = tuple(self.cell_lines(td))
                here = Locator(kind="html", element=td.tag, source_line=td.sourceline)
                cells.append(CellText(row=r, column=column, lines=lines, rowspan=rowspan, colspan=colspan,
                                      locators=(here,) * len(lines)))
                column += colspan
        return cells, header_rows

    def cell_lines(self, td) -> list[str]:
        """A cell's lines: its blocks and ``<br>`` break it; white space collapsed, blank lines dropped."""
        sub = Flow(Rendering(), self.rules)
        sub.render(td)
        self.attachments += tuple(a for a in sub.attachments if a not in self.attachments)
        lines = [line.lstrip("\t") for line in sub.rendering.lines]
        return [line for line in lines if line.strip()] or [""]


def _rows(table) -> list:
    out = []
    for child in table:
        if child.tag == "tr":
            out.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            out += [tr for tr in child if tr.tag == "tr"]
    return out


def _cells(tr) -> list:
    return [td for td in tr if td.tag in ("td", "th") and not is_hidden(td)]


def _span(value: str | None, most: int) -> int:
    """A rowspan/colspan attribute as a count: junk is 1, 0 (“to the end”) is ``most``, never above ``most``."""
    digits = re.match(r"\s*(\d+)", value or "")
    if digits is None:
        return 1
    n = int(digits.group(1))
    return max(1, min(most, MAX_SPAN, n if n else most))


def _clean(line: str) -> str:
    """HTML white space collapsed to one space; ``&nbsp;`` a space; trimmed (a full-width space is kept)."""
    return _COLLAPSE.sub(" ", line.replace("\xa0", " ")).strip(" ")
