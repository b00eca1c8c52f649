"""The source view of a published file (issue 16, item 5): the document as it was read — paragraphs, and
tables drawn as tables (``<table>``, a merged cell once with its row/column span) — each record saying
where it sits in the original (page, table row, cell, or line); a plain text still drawn line by line.

Expected cells come from the files themselves: the Word table of the seed read straight from its
``word/document.xml``, the PDF table from ``pdf_table_pages.fodt`` (see tests/test_pdf_reader.py).

``POLICYKG_SCREENSHOTS=1`` writes the seed's Word table in the browser to ``docs/source_view_table.png``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import time
import zipfile
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import pytest

from policykg.kg.pipeline import build
from policykg.kg.store import as_store, execute, plain
from policykg.use.sourceview import SOURCE_PAGE, render_source_view, write_source_view

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ROOT / "tests" / "fixtures" / "formats"
SEED_DOCX = FORMATS / "000_4cdbba2a142b4d11.docx"
SEED_TXT = ROOT / "sources" / "000_4cdbba2a142b4d11.txt"
TABLE_PDF = FORMATS / "pdf_table_pages.pdf"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
LOCATORS = """PREFIX pkg: <https://w3id.org/policykg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?r ?loc WHERE { ?r a pkg:ResponsibilityRecord ; prov:wasDerivedFrom ?sp . ?sp pkg:locator ?loc . }"""


class _Page(HTMLParser):
    """What the page draws: its tables (rows of cells, each cell its lines' text), the page breaks
    between rows, every line's text by number, and the index's "where" of each record."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list] = []           # per table: rows ({"cells", "lines", "records"}) and ("page", n)
        self.text: dict[int, str] = {}
        self.numbered: set[int] = set()         # lines drawn with their own number (not inside a cell)
        self.where: dict[str, str] = {}
        self._cell: dict | None = None
        self._line: int | None = None
        self._tx = 0
        self._li: str | None = None
        self._in_where = False
        self._page_row = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "table" and "grid" in cls:
            self.tables.append([])
        elif tag == "tr" and "pgbr-row" in cls:
            self._page_row = True
        elif tag == "tr" and "data-lines" in a:
            self.tables[-1].append({"cells": [], "lines": [int(n) for n in a["data-lines"].split()],
                                    "records": a.get("data-r", "").split()})
        elif tag in ("td", "th") and "cell" in cls:
            self._cell = {"tag": tag, "rowspan": int(a.get("rowspan", 1)), "colspan": int(a.get("colspan", 1)),
                          "lines": []}
            self.tables[-1][-1]["cells"].append(self._cell)
        elif tag == "div" and "ln" in cls:
            self._line = int(a["data-line"])
            self.text[self._line] = ""
            if "cl" not in cls:
                self.numbered.add(self._line)
            if self._cell is not None:
                self._cell["lines"].append(self._line)
        elif tag == "span" and "tx" in cls:
            self._tx = 1
        elif tag == "span" and self._tx:
            self._tx += 1
        elif tag == "li" and "data-rec" in a:
            self._li = a["data-rec"]
        elif tag == "span" and "sv-line" in cls and self._li:
            self._in_where = True
            self.where[self._li] = ""

    def handle_endtag(self, tag):
        if tag == "span" and self._tx:
            self._tx -= 1
        elif tag == "span" and self._in_where:
            self._in_where = False
        elif tag in ("td", "th"):
            self._cell = None
        elif tag == "tr":
            self._page_row = False

    def handle_data(self, data):
        if self._tx and self._line is not None:
            self.text[self._line] += data
        elif self._in_where:
            self.where[self._li] += data
        elif self._page_row and (m := re.search(r"page (\d+)", data)):
            self.tables[-1].append(("page", int(m.group(1))))

    def cells(self, table: int = 0) -> list[list[tuple[str, int, int, str]]]:
        """Each row of a table as (tag, rowspan, colspan, text): a cell's lines, their leading tab apart."""
        return [[(c["tag"], c["rowspan"], c["colspan"], "\n".join(self.text[n].lstrip("\t") for n in c["lines"]))
                 for c in row["cells"]] for row in self.tables[table] if isinstance(row, dict)]


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


@lru_cache(maxsize=None)
def _view(path: Path):
    """The built document and its source view, once per file for the module."""
    result = build(path)
    store = as_store(result.graph)
    html = render_source_view(store, path, result.report)
    return store, html, _parse(html)


def _locators(store) -> dict[str, set[str]]:
    """Record id (``task/3``) → the pkg:locator of its source spans, from the store."""
    _, _, rows = execute(store, LOCATORS)
    out: dict[str, set[str]] = {}
    for r, loc in rows:
        out.setdefault(plain(r).split("/doc/", 1)[1].split("/", 1)[1], set()).add(plain(loc))
    return out


def _word_rows(path: Path) -> list[list[tuple[int, int, list[str]]]]:
    """The first table of a .docx as Word holds it: per row, each cell that is not the continuation of a
    vertical merge as (rowspan, colspan, its paragraphs' text) — read from the XML, not by our reader."""
    from lxml import etree
    with zipfile.ZipFile(path) as z:
        table = next(etree.fromstring(z.read("word/document.xml")).iter(f"{W}tbl"))
    grid: list[list[tuple[int, int, str | None, list[str]]]] = []     # (grid column, colspan, vMerge, texts)
    for tr in table.findall(f"{W}tr"):
        row, column = [], 0
        for tc in tr.findall(f"{W}tc"):
            span = tc.find(f"{W}tcPr/{W}gridSpan")
            merge = tc.find(f"{W}tcPr/{W}vMerge")
            colspan = int(span.get(f"{W}val")) if span is not None else 1
            state = None if merge is None else (merge.get(f"{W}val") or "continue")
            texts = ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in tc.findall(f"{W}p")]
            row.append((column, colspan, state, texts))
            column += colspan
        grid.append(row)
    out = []
    for r, row in enumerate(grid):
        cells = []
        for column, colspan, state, texts in row:
            if state == "continue":
                continue
            rowspan = 1
            if state == "restart":
                for below in grid[r + 1:]:
                    if not any(c == column and s == "continue" for c, _, s, _ in below):
                        break
                    rowspan += 1
            cells.append((rowspan, colspan, texts))
        out.append(cells)
    return out


# ---------------------------------------------------------------- a Word table


def test_word_table_is_drawn_as_the_word_table():
    """Every row of the seed's Word table is a row of the drawn <table>: its cells in order, each with
    its paragraphs as lines (Word's numbering may come before a paragraph; an empty paragraph is no line), a
    merged cell once, spanning."""
    _, html, page = _view(SEED_DOCX)
    assert html.count("<table") == 1 and len(page.tables) == 1
    drawn, word = page.cells(), _word_rows(SEED_DOCX)
    assert len(drawn) == len(word) == 40
    assert [c[3] for c in drawn[0]] == ["序号", "总体任务", "重点工作", "全市目标", "落实举措", "实施阶段", "责任单位",
                                        "分管领导/联络员"]
    assert {c[0] for c in drawn[0]} == {"th"} and {c[0] for row in drawn[1:] for c in row} == {"td"}
    for r, (ours, theirs) in enumerate(zip(drawn, word), start=1):
        assert [(rs, cs) for _, rs, cs, _ in ours] == [(rs, cs) for rs, cs, _ in theirs], f"row {r}"
        for (_, _, _, text), (_, _, paragraphs) in zip(ours, theirs):
            lines = [line for line in text.split("\n") if line.strip()]          # an empty paragraph: no line
            paragraphs = [p for p in paragraphs if p.strip()]
            assert len(lines) == len(paragraphs) and all(line.endswith(p) for line, p in zip(lines, paragraphs)), \
                (r, lines, paragraphs)


def test_word_records_say_their_table_rows_and_paragraphs():
    """Each record's "where" in the index is the locators of its spans in the store; task 3 is rows 5
    and 6 of the Word table (row 1 is the header), and its band marks exactly those rows."""
    store, _, page = _view(SEED_DOCX)
    locators = _locators(store)
    assert set(page.where) == set(locators) and sum(rid.startswith("task/") for rid in locators) == 32
    for rid, where in page.where.items():
        parts = where.split("; ")
        assert set(parts) - {"…"} <= locators[rid], rid
        assert set(parts) == locators[rid] or len(locators[rid]) > 3, rid
    assert page.where["task/3"] == "table 1, row 5; table 1, row 6"
    marked = [r for r, row in enumerate((x for x in page.tables[0] if isinstance(x, dict)), start=1)
              if "task/3" in row["records"]]
    assert marked == [5, 6]
    assert any(w.startswith("paragraph ") for w in page.where.values())


# ---------------------------------------------------------------- a PDF table over three pages


def test_pdf_table_over_pages_is_one_table_with_its_page_breaks_and_merged_cell():
    """pdf_table_pages.fodt: a 分工表 of six rows over three pages; 市自然资源和规划局 leads rows 2 and 3
    (one cell over two rows); row 4 is cut by the first page break, row 5 fits on page 2, row 6 opens page 3."""
    _, html, page = _view(TABLE_PDF)
    assert len(page.tables) == 1
    rows = page.cells()
    assert [c[3] for c in rows[0]] == ["序号", "重点任务", "具体措施", "牵头单位", "完成时限"]
    assert rows[1] == [("td", 1, 1, "1"), ("td", 1, 1, "优化营商环境"),
                       ("td", 1, 1, "1.推行企业开办一网通办，压缩办理时间。\n2.推行惠企政策免申即享。"),
                       ("td", 1, 1, "市发改局"), ("td", 1, 1, "2024年底前")]
    assert rows[2][3] == ("td", 2, 1, "市自然资源和规划局")
    assert [c[3] for c in rows[3]] == ["3", "盘活存量土地", "1.开展低效用地再开发。", "2025年6月底前"]
    assert [c[3] for c in rows[5]] == ["5", "支持企业上市", "1.建立上市后备企业库。", "市金融服务中心", "长期坚持"]
    order = [x if isinstance(x, tuple) else x["cells"][0]["lines"] and page.text[x["cells"][0]["lines"][0]].strip()
             for x in page.tables[0]]
    assert order == ["序号", "1", "2", "3", "4", ("page", 2), "5", ("page", 3), "6"]
    assert "第 1 页" in html                                           # the document starts on page 1


def test_pdf_records_say_their_page_and_table_row():
    store, _, page = _view(TABLE_PDF)
    assert set(page.where) == set(_locators(store)) and len(page.where) == 6
    # a record per row 2–7 (row 1 is the header); row 4's lead is the merged cell of rows 3 and 4, row 5 is
    # cut by the first page break, row 7 opens page 3
    assert sorted(page.where.values()) == ["page 1, table 1, row 2", "page 1, table 1, row 3",
                                           "page 1, table 1, rows 3–4", "page 2, table 1, row 6",
                                           "page 3, table 1, row 7", "pages 1–2, table 1, row 5"]
    rows = [x for x in page.tables[0] if isinstance(x, dict)]
    assert [len(row["records"]) for row in rows] == [0, 1, 2, 1, 1, 1, 1]      # row 3 holds its merged cell


# ---------------------------------------------------------------- a plain text, and escaping


def test_seed_text_is_still_drawn_line_by_line():
    """The .txt: every line once, verbatim, with its anchor; each record's place is its lines."""
    _, html, page = _view(SEED_TXT)
    lines = SEED_TXT.read_text(encoding="utf-8").splitlines()
    assert [page.text[n] for n in sorted(page.text)] == lines and sorted(page.text) == list(range(1, len(lines) + 1))
    assert all(f'id="L{n}"' in html for n in range(1, len(lines) + 1))
    assert page.numbered >= set(range(1, 35))                            # the text above the task table: numbered
    assert page.where and all(re.fullmatch(r"lines? \d+(–\d+)?(, \d+(–\d+)?)*", w) for w in page.where.values())


def test_table_cells_from_a_portal_page_are_escaped(tmp_path):
    """Markup written as text in a portal page's table cell stays text in the view."""
    page = tmp_path / "evil.html"
    page.write_text("""<html><head><meta charset="utf-8"><title>关于加强协调的通知</title></head><body>
<div class="TRS_Editor"><p>关于加强协调的通知</p><p>一、重点任务</p>
<table border="1"><tr><td>序号</td><td>任务</td><td>牵头单位</td></tr>
<tr><td>1</td><td>推进&lt;script&gt;window.pwned=1&lt;/script&gt;建设</td><td>市发改局</td></tr>
<tr><td>2</td><td>优化&lt;img src=x onerror=alert(1)&gt;服务</td><td>市财政局</td></tr></table>
</div></body></html>""", encoding="utf-8")
    result = build(page)
    html = write_source_view(as_store(result.graph), page, result.report, tmp_path / SOURCE_PAGE).read_text("utf-8")
    assert "<script>window.pwned" not in html and "<img src=x" not in html
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in html
    drawn = _parse(html)
    assert any("推进<script>window.pwned=1</script>建设" in text for text in drawn.text.values())


# ---------------------------------------------------------------- in the browser


def _helper():
    spec = importlib.util.spec_from_file_location("policykg_test_sourceview_tables_browser",
                                                  Path(__file__).with_name("browser.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.browser
def test_a_record_in_a_word_table_is_marked_in_its_rows(tmp_path, tmp_path_factory):
    helper = _helper()
    if not helper.CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {helper.CHROMIUM} is missing: sh scripts/install_system_deps.sh")
        pytest.skip(f"{helper.CHROMIUM} not installed")
    _, html, _ = _view(SEED_DOCX)
    out = tmp_path / SOURCE_PAGE
    out.write_text(html, encoding="utf-8")
    # a short profile path: Chromium's singleton socket path must stay under the UNIX socket limit
    with helper.Chromium(tmp_path_factory.mktemp("chromium"), window=(1400, 900)) as browser:
        page = browser.open_page()
        page.navigate(out.as_uri() + "#task/3")
        page.wait_for("window.policykgSource && window.policykgSource.ready")
        rows = page.evaluate("[...document.querySelectorAll('table.grid tr[data-r]')]"
                             ".map((tr, i) => tr.classList.contains('cur') ? i + 1 : 0).filter(Boolean)")
        assert rows == [5, 6]
        top = page.evaluate("document.querySelectorAll('table.grid tr[data-r]')[4].getBoundingClientRect().top")
        assert 0 <= top < 900                                           # scrolled to, in view
        # hovering the row's band: the tip says where the record sits in the Word file
        x, y = page.evaluate("(() => { const r = document.querySelectorAll('table.grid tr[data-r]')[4]"
                             ".querySelector('.band[data-rec=\"task/3\"]').getBoundingClientRect();"
                             "return [r.x + 3, r.y + 40]; })()")
        page.mouse_move(x, y)
        page.wait_for("!document.getElementById('sv-tip').hidden")
        tip = page.evaluate("document.getElementById('sv-tip').textContent")
        assert "task/3" in tip and "table 1, row 5; table 1, row 6" in tip and "市自然资源和规划局" in tip
        assert not [e for e in page.events if e["method"] == "Runtime.exceptionThrown"]
        urls = page.request_urls()
        assert all(u.split(":", 1)[0] in {"file", "data", "about"} for u in urls), urls
        time.sleep(0.2)
        shot = tmp_path / "source_view_table.png"
        page.screenshot(shot)
    if os.environ.get("POLICYKG_SCREENSHOTS") == "1":
        from PIL import Image
        image = Image.open(shot).convert("RGB")
        target = ROOT / "docs" / "source_view_table.png"
        image.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(target, optimize=True)
        assert target.stat().st_size < 300_000
