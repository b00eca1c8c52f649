"""segment: cells, rows, missing leading cells and broken tables.

Expected values come from reading sources/000_4cdbba2a142b4d11.txt.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from policykg.errors import StructureError
from policykg.model import SourceText
from policykg.ingest.read import read_source
from policykg.ingest.segment import segment


def layout_of(text: str):
    return segment(SourceText("t.txt", "t.txt", "utf-8", "0", tuple(text.split("\n"))))


@pytest.fixture(scope="module")
def table(source_path):
    return segment(read_source(source_path)).tables[0]


def test_segment_finds_the_header_row_at_lines_36_to_43(table):
    assert table.header_span.start == 36 and table.header_span.end == 43
    assert table.header == ("序号", "总体任务", "重点工作", "全市目标", "落实举措", "实施阶段", "责任单位",
                            "分管领导/联络员")


def test_segment_finds_39_physical_rows(table):
    # 32 tasks; tasks 1, 3, 5, 6, 17, 20, 24 continue on a second physical row
    assert len(table.rows) == 39


def test_segment_marks_missing_leading_cells_as_none(table):
    by_start = {row.span.start: row for row in table.rows}
    row_116 = by_start[116]                        # " \t一、提信心增预期": no 序号
    assert row_116.cells[0] is None and row_116.cells[1].text == "一、提信心增预期"
    row_143 = by_start[143]                        # " \t（五）强化金融保障": no 序号, no 总体任务
    assert row_143.cells[0] is None and row_143.cells[1] is None
    assert row_143.cells[2].text == "（五）强化金融保障"
    row_83 = by_start[83]                          # "\t2" then an empty "\t" pillar cell
    assert row_83.cells[0].text == "2" and row_83.cells[1].is_empty


def test_segment_keeps_multiline_cells_and_their_line_numbers(table):
    first = table.rows[0]
    assert first.cells[5].text == "2023-\n2027年"
    assert first.cells[7].lines == ((69, "陈宋淼"), (70, "林良卡"))


def test_segment_a_trailing_tab_does_not_start_a_cell(table):
    row = next(r for r in table.rows if r.span.start == 550)      # task 29
    targets = row.cells[3]
    assert [n for n, _ in targets.lines] == list(range(552, 558))


def test_segment_document_blocks_before_the_table(source_path):
    blocks = segment(read_source(source_path)).blocks
    kinds = {b.span.start: b.kind for b in blocks}
    assert kinds[10] == "date" and kinds[11] == "note" and kinds[17] == "section" and kinds[33] == "attachment"
    notice = next(b for b in blocks if b.span.start == 2)
    assert notice.span.end == 3 and notice.text == "关于印发《乐清市促进民营经济高质量发展若干举措》的通知"


def test_segment_table_cut_off_mid_row_warns_naming_the_line_and_reads_the_cells_by_what_they_hold():
    text = "\t序号\n\t重点工作\n\t全市目标\n\t落实举措\n\t实施阶段\n\t责任单位\n\t分管领导/联络员\n" \
           "\t1\n\t（一）甲\n\t1.目标\n\t1.举措\n\t长期实施\n\t*市发改局"
    layout = layout_of(text)
    [warning] = layout.warnings
    assert warning.line == 12 and "cut off" in warning.reason
    # issue 16: not aligned by its tabs, the table is read by what each column holds (flat_table)
    [table] = layout.tables
    [row] = table.rows
    assert [c.text if c else None for c in row.cells] == ["1", "（一）甲", "1.目标", "1.举措", "长期实施", "*市发改局",
                                                          None]


def test_segment_table_without_phase_cells_at_the_end_warns_at_the_first_orphan_cell():
    text = "\t序号\n\t重点工作\n\t全市目标\n\t落实举措\n\t实施阶段\n\t责任单位\n\t分管领导/联络员\n" \
           "\t1\n\t（一）甲\n\t1.目标"
    layout = layout_of(text)
    assert layout.warnings[0].line == 8 and "cut off" in layout.warnings[0].reason
    [table] = layout.tables
    assert [row.cells[0].text for row in table.rows] == ["1"] and table.rows[0].cells[1].text == "（一）甲"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.text(alphabet="甲乙丙丁12.、* ", min_size=0, max_size=6), min_size=1, max_size=3),
                min_size=1, max_size=6))
@example(cells=[[""], [""], ["1、 、"]])          # a row number opening a line: one line, two cells
@example(cells=[["11111", ""], ["", "", ""], ["", "", ""], ["1 1*", "", "1"]])   # a number, a space, text
def test_segment_cells_partition_the_table_lines(cells):
    """Whatever the cell texts, every line after the header lands in one cell, in order — or in two when it
    opens with a row number and a space (「1、 推行…」, 「1 企业开办…」: the serial cell and the next cell's
    first line printed at one height are two pieces of one line, flat_table._line_pieces)."""
    header = "\t序号\n\t重点工作\n\t全市目标\n\t落实举措\n\t实施阶段\n\t责任单位\n\t分管领导/联络员"
    body = []
    for i, lines in enumerate(cells):
        body.append("\t" + lines[0])
        body.extend("续" + line for line in lines[1:])
        if i % 2:
            body.append("")
    rows = ["\t1", "\t（一）甲", *body, "\t长期实施", "\t*市发改局", "\t张三"]
    text = header + "\n" + "\n".join(rows)
    layout = layout_of(text)
    if not layout.tables:
        assert layout.warnings   # too many cells before the phase cell: read as text, with a warning
        return
    numbers = [n for row in layout.tables[0].rows for cell in row.cells if cell for n, _ in cell.lines]
    assert numbers == sorted(numbers)
    lines = text.split("\n")
    twice = {n for n in numbers if numbers.count(n) > 1}
    assert all(numbers.count(n) == 2 and re.match(r"[0-9]{1,3}[、.．]?\s+\S", lines[n - 1].strip()) for n in twice)
