"""Readers of published formats: golden cases from the small files of tests/fixtures/formats.

Every expected value below is read off ``tests/fixtures/formats/make_fixtures.py`` (what the
file says, as Word or a browser shows it), not pasted from the reader's output.
"""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from policykg.cli import main
from policykg.errors import InputError
from policykg.ingest.extract import extract, unmapped_lines
from policykg.ingest.formats import READERS, reader_named, sniff
from policykg.ingest.formats.place import place
from policykg.ingest.read import read_source
from policykg.ingest.segment import segment
from policykg.model import GridCell, LineSpan, TableBlock, TextBlock

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "formats"
DOCX = FIXTURES / "numbering_and_merges.docx"
PORTAL = FIXTURES / "portal_gb2312.html"
ROWSPAN = FIXTURES / "rowspan_table.html"
DOC = FIXTURES / "numbering_and_merges.doc"

#: The task table of numbering_and_merges.docx and rowspan_table.html, row by row: task, lead, co, deadline.
DOCX_ROWS = [("提升审批效率", ("市政务服务中心",), ("市司法局",), "2024年6月底"),
             ("提升审批效率", ("市政务服务中心",), ("市市场监管局",), "2024年12月底"),       # both merged from above
             ("降低企业成本", ("市税务局",), ("市财政局", "市发展改革委"), "长期坚持")]
HTML_ROWS = [("建设新型基础设施", ("区工业和信息化局",), ("区通信管理办",), "2024年底"),
             ("建设新型基础设施", ("区工业和信息化局",), ("区发展改革局",), "2025年"),         # rowspan=2 above
             ("培育数字企业", ("区科技局",), (), "持续推进")]


def table_records(path: Path):
    """The extraction, and the records of the task table's rows (labelled by their 序号 1, 2, 3)."""
    x = extract(segment(read_source(path)))
    rows = [r for r in x.records if r.label in ("1", "2", "3")]
    return x, [(r.text.split("\n")[0], r.assignment.lead, r.assignment.co, r.deadline.text) for r in rows]


# ---------------------------------------------------------------- registry


@pytest.mark.parametrize("data,suffix,reader", [
    (b"%PDF-1.7\n%\xe2\xe3", ".txt", "pdf"),                      # the bytes, not the name
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".docx", "office"),   # OLE2: a .doc named .docx
    (b"{\\rtf1\\ansi\\deff0 hello}", ".doc", "office"),           # Word saves RTF as .doc too
    (b"<!DOCTYPE html><html><body><p>x</p></body></html>", ".doc", "html"),   # a portal's "Word" file
    ("通知\n一、总体要求\n".encode(), ".txt", "text"),
    ("通知\n".encode("gb18030"), ".md", "text"),
])
def test_formats_reader_chosen_by_what_the_file_is(data, suffix, reader):
    assert sniff(data, suffix).name == reader


def test_formats_zips_told_apart_by_their_parts():
    def zipped(parts: dict[str, str]) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, text in parts.items():
                archive.writestr(name, text)
        return buffer.getvalue()
    assert sniff(zipped({"word/document.xml": "<w/>"}), ".zip").name == "docx"
    assert sniff(zipped({"mimetype": "application/vnd.oasis.opendocument.text"}), ".bin").name == "office"


def test_formats_pdf_reader_registered_by_name():
    """The PDF engineer's module drops in as ``ingest/formats/pdf.py``: its row is already here."""
    assert reader_named("pdf").module == "policykg.ingest.formats.pdf"
    assert [r.name for r in READERS] == ["pdf", "docx", "office", "html", "text"]


# ---------------------------------------------------------------- .docx


DOCX_LINES = [
    "某市人民政府办公室", "关于印发某市营商环境提升行动方案的通知",          # one Title paragraph with a w:br
    "各县（市、区）人民政府，市政府各部门：",
    "现将《某市营商环境提升行动方案》印发给你们，请认真贯彻落实。",
    "某市人民政府办公室", "2024年3月1日",
    "某市营商环境提升行动方案",
    "一、主要任务", "（一）优化政务服务。",                               # chineseCounting %1、 and （%2）
    "1﹒推进一网通办。实现高频事项全程网办（责任单位：市政务服务中心）",
    "2﹒压缩审批时限。工程建设项目审批时间压减至60个工作日（市发展改革委牵头，市司法局配合）",
    "（二）强化要素保障。",
    "1﹒保障用地需求。推行标准地出让（责任单位：市自然资源局）",            # numId 2: startOverride restarts
    "2﹒降低用电成本。落实阶段性电价政策（责任单位：市发展改革委、国网某市供电公司）",
    "二、保障措施",
    "15﹒加强组织领导。建立工作专班（责任单位：市营商环境办）",             # w:start 15
    "（1）建立专班例会制度。", "（2）实行清单化管理。",                         # a decimal （%1） list
    "附件：重点任务分工表",
]


def test_docx_paragraphs_and_automatic_numbers_as_word_shows_them():
    src = read_source(DOCX)
    assert (src.format, src.reader) == ("docx", "docx")
    assert list(src.lines[:len(DOCX_LINES)]) == DOCX_LINES
    assert src.lines[-1] == "新增文字"                # a tracked insertion is text, the deletion and hidden run are not
    assert not any(word in line for line in src.lines for word in ("已删除", "此段文字隐藏", "— 1 —"))   # nor the footer
    assert dict(src.metadata)["title"] == "某市营商环境提升行动方案"     # the core title names the notice


def test_docx_table_merged_cells_are_one_cell_with_their_span():
    src = read_source(DOCX)
    table = next(b for b in src.blocks if isinstance(b, TableBlock))
    assert (table.rows, table.columns, table.header_rows) == (5, 6, 1)
    cells = {(c.row, c.column): c for c in table.cells}
    assert cells[(1, 0)].colspan == 6 and src.line(cells[(1, 0)].span.start) == "\t一、优化政务服务"
    assert cells[(2, 1)].rowspan == 2 and (3, 1) not in cells         # 重点任务 merged over two rows
    assert cells[(2, 3)].rowspan == 2 and (3, 3) not in cells         # 牵头单位 too
    measures = cells[(2, 2)].span                                      # two paragraphs, two lines of one cell
    assert [src.line(n) for n in measures.lines()] == ["\t推行容缺受理。", "推行告知承诺制。"]
    wrapped = cells[(4, 2)].span                                       # a w:br inside the cell's paragraph
    assert [src.line(n) for n in wrapped.lines()] == ["\t落实减税降费政策。", "加强政策宣传。"]
    assert str(src.locator(measures.end)) == "table 1, row 3, column 3"
    assert all(isinstance(b, (TextBlock, TableBlock)) for b in src.blocks) and len(src.locators) == len(src.lines)


def test_docx_task_table_read_from_its_grid_with_merged_cells_on_every_row():
    """A responsibility table's merged 重点任务 and 牵头单位 belong to each row they cover."""
    x, rows = table_records(DOCX)
    assert rows == DOCX_ROWS
    assert not unmapped_lines(x)                                     # the section row is a layout line
    assert [s.title for s in x.sections] == ["主要任务", "保障措施"]  # …and not a section of the body


def test_docx_header_from_its_text():
    x = extract(segment(read_source(DOCX)))
    h = x.header
    assert (h.title, h.issuer, h.issued.isoformat()) == ("某市营商环境提升行动方案", "某市人民政府办公室", "2024-03-01")


def test_docx_record_spans_carry_their_place_in_the_graph(tmp_path):
    from policykg.kg.pipeline import build
    from policykg.kg.terms import PKG
    result = build(DOCX)
    places = {str(o) for o in result.graph.objects(None, PKG.locator)}
    assert "paragraph 10" in places                                  # 1﹒推进一网通办 …
    assert "table 1, rows 3–4" in places                              # the second row record, with its merged cells
    assert result.validation.conforms


# ---------------------------------------------------------------- portal page


PORTAL_LINES = [
    "某市数字政府建设工作要点",
    "\u3000\u3000为加快数字政府建设，制定本要点。联系人：王喆。",                # 喆: in GBK, not in GB2312
    "\u3000\u3000一、夯实数字底座",
    "\u3000\u30001.建设政务云平台。推进市级政务云扩容，", "实现部门系统应上尽上。（责任单位：市大数据局、市财政局）",
    "\u3000\u30002.完善数据共享交换。打通国家、省、市三级共享通道。（市大数据局牵头，市直各部门配合）",
    "\u3000\u3000二、提升服务效能",
    "\u3000\u30003.推进一件事一次办。年内上线20个一件事场景。（责任单位：市行政审批服务局）",
]


def test_html_gb2312_portal_page_gives_the_document_without_the_site():
    src = read_source(PORTAL)
    assert (src.format, src.encoding) == ("html", "gb18030")          # declared gb2312, decoded as GB18030
    assert list(src.lines) == PORTAL_LINES                            # <br> breaks a line; chrome, <style> gone
    assert src.attachments == (("附件3：任务分工表.xls", "/u/cms/fj3.xls"), ("1.重点任务清单.doc", "/u/cms/fj1.doc"),
                               ("2.政策解读.pdf", "/u/cms/fj2.pdf"))
    assert dict(src.metadata) == {"title": "某市数字政府建设工作要点",      # what the notice (标题) issues
                                  "issuer": "某市人民政府办公厅", "date": "2024-03-01",
                                  "doc_number": "某政办字〔2024〕5号"}
    assert str(src.locator(5)) == "<p> at line 23"


def test_html_portal_metadata_fills_the_header():
    x = extract(segment(read_source(PORTAL)))
    h = x.header
    assert (h.title, h.issuer, h.issued.isoformat(), h.doc_number) == (
        "某市数字政府建设工作要点", "某市人民政府办公厅", "2024-03-01", "某政办字〔2024〕5号")
    assert [(r.assignment.lead, r.assignment.co, r.assignment.joint) for r in x.records] == [
        ((), (), ("市大数据局", "市财政局")), (("市大数据局",), (), ("市直各部门",)), (("市行政审批服务局",), (), ())]


def test_html_rowspan_and_colspan_expanded_into_the_grid():
    src = read_source(ROWSPAN)
    table = next(b for b in src.blocks if isinstance(b, TableBlock))
    cells = {(c.row, c.column): c for c in table.cells}
    assert (table.rows, table.columns, table.header_rows) == (7, 6, 2)
    assert cells[(0, 3)].colspan == 2 and cells[(0, 0)].rowspan == 2   # 责任单位 over 牵头单位 / 配合单位
    assert cells[(3, 1)].rowspan == 2 and cells[(3, 3)].rowspan == 2
    assert cells[(4, 2)] == GridCell(row=4, column=2, span=cells[(4, 2)].span)   # the cell after two covered ones
    assert src.line(cells[(4, 2)].span.start) == "\t推进算力中心建设。"


def test_html_table_with_a_two_row_header_read_as_a_task_table():
    x, rows = table_records(ROWSPAN)
    table = segment(read_source(ROWSPAN)).tables[0]
    assert table.header == ("序号", "重点任务", "工作措施", "牵头单位", "配合单位", "完成时限")
    assert rows == HTML_ROWS
    assert not unmapped_lines(x)


# ---------------------------------------------------------------- .doc through LibreOffice


def need_libreoffice() -> None:
    """Skip without LibreOffice, except under CI, which installs it (scripts/install_system_deps.sh)."""
    if shutil.which("soffice") is None:
        if os.environ.get("CI"):
            pytest.fail("soffice missing under CI: scripts/install_system_deps.sh installs libreoffice-writer-nogui")
        pytest.skip("LibreOffice (libreoffice-writer-nogui) not installed")


def test_office_doc_read_through_libreoffice():
    need_libreoffice()
    src = read_source(DOC)
    assert (src.format, src.reader) == ("doc", "libreoffice+docx")
    assert src.lines[:7] == tuple(DOCX_LINES[:7])
    _, rows = table_records(DOC)
    assert rows == DOCX_ROWS


def test_office_without_libreoffice_one_line_naming_the_package(tmp_path, monkeypatch, capsys):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    code = main(["build", str(DOC), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert str(DOC) in err and "libreoffice-writer-nogui" in err and "[PKG110]" in err, err


# ---------------------------------------------------------------- bad input


def broken_zip(tmp_path: Path) -> Path:
    path = tmp_path / "broken.docx"
    path.write_bytes(DOCX.read_bytes()[:600])
    return path


def no_document_page(tmp_path: Path) -> Path:
    path = tmp_path / "index.html"
    path.write_text('<html><head><title>首页</title></head><body><div class="nav"><a href="/">首页</a>'
                    '<a href="/zwgk/">政务公开</a></div><ul><li><a href="/a.html">通知一</a></li></ul></body></html>',
                    encoding="utf-8")
    return path


def not_a_docx(tmp_path: Path) -> Path:
    path = tmp_path / "fake.docx"
    path.write_bytes(b"\x00\x01 this is not a Word file")
    return path


@pytest.mark.parametrize("make,words", [(broken_zip, "zip archive is broken"), (no_document_page, "no document found"),
                                        (not_a_docx, "broken")])
def test_formats_bad_input_one_line_naming_the_file_exit_2(tmp_path, capsys, make, words):
    path = make(tmp_path)
    code = main(["build", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert str(path) in err and words in err, err
    assert not (tmp_path / "out" / "policykg.ttl").exists()


def test_formats_docx_with_xml_entities_is_not_expanded(tmp_path):
    """A billion-laughs document.xml is refused or read literally, never expanded."""
    bomb = ('<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
            '<w:t>通知&b;</w:t></w:r></w:p></w:body></w:document>')
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", bomb)
    try:
        src = read_source(path)
    except InputError:
        return
    assert "aaaaaaaaaa" not in "".join(src.lines)


def test_formats_text_reader_unchanged_for_txt(source_path):
    src = read_source(source_path)
    assert (src.format, src.reader, src.blocks, src.locators) == ("text", "text", (), ())
    assert place(src, LineSpan(1, 3)) is None


def test_formats_no_reader_module_is_one_clean_line(tmp_path, monkeypatch):
    import policykg.ingest.formats as formats
    monkeypatch.setattr(formats, "READERS", tuple(r if r.name != "pdf" else
                                                  formats.Reader("pdf", "policykg.ingest.formats.no_such", (".pdf",),
                                                                 "a PDF file") for r in formats.READERS))
    path = tmp_path / "a.pdf"
    path.write_bytes(b"%PDF-1.4\n")
    with pytest.raises(InputError, match="no reader for a PDF file"):
        read_source(path)
    assert os.path.exists(path)


# ---------------------------------------------------------------- tables from blocks (segment)


def rendered(*tables: list, between: str | None = None):
    """A document of a heading and ``tables`` (lists of (row, column, lines) cells), as a reader renders it."""
    from policykg.ingest.formats.render import CellText, Rendering
    from policykg.model import Locator
    r = Rendering()
    r.paragraph(["附件：重点任务分工表"], Locator("docx", paragraph=1))
    for i, cells in enumerate(tables):
        if i and between:
            r.paragraph([between], Locator("docx", paragraph=2 + i))
        r.table([CellText(row, column, tuple(lines)) for row, column, lines in cells], Locator("docx"))
    return r.source(Path("split.docx"), b"-", format="docx", reader="docx", encoding="utf-8")


HEADER = [(0, 0, ["序号"]), (0, 1, ["重点任务"]), (0, 2, ["牵头单位"]), (0, 3, ["配合单位"])]
FIRST = [(1, 0, ["1"]), (1, 1, ["建设城市数据中心。"]), (1, 2, ["市大数据局"]), (1, 3, ["市发展改革委", "市财政局"])]
SECOND = [(0, 0, ["2"]), (0, 1, ["推进数据共享。"]), (0, 2, ["市大数据局"]), (0, 3, ["市直各部门"])]


def test_segment_units_cell_paragraphs_are_separate_names():
    """Two paragraphs in a 配合单位 cell are two units (a Word line break is no wrap inside a name)."""
    x = extract(segment(rendered(HEADER + FIRST)))
    (record,) = x.records
    assert (record.assignment.lead, record.assignment.co) == (("市大数据局",), ("市发展改革委", "市财政局"))


@pytest.mark.parametrize("second", [SECOND, [(r + 1, c, t) for r, c, t in SECOND] + HEADER])
def test_segment_task_table_split_in_two_is_one_table(second):
    """A table split at a page (the second part with no header, or with the header again) is one table."""
    layout = segment(rendered(HEADER + FIRST, second))
    assert len(layout.tables) == 1 and len(layout.tables[0].rows) == 2
    assert [r.text.split("\n")[0] for r in extract(layout).records] == ["建设城市数据中心。", "推进数据共享。"]


def test_segment_table_after_running_text_is_not_a_continuation():
    """Without a header, a table after a paragraph is not the task table's next page: running text."""
    layout = segment(rendered(HEADER + FIRST, SECOND, between="说明：以下为参考。"))
    assert len(layout.tables) == 1 and len(layout.tables[0].rows) == 1
    assert any(b.text == "推进数据共享。" for b in layout.blocks)


def test_segment_one_column_box_is_running_text():
    """A 专栏 box (one column: title row, content row) is no task table: its lines are paragraphs."""
    layout = segment(rendered([(0, 0, ["专栏1  工业互联网网络互联互通工程"]), (1, 0, ["优化网络基础设施。"])]))
    assert layout.tables == () and [b.text for b in layout.blocks][-2:] == ["专栏1  工业互联网网络互联互通工程",
                                                                            "优化网络基础设施。"]


def fixture_maker():
    import importlib.util
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docx_one_cell_frame_is_read_as_the_body_inside_it(tmp_path):
    """A 红头-style frame — one table cell around the notice and its task table — is layout, not data."""
    make = fixture_maker()
    framed = ("<w:tbl><w:tr><w:tc>" + "".join(make.p(t) for t in ("某市人民政府办公室", "关于印发某方案的通知",
                                                                     "2024年3月1日", "附件：重点任务分工表"))
              + make.TABLE + "<w:p/></w:tc></w:tr></w:tbl>")
    parts = dict(make.DOCX_PARTS)
    parts["word/document.xml"] = parts["word/document.xml"].replace(make.BODY, framed)
    path = tmp_path / "framed.docx"
    make.write_docx(path, parts)
    src = read_source(path)
    assert src.lines[:2] == ("某市人民政府办公室", "关于印发某方案的通知")
    assert str(src.locator(1)) == "paragraph 1"
    _, rows = table_records(path)
    assert rows == DOCX_ROWS


def test_docx_alt_chunk_web_page_is_read_as_the_body(tmp_path):
    """Systems that make Word files from HTML embed the page (w:altChunk): its paragraphs and table are the body."""
    make = fixture_maker()
    parts = dict(make.DOCX_PARTS)
    parts["word/document.xml"] = parts["word/document.xml"].replace(make.BODY, '<w:altChunk r:id="rIdA"/>')
    parts["word/_rels/document.xml.rels"] = parts["word/_rels/document.xml.rels"].replace(
        "</Relationships>", '<Relationship Id="rIdA" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                            'relationships/aFChunk" Target="chunk.html"/></Relationships>')
    parts["word/chunk.html"] = ROWSPAN.read_text(encoding="utf-8")
    path = tmp_path / "chunk.docx"
    make.write_docx(path, parts)
    _, rows = table_records(path)
    assert rows == HTML_ROWS


def test_docx_strict_ooxml_reads_as_transitional(tmp_path):
    make = fixture_maker()
    parts = dict(make.DOCX_PARTS)
    parts["word/document.xml"] = parts["word/document.xml"].replace(
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "http://purl.oclc.org/ooxml/wordprocessingml/main")
    path = tmp_path / "strict.docx"
    make.write_docx(path, parts)
    assert list(read_source(path).lines[:len(DOCX_LINES)]) == DOCX_LINES


def test_html_metadata_table_inside_the_content_is_metadata_not_text(tmp_path):
    """Some portals put the 索引号 / 发文机关 table inside the same #zoom as the document."""
    path = tmp_path / "inside.html"
    path.write_text('<html><head><title>x</title></head><body><div id="zoom"><table>'
                    '<tr><td>索 引 号：</td><td>001/2024</td><td>发文机关：</td><td>某市人民政府</td></tr>'
                    '<tr><td>成文日期：</td><td>2024年01月02日</td></tr></table>'
                    '<p>某市某方案</p><p>一、总体要求</p><p>' + "文字" * 30 + '。（责任单位：市发展改革委）</p>'
                    '</div></body></html>', encoding="utf-8")
    src = read_source(path)
    assert src.lines[:2] == ("某市某方案", "一、总体要求")
    assert dict(src.metadata) == {"issuer": "某市人民政府", "date": "2024-01-02"}


def test_formats_junk_spans_stay_bounded(tmp_path):
    """colspan=100000 or gridSpan=99999 must not build a grid of that width (nor take that long)."""
    make = fixture_maker()
    parts = dict(make.DOCX_PARTS)
    parts["word/document.xml"] = parts["word/document.xml"].replace('<w:gridSpan w:val="6"/>',
                                                                    '<w:gridSpan w:val="99999"/>')
    path = tmp_path / "wide.docx"
    make.write_docx(path, parts)
    table = next(b for b in read_source(path).blocks if isinstance(b, TableBlock))
    assert table.columns <= 64
    page = tmp_path / "wide.html"
    rows = "".join(f'<tr><td colspan="100000">第{i}行</td><td rowspan="100000">甲</td></tr>' for i in range(300))
    page.write_text(f'<html><body><div id="zoom"><p>{"正文" * 40}</p><table>{rows}</table></div></body></html>',
                    encoding="utf-8")
    src = read_source(page)
    assert src.lines[0] == "正文" * 40 and len(src.lines) < 1000


def test_segment_merged_units_and_leaders_belong_to_every_task_they_cover():
    """A 责任单位 and a 分管领导/联络员 merged over two key tasks are both tasks'; 总体任务 merged over
    them stays written once (the second task's pillar is carried forward, as in the .txt)."""
    from policykg.ingest.formats.render import CellText, Rendering
    from policykg.model import Locator
    words = ("序号", "总体任务", "重点工作", "全市目标", "落实举措", "实施阶段", "责任单位", "分管领导/联络员")
    cells = [CellText(0, c, (w,)) for c, w in enumerate(words)]
    for r, numeral in ((1, "一"), (2, "二")):
        cells += [CellText(r, 0, (str(r),)), CellText(r, 2, (f"（{numeral}）任务{numeral}",)),
                  CellText(r, 3, ("1.目标。",)), CellText(r, 4, ("1.举措。",)), CellText(r, 5, ("2024年",))]
    cells += [CellText(1, 1, ("一、提信心",), rowspan=2), CellText(1, 6, ("*市发改局、市财政局",), rowspan=2),
              CellText(1, 7, ("张三", "李四"), rowspan=2)]
    r = Rendering()
    r.table(cells, Locator("docx"))
    tasks = extract(segment(r.source(Path("t.docx"), b"-", format="docx", reader="docx", encoding="utf-8"))).task_list.tasks
    assert [(t.number, t.pillar, t.pillar_written, t.assignment.lead, t.assignment.co, t.leadership.leader)
            for t in tasks] == [(1, 1, True, ("市发改局",), ("市财政局",), "张三"),
                                (2, 1, False, ("市发改局",), ("市财政局",), "张三")]
