"""Flattened tables in text (issue 16, item 3): a table written one cell per line, with cells
over several lines, page numbers, the header typed again and section rows, rebuilt into rows
from its header's column roles and its serial column.

Expected values come from reading the inputs below and
``tests/cases/layouts/flat_promotion_list/input.txt`` (the whole build is checked there).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policykg.ingest.extract.table_records import row_assignment
from policykg.ingest.flat_cells import is_time_cell, unit_lines
from policykg.ingest.flat_table import is_page_number, serial_value
from policykg.ingest.readers.notes import NoteRule
from policykg.ingest.segment import segment
from policykg.model import SourceText

PROMOTION = Path(__file__).parent / "cases" / "layouts" / "flat_promotion_list" / "input.txt"


def layout_of(text: str):
    return segment(SourceText("t.txt", "t.txt", "utf-8", "0", tuple(text.split("\n"))))


def cells_of(table, row) -> dict[str, str]:
    """A row's cells by role, each cell's lines joined without their breaks."""
    return {role: "".join(t.strip() for _, t in cell.lines)
            for role, cell in zip(table.roles, row.cells, strict=True) if cell is not None}


@pytest.fixture(scope="module")
def promotion():
    return layout_of(PROMOTION.read_text(encoding="utf-8"))


# ------------------------------------------------------------------ the 推广清单 case


def test_the_spaced_header_words_give_the_columns(promotion):
    [table] = promotion.tables
    assert table.header == ("序号", "改革举措", "主要内容", "指导部门", "推广范围")
    assert table.roles == ("serial", "task", "measures", "joint_units", "scope")
    assert (table.header_span.start, table.header_span.end) == (11, 15)
    assert table.profile == "promotion_list"


def test_five_rows_on_the_serial_column(promotion):
    [table] = promotion.tables
    assert [row.cells[0].text for row in table.rows] == ["1", "2", "3", "4", "5"]
    assert [(row.span.start, row.span.end) for row in table.rows] == [(17, 24), (25, 33), (35, 48), (49, 55),
                                                                     (57, 66)]


def test_multi_line_cells_are_shared_out_by_what_each_column_holds(promotion):
    [table] = promotion.tables
    row2 = cells_of(table, table.rows[1])
    assert row2["task"] == "“证照分离”改革全覆盖"
    assert row2["measures"] == "对涉企经营许可事项实行清单管理，分类采取直接取消审批、审批改为备案、实行告知承诺、优化审批服务等方式推进改革。"
    assert row2["joint_units"] == "省市场监管局、省司法厅"                 # 「省」 / 「司法厅」: a name cut by the wrap
    assert row2["scope"] == "全省"
    row5 = cells_of(table, table.rows[4])
    assert row5["joint_units"] == "省知识产权局、省地方金融监管局、人民银行合肥中心支行"
    assert row5["scope"] == "全省"                 # not drawn into the last name (「…中心支行全省」)


def test_a_row_across_a_page_break_keeps_its_cells_and_leaves_the_print_out(promotion):
    [table] = promotion.tables
    row3 = cells_of(table, table.rows[2])
    assert row3["measures"] == ("对进口货物实施“合格入、分段查”监管模式，在口岸环节实施安全准入监管，在内地"
                                "环节实施合格评定监管。")
    assert row3["joint_units"] == "合肥海关" and row3["scope"] == "海关特殊监管区域"
    reasons = {note.line: note.reason for note in promotion.notes}
    assert reasons[40] == "page number inside the table"
    assert all(reasons[n] == "table header row repeated" for n in range(41, 46))
    assert all(reasons[n] == "section row inside the table" for n in (16, 34, 56))


def test_the_guiding_units_are_joint_with_no_lead(promotion):
    [table] = promotion.tables
    a = row_assignment(table, table.rows[3], "note", NoteRule())
    assert (a.lead, a.co, a.joint) == ((), (), ("合肥海关", "省商务厅"))
    a = row_assignment(table, table.rows[0], "note", NoteRule())
    assert (a.lead, a.co, a.joint) == ((), (), ("省市场监管局",))      # a lone guiding unit is joint too


def _variant(change) -> str:
    lines = PROMOTION.read_text(encoding="utf-8").split("\n")
    return "\n".join(change(n, line) for n, line in enumerate(lines, start=1))


def test_a_bare_page_number_inside_a_row_is_not_a_row():
    layout = layout_of(_variant(lambda n, line: "2" if n == 40 else line))     # 「— 2 —」 printed as 「2」
    [table] = layout.tables
    assert [row.cells[0].text for row in table.rows] == ["1", "2", "3", "4", "5"]
    assert cells_of(table, table.rows[2])["measures"].endswith("在内地环节实施合格评定监管。")
    assert any(note.line == 40 and note.reason == "page number inside the table" for note in layout.notes)


def test_a_scope_that_reads_like_units_and_an_empty_scope_cell():
    def change(n, line):
        return {31: "省市场监管局", 32: "省司法厅", 55: "各市、县（市、区）"}.get(n, line)
    text = "\n".join(line for n, line in enumerate(PROMOTION.read_text(encoding="utf-8").split("\n"), start=1)
                     if n != 33 for line in [change(n, line)])     # row 2: two units on two lines, no scope
    [table] = layout_of(text).tables
    row2, row4 = cells_of(table, table.rows[1]), cells_of(table, table.rows[3])
    assert row2["joint_units"] == "省市场监管局、省司法厅" and "scope" not in row2
    assert table.rows[1].span.end == 32                           # the section row under it is not its scope
    assert row4["joint_units"] == "合肥海关、省商务厅" and row4["scope"] == "各市、县（市、区）"


# The lines where a cell starts (the rest continue the cell above them).
_CELL_STARTS = {11, 12, 13, 14, 15, 18, 20, 23, 24, 26, 28, 31, 33, 36, 38, 41, 42, 43, 44, 45, 47, 48, 50, 52,
                54, 55, 58, 60, 63, 66}


def test_tabs_before_cells_give_the_cells_and_row_numbers_without_a_tab_still_start_rows():
    layout = layout_of(_variant(lambda n, line: "\t" + line if n in _CELL_STARTS else line))
    [table] = layout.tables
    assert [row.cells[0].text for row in table.rows] == ["1", "2", "3", "4", "5"]
    row2 = cells_of(table, table.rows[1])
    assert row2["joint_units"] == "省市场监管局、省司法厅"
    assert row2["scope"] == "全省"                 # the section row under it, written without a tab, is not in it
    assert table.rows[1].span.end == 33


# ------------------------------------------------------------------ a 分工表

DIVISION = """某某市人民政府办公室关于印发某某市数字经济重点任务清单的通知
各区人民政府，市政府各部门：
现将《某某市数字经济重点任务清单》印发给你们，请认真贯彻落实。
某某市人民政府办公室
2024年3月5日
某某市数字经济重点任务清单
序号
主要任务
主 要 内 容
牵头
单位
配合单位
完成时限
1
数字基础设施
新建5G基站1000个，实现重点区域全覆盖。
市工业和信息化局
市通信管理办
2024年底前
2
数据要素市场
培育数据交易市场主体，数据交易额突破10亿元。
市大数据局
2025年6月底前
3
数字政务
推进政务服务“一网通办”，市级政务服务事项网上可
办率达到100%。
市政务服务中心
市大数据局
各区人民政府
长期坚持
- 3 -
4
产业数字化
实施中小企业数字化转型行动，推动1000家企业上云
用数。
市工业和信息化局
市科技局、市财
政局
2024年12月"""


@pytest.fixture(scope="module")
def division():
    return layout_of(DIVISION)


def test_a_header_word_cut_over_two_lines(division):
    [table] = division.tables
    assert table.header == ("序号", "主要任务", "主要内容", "牵头单位", "配合单位", "完成时限")


def test_an_empty_co_units_cell_is_left_empty(division):
    [table] = division.tables
    row2 = cells_of(division.tables[0], table.rows[1])
    assert row2.get("lead_units") == "市大数据局" and "co_units" not in row2
    assert row2["phase"] == "2025年6月底前"


def test_of_two_equal_readings_the_lead_column_takes_one_unit(division):
    [table] = division.tables
    row3 = cells_of(table, table.rows[2])
    assert row3["lead_units"] == "市政务服务中心"
    assert row3["co_units"] == "市大数据局、各区人民政府"
    assert row3["phase"] == "长期坚持"


def test_a_name_cut_in_the_co_column_and_a_page_number_between_rows(division):
    [table] = division.tables
    row4 = table.rows[3]
    assert row4.cells[0].text == "4"
    assert cells_of(table, row4)["phase"] == "2024年12月"
    a = row_assignment(table, row4, "note", NoteRule())
    assert (a.lead, a.co, a.joint) == (("市工业和信息化局",), ("市科技局", "市财政局"), ())
    assert any(note.line == 33 and note.reason == "page number inside the table" for note in division.notes)


RESPONSIBLE = """某某县2024年民生实事项目分工方案
表中责任单位列第一位的为牵头单位。
序号
重点任务
责任单位
完成时限
1
新建改建农村公路50公里，
完成危桥改造10座。
县交通运输局
县财政局
各乡镇人民政府
2024年11月底前
2
新增城镇就业岗位3000个。
牵头单位：县人力资源社会保障局
配合单位：县财政局、县市场监管
局
2024年12月底前
3
改造老旧小区12个，惠及居民2000
户。
县住房城乡建设局（牵头）、县
财政局
长期坚持"""


def test_a_units_cell_with_role_labels_is_not_taken_for_a_time_cell():
    [table] = layout_of(RESPONSIBLE).tables
    row1, row2, row3 = (cells_of(table, row) for row in table.rows)
    assert row1["units"] == "县交通运输局、县财政局、各乡镇人民政府" and row1["phase"] == "2024年11月底前"
    assert row2["units"] == "牵头单位：县人力资源社会保障局；配合单位：县财政局、县市场监管局"
    assert row2["phase"] == "2024年12月底前"
    assert row3["task"] == "改造老旧小区12个，惠及居民2000户。"
    assert row3["units"] == "县住房城乡建设局（牵头）、县财政局"         # the lead marked in brackets
    a = row_assignment(table, table.rows[2], "note", NoteRule())
    assert (a.lead, a.co, a.joint) == (("县住房城乡建设局",), ("县财政局",), ())


# ------------------------------------------------------------------ the pieces


def test_row_numbers_and_page_numbers():
    assert [serial_value(t) for t in ("7", "７", "（3）", "12、", "3.", "3.5", "2024年")] == [7, 7, 3, 12, 3, None, None]
    assert [is_page_number(t) for t in ("— 12 —", "-3-", "第 4 页", "3", "3月")] == [True, True, True, True, False]


def test_time_cells():
    assert all(is_time_cell(t) for t in ("2024年6月底前", "年底前", "三季度", "长期坚持", "2023-2025年", "按季度"))
    assert not any(is_time_cell(t) for t in ("县财政局", "配合单位：县财政局2024年12月底前", "全省",
                                             "推进政务服务“一网通办”，2024年底前完成"))


def test_unit_lines_say_what_each_break_stands_for():
    assert unit_lines(["市公安局", "市税务局"]) == ["市公安局、", "市税务局"]          # two names
    assert unit_lines(["省市场监管局、省", "司法厅"]) == ["省市场监管局、省", "司法厅"]    # a cut name
    assert unit_lines(["牵头单位：市发改委", "配合单位：市财政局"]) == ["牵头单位：市发改委；", "配合单位：市财政局"]


def test_a_text_full_of_bare_numbers_under_a_header_is_read_quickly():
    import random
    import time

    rng = random.Random(16)
    text = "序号\n重点任务\n牵头单位\n配合单位\n完成时限\n" + "\n".join(str(rng.randint(1, 3)) for _ in range(3000))
    start = time.perf_counter()
    layout = layout_of(text)
    assert time.perf_counter() - start < 30          # each number tried after its few nearest, not all
    assert len(layout.tables) <= 1


TWO_ROW_HEADER = """某某市重点任务分工表
序号
重点任务
责任单位
完成时限
牵头
单位
配合
单位
1
建设城市大脑，
打通20个部门数据。
市大数据局
市公安局、市交通运输局
2024年底前
— 2 —
序号
重点任务
责任单位
完成时限
牵头
单位
配合
单位
2
推进政务服务“跨省通办”。
市政务服务中心
2024年6月底前"""


def test_a_header_of_two_rows_flattened_puts_the_spanned_columns_where_the_span_stood():
    layout = layout_of(TWO_ROW_HEADER)
    [table] = layout.tables
    assert table.header == ("序号", "重点任务", "牵头单位", "配合单位", "完成时限")
    assert (table.header_span.start, table.header_span.end) == (2, 9)
    row1, row2 = (cells_of(table, row) for row in table.rows)
    assert (row1["lead_units"], row1["co_units"], row1["phase"]) == ("市大数据局", "市公安局、市交通运输局", "2024年底前")
    assert (row2["lead_units"], row2["phase"]) == ("市政务服务中心", "2024年6月底前") and "co_units" not in row2
    assert set(range(16, 25)) <= {note.line for note in layout.notes}       # page number, header typed again


@pytest.mark.parametrize("separator", ["  ", "\t"])
def test_the_header_row_on_one_line_and_the_cells_one_per_line(separator):
    def change(n, line):
        if n in (11, 41):
            return separator.join(("序号", "改革举措", "主要内容", "指导部门", "推广范围"))
        return "" if n in (12, 13, 14, 15, 42, 43, 44, 45) else line
    layout = layout_of(_variant(change))
    [table] = layout.tables
    assert table.roles == ("serial", "task", "measures", "joint_units", "scope")
    assert [row.cells[0].text for row in table.rows] == ["1", "2", "3", "4", "5"]
    assert cells_of(table, table.rows[2])["joint_units"] == "合肥海关"
    assert cells_of(table, table.rows[4])["scope"] == "全省"


def test_a_row_number_on_the_line_of_the_first_cell():
    numbers = {17: "1", 25: "2", 35: "3", 49: "4", 57: "5"}
    lines = PROMOTION.read_text(encoding="utf-8").split("\n")
    joined = []
    for n, line in enumerate(lines, start=1):
        if n - 1 in numbers:
            joined += [f"{numbers[n - 1]} {line}", ""]        # 「1 企业开办“一窗通」, the lines below unmoved
        elif n not in numbers:
            joined.append(line)
    [table] = layout_of("\n".join(joined)).tables
    assert [row.cells[0].text for row in table.rows] == ["1", "2", "3", "4", "5"]
    row2 = cells_of(table, table.rows[1])
    assert row2["task"] == "“证照分离”改革全覆盖" and row2["joint_units"] == "省市场监管局、省司法厅"
    assert table.rows[1].cells[0].span.start == table.rows[1].cells[1].span.start == 25   # one line, two cells


def test_indented_text_after_the_table_does_not_make_tabs_start_the_cells():
    text = PROMOTION.read_text(encoding="utf-8").rstrip("\n") + "\n附件2\n" + \
        "\n".join(f"\t各地要加强组织领导，抓好第{i}项落实。" for i in range(1, 9))
    [table] = layout_of(text).tables
    assert [row.cells[0].text for row in table.rows] == ["1", "2", "3", "4", "5"]
    assert cells_of(table, table.rows[4])["joint_units"] == "省知识产权局、省地方金融监管局、人民银行合肥中心支行"
    assert table.rows[4].span.end == 66


def test_the_next_attachment_ends_the_table():
    text = DIVISION + "\n附件2\n某某市数字经济重点项目表"
    layout = layout_of(text)
    [table] = layout.tables
    assert cells_of(table, table.rows[3])["phase"] == "2024年12月"       # not 「2024年12月附件2」
    assert table.rows[3].span.end == 41
    assert [b.text for b in layout.blocks][-2:] == ["附件2", "某某市数字经济重点项目表"]
