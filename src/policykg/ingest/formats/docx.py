"""Word .docx: the OOXML read with lxml, paragraphs and tables in body order.

Why not python-docx: its ``row.cells`` repeats a merged cell in every grid
position it covers, so a vertically merged 总体任务 would reappear in rows
where the text has it once, and it has no API for ``w:vMerge`` at all (its
issue #232); it also ignores automatic numbering. So the body is walked here:

* paragraphs in body order, content controls (``w:sdt``) and ``w:customXml``
  opened, tracked deletions and hidden runs (``w:vanish``) left out, text boxes
  and drawings left out (they float outside the reading order); ``w:br`` and
  ``w:cr`` break a paragraph into lines, ``w:tab`` is a space;
* Word's automatic numbers rendered before the text (:mod:`.wordnum`);
* a table of one cell holding a body of its own (a frame around the text, or
  around another table) is read as that body; other tables as grids: ``w:gridSpan`` is a column span, ``w:vMerge`` restart /
  continue one cell with a row span (the continuation cells' own text, which
  Word hides, is ignored), ``w:gridBefore`` skipped grid columns, the leading
  rows marked ``w:tblHeader`` the header; each paragraph of a cell is a line of
  that cell, a table nested in a cell gives its cells' lines to that cell;
* headers and footers (page numbers 「— 6 —」) are separate parts and never read;
* an ``altChunk`` (a web page embedded as the body, as some systems make Word
  files) is read by the page reader; Strict OOXML's namespaces are read as
  Transitional ones;
* the core properties' ``dc:title`` is metadata, used only when the text has no
  title line.

The XML is parsed without DTDs, entities or network, and every part is read
with a size cap (a zip bomb stops at the cap).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from policykg.errors import InputError
from policykg.ingest.formats.render import CellText, Rendering
from policykg.ingest.formats.wordnum import W, Numbering, _val
from policykg.model import Locator, SourceText

MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DC = "{http://purl.org/dc/elements/1.1/}"
#: The largest part read (uncompressed). A big task list is a few MB of XML.
MAX_PART_BYTES = 256 << 20
#: Subtrees that hold no visible body text, or text outside the reading order.
_SKIP = {W + "del", W + "moveFrom", W + "drawing", W + "pict", W + "object", W + "rPr", W + "pPr",
         W + "instrText", W + "delText", W + "fldData", W + "footnoteReference", W + "endnoteReference",
         W + "commentReference", W + "tcPr", W + "trPr", W + "tblPr", MC + "AlternateContent"}
_STYLES = {"title": "title", "subtitle": "title", "heading": "heading"}
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
#: Word's "Strict Open XML" names the same elements in other namespaces.
_STRICT = ((b"http://purl.oclc.org/ooxml/wordprocessingml/main", b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"),
           (b"http://purl.oclc.org/ooxml/officeDocument/relationships",
            b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"))


def read(path: Path, data: bytes) -> SourceText:
    """The reader's contract (:mod:`policykg.ingest.formats`) for a Word .docx file."""
    parts = Package(path, data)
    rendering = Rendering()
    body = parts.xml(parts.main).find(W + "body")
    if body is None:
        raise InputError(f"{parts.main} has no w:body: not a Word document", path=str(path))
    walker = _Body(rendering, Numbering.parse(parts.optional("numbering"), parts.optional("styles")), parts)
    walker.walk(body)
    notes = (f"{walker.numbered} automatic numbers rendered from numbering.xml",) if walker.numbered else ()
    return rendering.source(path, data, format="docx", reader="docx", encoding="utf-8",
                            metadata={"title": parts.core_title()}, notes=notes)


class Package:
    """The parts of an OOXML zip, found through its relationships, read with a size cap."""

    def __init__(self, path: Path, data: bytes) -> None:
        self.path = path
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            self.names = set(self.zip.namelist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise InputError(f"not a readable Word .docx file: the zip archive is broken ({exc})", path=str(path),
                             hint="open it in Word or WPS and save it again") from None
        self.main = self._target("_rels/.rels", "/officeDocument") or "word/document.xml"
        if self.main not in self.names:
            raise InputError("a zip archive without word/document.xml: not a Word .docx file", path=str(path))
        base = posixpath.dirname(self.main)
        self.rels = posixpath.join(base, "_rels", posixpath.basename(self.main) + ".rels")

    def _target(self, rels: str, kind: str) -> str | None:
        if rels not in self.names:
            return None
        base = posixpath.dirname(posixpath.dirname(rels))
        for rel in self.xml(rels).iter(_REL + "Relationship"):
            if rel.get("Type", "").endswith(kind) and rel.get("TargetMode") != "External":
                target = rel.get("Target", "")
                return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
        return None

    def optional(self, kind: str):
        """A related part (``numbering``, ``styles``) of the main document, parsed, or ``None``."""
        name = self._target(self.rels, "/" + kind) or posixpath.join(posixpath.dirname(self.main), kind + ".xml")
        return self.xml(name) if name in self.names else None

    def raw(self, name: str) -> bytes:
        """A part's bytes, unpacked with a size cap (a zip bomb stops there)."""
        info = self.zip.getinfo(name)
        if info.file_size > MAX_PART_BYTES:
            raise InputError(f"{name} is too large ({info.file_size >> 20} MiB uncompressed)", path=str(self.path))
        try:
            with self.zip.open(info) as fh:
                raw = fh.read(MAX_PART_BYTES + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise InputError(f"cannot unpack {name} from the .docx ({exc})", path=str(self.path),
                             hint="open it in Word or WPS and save it again") from None
        if len(raw) > MAX_PART_BYTES:
            raise InputError(f"{name} is too large (over {MAX_PART_BYTES >> 20} MiB uncompressed)", path=str(self.path))
        return raw

    def xml(self, name: str):
        """A part parsed without DTDs, entities or network; Strict OOXML read as Transitional."""
        from lxml import etree
        raw = self.raw(name)
        for strict, transitional in _STRICT:
            raw = raw.replace(strict, transitional)
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
        try:
            return etree.fromstring(raw, parser)
        except etree.XMLSyntaxError as exc:
            raise InputError(f"broken XML in {name} at line {exc.lineno}: {exc.msg}", path=str(self.path)) from None

    def related(self, rel_id: str) -> str | None:
        """The part a relationship of the main document points to (an altChunk's HTML)."""
        if self.rels not in self.names:
            return None
        base = posixpath.dirname(self.main)
        for rel in self.xml(self.rels).iter(_REL + "Relationship"):
            if rel.get("Id") == rel_id and rel.get("TargetMode") != "External":
                target = rel.get("Target", "")
                name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
                return name if name in self.names else None
        return None

    def core_title(self) -> str:
        name = self._target("_rels/.rels", "/core-properties") or "docProps/core.xml"
        if name not in self.names:
            return ""
        title = self.xml(name).find(_DC + "title")
        return " ".join((title.text or "").split()) if title is not None else ""


@dataclass
class _Body:
    """Walks the body in order, rendering paragraphs and tables and counting the list numbers."""

    rendering: Rendering
    numbering: Numbering
    parts: "Package | None" = None
    paragraphs: int = 0
    numbered: int = 0

    def walk(self, container) -> None:
        for child in container:
            if child.tag == W + "p":
                self.paragraphs += 1
                lines = self.paragraph_lines(child)
                self.rendering.paragraph(lines, Locator(kind="docx", paragraph=self.paragraphs), _style(child))
            elif child.tag == W + "tbl" and _single_cell(child) is not None:
                self.walk(_single_cell(child))        # a frame around the text (红头 templates): its content
            elif child.tag == W + "tbl":
                cells, header_rows = self.table(child)
                self.rendering.table(cells, Locator(kind="docx"), header_rows=header_rows)
            elif child.tag in (W + "sdt", W + "customXml", W + "sdtContent", W + "ins", W + "moveTo"):
                self.walk(child.find(W + "sdtContent") if child.tag == W + "sdt" else child)
            elif child.tag == W + "altChunk":
                self.alt_chunk(child)

    def alt_chunk(self, element) -> None:
        """An ``altChunk``: a web page embedded in the .docx (systems that make Word files from
        HTML put the whole body there); read by the page reader into the same lines."""
        name = self.parts.related(element.get(_R + "id", "")) if self.parts is not None else None
        if name is None:
            return
        from policykg.ingest.formats.html import decode_page, page_rules, parse_page
        from policykg.ingest.formats.htmlflow import Flow
        raw = self.parts.raw(name)
        if not re.match(rb"\s*(?:\xef\xbb\xbf)?\s*<", raw):
            return                                      # an RTF or plain-text chunk: not read (rare)
        text, _ = decode_page(raw, f"{self.parts.path}:{name}")
        page = parse_page(text, f"{self.parts.path}:{name}")
        body = page.find("body")
        Flow(self.rendering, page_rules()).render(body if body is not None else page)

    def paragraph_lines(self, p) -> list[str]:
        label = self.numbering.label(p.find(W + "pPr"))
        self.numbered += bool(label)
        parts: list[str] = []
        _collect(p, parts)
        return (label + "".join(parts)).split("\n")

    def table(self, tbl) -> tuple[list[CellText], int]:
        """The anchors of a table's grid: a merged cell once, with its row and column span."""
        cells: list[dict] = []
        open_above: dict[int, int] = {}           # grid column → index of the cell a vMerge continues
        header_rows, in_header = 0, True
        for r, tr in enumerate(_children(tbl, W + "tr")):
            trpr = tr.find(W + "trPr")
            in_header = in_header and trpr is not None and _on(trpr.find(W + "tblHeader"))
            header_rows += in_header
            column = int(_val(trpr, "gridBefore", "0") or 0) if trpr is not None else 0
            for tc in _children(tr, W + "tc"):
                tcpr = tc.find(W + "tcPr")
                span = max(1, int(_val(tcpr, "gridSpan", "1") or 1)) if tcpr is not None else 1
                merge = tcpr.find(W + "vMerge") if tcpr is not None else None
                kind = None if merge is None else merge.get(W + "val", "continue")
                if kind == "continue" and column in open_above:
                    cells[open_above[column]]["rowspan"] = r - cells[open_above[column]]["row"] + 1
                else:
                    cells.append({"row": r, "column": column, "colspan": span, "rowspan": 1,
                                  "lines": self.cell_lines(tc)})
                    if kind == "restart":
                        open_above[column] = len(cells) - 1
                    else:
                        open_above.pop(column, None)
                column += span
        return [CellText(row=c["row"], column=c["column"], lines=tuple(c["lines"]), rowspan=c["rowspan"],
                         colspan=c["colspan"]) for c in cells], header_rows

    def cell_lines(self, tc) -> list[str]:
        """Each paragraph of a cell is a line of it (blank ones dropped); a nested table gives its cells' lines."""
        lines: list[str] = []
        for child in _blocks_in(tc):
            if child.tag == W + "p":
                lines += [line for line in self.paragraph_lines(child) if line.strip()]
            elif child.tag == W + "tbl":
                nested, _ = self.table(child)
                lines += [line for cell in nested for line in cell.lines if line.strip()]
        return lines or [""]


def _single_cell(tbl):
    """The one cell of a one-row, one-column table that holds paragraphs or tables of its own (a
    layout frame, not data), else ``None``. A one-cell table of a line or two is kept as a table."""
    cells = [tc for tr in _children(tbl, W + "tr") for tc in _children(tr, W + "tc")]
    if len(cells) != 1:
        return None
    inner = list(_blocks_in(cells[0]))
    return cells[0] if len(inner) > 3 or any(b.tag == W + "tbl" for b in inner) else None


def _children(element, tag: str):
    """Children with ``tag``, looking through content controls and custom XML wrappers."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag in (W + "sdt", W + "customXml", W + "sdtContent"):
            yield from _children(child.find(W + "sdtContent") if child.tag == W + "sdt" else child, tag)


def _blocks_in(element):
    for child in element:
        if child.tag in (W + "p", W + "tbl"):
            yield child
        elif child.tag in (W + "sdt", W + "customXml", W + "sdtContent"):
            yield from _blocks_in(child.find(W + "sdtContent") if child.tag == W + "sdt" else child)


def _collect(element, out: list[str]) -> None:
    """The visible text under ``element`` in order: runs, hyperlinks, fields' results, insertions."""
    for child in element:
        tag = child.tag
        if tag in _SKIP or not isinstance(tag, str):
            continue
        if tag == W + "t":
            out.append(child.text or "")
        elif tag in (W + "tab", W + "ptab"):
            out.append(" ")
        elif tag in (W + "br", W + "cr"):
            out.append("\n")
        elif tag == W + "noBreakHyphen":
            out.append("-")
        elif tag == W + "r" and _hidden(child):
            continue
        else:
            _collect(child, out)


def _hidden(run) -> bool:
    rpr = run.find(W + "rPr")
    return rpr is not None and _on(rpr.find(W + "vanish"))


def _on(flag) -> bool:
    """An OOXML on/off flag: present and not ``0``/``false``/``off``."""
    return flag is not None and flag.get(W + "val", "true") not in ("0", "false", "off")


def _style(p) -> str:
    ppr = p.find(W + "pPr")
    style = (_val(ppr, "pStyle", "") or "").lower()
    outline = _val(ppr, "outlineLvl")
    for prefix, kind in _STYLES.items():
        if style.startswith(prefix):
            return kind
    return "heading" if outline is not None else "paragraph"
