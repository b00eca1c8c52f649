"""The PDF reader on small PDFs made for it (tests/fixtures/formats/make_pdfs.py, from .fodt by LibreOffice).

Expected lines are what the documents say, read off their sources: a paragraph per line, the table
flattened a cell per line (a tab before each cell's first line), page furniture gone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policykg.cli import main
from policykg.ingest.formats import pdf
from policykg.ingest.formats.pdf_lines import Frame, Line, first_word, join, starts_paragraph
from policykg.ingest.read import read_source
from policykg.model import TableBlock, TextBlock

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "formats"

#: pdf_table_pages.fodt: a 分工表 over three pages; row 4 is cut by the first page break in the middle
#: of its second measure (…为 / 企业融资增信…), row 5 fits on page 2, row 6 is kept whole and opens page 3.
TABLE_LINES = [
    "某市推进经济高质量发展重点任务分工表",
    "为抓好各项任务落实，现将重点任务分解如下，各责任单位要按照时间节点抓好落实，确保各项任务取得实效。",
    "\t序号", "\t重点任务", "\t具体措施", "\t牵头单位", "\t完成时限",
    "\t1", "\t优化营商环境", "\t1.推行企业开办一网通办，压缩办理时间。", "2.推行惠企政策免申即享。", "\t市发改局",
    "\t2024年底前",
    "\t2", "\t加强要素保障", "\t1.保障重点项目用地需求。", "\t市自然资源和规划局", "\t长期坚持",
    "\t3", "\t盘活存量土地", "\t1.开展低效用地再开发。", "\t", "\t2025年6月底前",
    "\t4", "\t强化金融支持服务实体经济",
    "\t1.引导银行机构加大对小微企业的信贷投放力度，扩大首贷户规模，落实无还本续贷政策，推动普惠型小微企业贷款增量"
    "扩面，力争全年新增贷款一百亿元以上，综合融资成本稳中有降，让企业切实感受到融资便利和服务温度。",
    "2.发挥政府性融资担保作用，扩大担保业务规模，降低担保费率，为企业融资增信，重点支持科技型企业和专精特新企业发展壮大。",
    "3.建立重点企业融资需求清单。",
    "\t市金融服务中心", "\t2024年底前",
    "\t5", "\t支持企业上市", "\t1.建立上市后备企业库。", "\t市金融服务中心", "\t长期坚持",
    "\t6", "\t优化政务服务",
    "\t1.深化一件事集成改革，推动高频事项网上办、掌上办、就近办，提升企业和群众办事体验。",
    "2.完善帮办代办服务体系，为重大项目提供全程帮办服务，推动项目早落地早投产。",
    "3.健全政企沟通机制，定期召开企业家座谈会，及时回应企业诉求。",
    "4.开展营商环境监测评价，查找短板弱项，限时整改到位。",
    "5.推行涉企行政检查事项清单管理，减少对企业正常生产经营的干扰。",
    "6.畅通企业诉求反映渠道，建立诉求办理闭环机制，做到件件有回音。",
    "\t市政务服务中心", "\t2024年底前",
    "各责任单位每季度末报送工作进展情况。",
]

#: pdf_furniture.fodt: running header 某市人民政府办公室文件, footer 第 N 页; （一） and （三） go on over the page
#: breaks; a 专栏 box (a one-column table) after （二）.
FURNITURE_LINES = [
    "关于进一步做好稳就业工作的通知",
    "各县（市、区）人民政府，市政府各部门：",
    "一、总体要求",
    "坚持就业优先战略，把稳就业摆在更加突出的位置，强化政策支持，优化就业服务，千方百计稳定和扩大就业，确保全市就业形势总体稳定。",
    "二、主要措施",
    "（一）支持企业稳岗扩岗。对吸纳高校毕业生就业的企业给予一次性扩岗补助，落实失业保险稳岗返还政策，减轻企业负担，"
    "鼓励企业不裁员少裁员。（责任单位：市人力社保局、市财政局）",
    "（二）拓宽就业渠道。大力发展新就业形态，支持灵活就业，加强零工市场建设，为劳动者提供便捷高效的求职服务，"
    "推动更多劳动者实现就业。（责任单位：市人力社保局）",
    "专栏1 稳岗扩岗工程",
    "每年开发见习岗位一千个以上，对吸纳见习的单位按规定给予见习补贴，帮助高校毕业生积累工作经验，提升就业能力。",
    "（三）加强职业技能培训。围绕重点产业发展需要，开展大规模职业技能培训，提高劳动者就业能力，培训合格的按规定给予培训补贴。"
    "（责任单位：市人力社保局、市教育局）",
    "（四）做好困难群体就业援助。对就业困难人员实行实名制动态管理，通过公益性岗位托底安置，确保零就业家庭动态清零。"
    "（责任单位：市人力社保局、市民政局）",
    "三、组织保障",
    "各地各部门要加强组织领导，明确责任分工，细化工作措施，确保各项政策落地见效。",
    "某市人民政府办公室",
    "2024年3月1日",
]


@pytest.fixture(scope="module")
def table_pages():
    return read_source(FIXTURES / "pdf_table_pages.pdf")


def test_pdf_table_over_three_pages_is_one_table_with_its_rows(table_pages):
    assert list(table_pages.lines) == TABLE_LINES
    assert (table_pages.format, table_pages.reader, table_pages.pages) == ("pdf", "pdf", 3)
    tables = [b for b in table_pages.blocks if isinstance(b, TableBlock)]
    assert len(tables) == 1                                  # three pieces, one table
    table = tables[0]
    assert (table.rows, table.columns, table.header_rows) == (7, 5, 1)   # the header once, six rows
    assert table.span.start == TABLE_LINES.index("\t序号") + 1


def test_pdf_merged_cell_is_one_cell_with_its_span(table_pages):
    table = next(b for b in table_pages.blocks if isinstance(b, TableBlock))
    lead = {(c.row, c.column): c for c in table.cells}
    merged = lead[(2, 3)]                                    # 市自然资源和规划局 leads rows 2 and 3
    assert (merged.rowspan, merged.colspan) == (2, 1)
    assert table_pages.line(merged.span.start) == "\t市自然资源和规划局"
    assert (3, 3) not in lead                                # covered, not a hole and not a copy


def test_pdf_row_cut_by_the_page_break_is_joined_back(table_pages):
    table = next(b for b in table_pages.blocks if isinstance(b, TableBlock))
    cells = {(c.row, c.column): c for c in table.cells}
    measures = cells[(4, 2)]                                 # row 4's 具体措施: three items over two pages
    assert measures.span.end - measures.span.start == 2
    cut = table_pages.line(measures.span.start + 1)
    assert "为企业融资增信" in cut                            # the sentence the page break cut, whole again
    first, second = table_pages.locator(measures.span.start + 1), table_pages.locator(measures.span.end)
    assert (first.page, second.page) == (1, 2)               # each line says where it starts
    assert (second.table, second.row, second.column) == (1, 4, 2)
    assert table_pages.line(cells[(6, 0)].span.start) == "\t6"   # a whole row atop page 3 stays a row


def test_pdf_page_numbers_and_running_header_are_dropped(table_pages):
    assert not any("人民政府办公室" == line or "—" in line for line in table_pages.lines)
    assert any("page numbers dropped on 3 pages" in note for note in table_pages.notes)


def test_pdf_running_text_header_footer_and_a_paragraph_over_a_page_break():
    source = read_source(FIXTURES / "pdf_furniture.pdf")
    assert list(source.lines) == FURNITURE_LINES
    assert all(isinstance(b, TextBlock) for b in source.blocks) and len(source.blocks) == len(FURNITURE_LINES)
    assert [b.style for b in source.blocks if b.style != "paragraph"] == ["box", "box"]   # 专栏: title, content
    assert source.locator(6).page == 1 and source.locator(10).page == 2     # where （一） and （三） start
    assert {n for n in source.notes if "dropped" in n} == {
        "page numbers dropped on 3 pages", "running header/footer '某市人民政府办公室文件' dropped on 3 pages"}


@pytest.mark.parametrize("name, words", [
    ("pdf_scanned.pdf", "has no text layer"),
    ("pdf_unmapped.pdf", "text layer cannot be read"),
    ("pdf_encrypted.pdf", "encrypted"),
])
def test_pdf_that_cannot_be_read_exits_2_with_one_line(tmp_path, capsys, name, words):
    out = tmp_path / "out"
    assert main(["build", str(FIXTURES / name), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and name in err and words in err, err
    assert "OCR" in err or name == "pdf_encrypted.pdf"
    assert not out.exists()


@pytest.mark.parametrize("data", [b"%PDF-1.4\nnot a pdf at all\n", "truncated"])
def test_pdf_broken_file_exits_2_with_one_line_naming_it(tmp_path, capsys, data):
    path = tmp_path / "broken.pdf"
    path.write_bytes((FIXTURES / "pdf_table_pages.pdf").read_bytes()[:20000] if data == "truncated" else data)
    assert main(["build", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err and "PDF" in err, err


def _line(text: str, x0: float, frame: Frame, size: float = 10.0) -> Line:
    chars = [{"text": t, "x0": x0 + i * size, "x1": x0 + (i + 1) * size, "top": 0.0, "bottom": size,
              "size": size} for i, t in enumerate(text)]
    return Line(1, tuple(chars), text, x0, 0.0, x0 + len(text) * size, size, size, frame)


def test_pdf_first_word_keeps_what_may_not_be_split():
    frame = Frame(0, 100)
    assert first_word(_line("甲乙", 0, frame)) == 10                # one character
    assert first_word(_line("。甲", 0, frame)) == 10                # a closing mark alone (cannot wrap)
    assert first_word(_line("甲，乙", 0, frame)) == 20               # a character and the comma after it
    assert first_word(_line("“两个", 0, frame)) == 20               # an opening quote goes with the next
    assert first_word(_line("2027年", 0, frame)) == 40              # a number is one word


def test_pdf_narrow_cell_wrap_and_paragraph_rules():
    cell = Frame(0, 45)                                              # four characters wide
    assert not starts_paragraph(_line("一、提信", 0, cell), _line("心增预期", 0, cell))
    assert starts_paragraph(_line("陈宋", 0, cell), _line("林良卡", 0, cell))   # 林 would have fitted
    assert starts_paragraph(_line("甲乙丙丁", 0, cell), _line("2.戊", 0, cell))  # a list label


def test_pdf_join_needs_no_space_in_chinese():
    assert join(["（一）强化财", "税政策保障"]) == "（一）强化财税政策保障"


def test_pdf_reader_is_deterministic():
    path = FIXTURES / "pdf_table_pages.pdf"
    data = path.read_bytes()
    assert pdf.read(path, data) == pdf.read(path, data)


def test_pdf_header_of_two_rows_repeated_and_a_section_row_atop_a_page():
    source = read_source(FIXTURES / "pdf_table_sections.pdf")
    table = next(b for b in source.blocks if isinstance(b, TableBlock))
    assert (table.rows, table.columns, table.header_rows) == (8, 6, 2)     # 2 header rows, 2 sections, 4 rows
    assert [line for line in source.lines if "牵头单位" in line] == ["\t牵头单位"]   # the repeat is gone
    section = {(c.row, c.column): c for c in table.cells}[(5, 0)]
    assert source.line(section.span.start) == "\t二、强化要素保障" and section.colspan == 6
    assert source.locator(section.span.start).page == 2                   # atop page 2, a row of its own
    assert source.line(section.span.start + 1) == "\t3"


# ---------------------------------------------------------------- the row-cut rule on pieces made by hand

WIDTHS = (20, 60, 100, 60, 40)                 # 序号 任务 措施 牵头单位 时限 (points; 10-point characters)


def _piece(rows: list[list[str | None]], page: int):
    """A table piece from rows of cell texts (``None``: covered by the cell to its left), each cell
    ruled at the :data:`WIDTHS` of its columns and its text set in 10-point characters inside."""
    from policykg.ingest.formats.pdf_tables import piece_of
    edges = [sum(WIDTHS[:i]) for i in range(len(WIDTHS) + 1)]
    boxes, chars = [], []
    for r, texts in enumerate(rows):
        top = 100.0 + 60 * r
        for c, text in enumerate(texts):
            if text is None:
                continue
            end = next((j for j in range(c + 1, len(texts)) if texts[j] is not None), len(texts))
            boxes.append((edges[c], top, edges[end], top + 60))
            chars += _chars(text, edges[c] + 2, edges[end] - 2, top + 2)
    return piece_of(boxes, chars, page)


def _chars(text: str, left: float, right: float, top: float) -> list[dict]:
    chars, x, y = [], left, top
    for item in text.split("\n"):
        for ch in item:
            if x + 10 > right + 0.01:
                x, y = left, y + 12
            chars.append({"text": ch, "x0": x, "x1": x + 10, "top": y, "bottom": y + 10, "size": 10.0})
            x += 10
        x, y = left, y + 12
    return chars


HEADER = ["序号", "任务", "措施", "牵头单位", "时限"]
ROW = ["1", "任务甲", "1.措施一。", "市发改局", "2024年"]


def _rows_after_join(second_page_first_row: list[str | None]) -> int:
    from policykg.ingest.formats.pdf_tables import join
    first = _piece([HEADER, ROW, ["2", "任务乙", "1.措施二措施二措施二", "市财政局", "2025年"]], 1)
    second = _piece([HEADER, second_page_first_row, ["4", "任务丁", "1.措施四。", "市商务局", "2025年"]], 2)
    return join([first, second], 1, set()).rows


def test_pdf_rest_of_a_cut_row_is_joined():
    # 措施二… goes on atop page 2, with neither number, unit nor deadline: the rest of row 2
    assert _rows_after_join(["", "", "措施二继续。", "", ""]) == 4


def test_pdf_a_numbered_row_atop_a_page_is_a_row():
    assert _rows_after_join(["3", "任务丙", "1.措施三。", "市商务局", "2025年"]) == 5


def test_pdf_an_unnumbered_complete_row_atop_a_page_is_a_row():
    # the seed keeps rows without a number (an earlier printout's continuation rows): whole rows of their own
    assert _rows_after_join(["", "任务乙", "2.措施二之二。", "市财政局", "2025年"]) == 5


def test_pdf_a_section_row_atop_a_page_is_a_row():
    assert _rows_after_join(["二、强化保障", None, None, None, None]) == 5


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_pdf_turned_pages_read_as_they_are_shown(tmp_path, rotation):
    """A landscape table is often printed on portrait pages turned by ``/Rotate``: read upright."""
    import pypdfium2
    document = pypdfium2.PdfDocument(FIXTURES / "pdf_table_pages.pdf")
    for page in document:
        page.set_rotation(rotation)
    turned = tmp_path / "turned.pdf"
    document.save(turned)
    document.close()
    assert list(read_source(turned).lines) == TABLE_LINES


@pytest.mark.parametrize("text, number", [
    ("— 6 —", True), ("- 6 -", True), ("－12－", True), ("·6·", True), ("第 6 页", True), ("第6页 共20页", True),
    ("共20页 第6页", True), ("6/20", True), ("6", True), ("Page 3 of 9", True),
    ("2024年", False), ("一、总体要求", False), ("第六条", False), ("— 附件 —", False),
])
def test_pdf_page_number_patterns_of_the_lexicon(text, number):
    patterns = pdf.furniture().page_numbers
    assert any(p.match(text) or p.match(text.replace(" ", "")) for p in patterns) is number
