"""A second layout, end to end: the proof that a new layout is a new reader.

tests/fixtures/columns_layout.txt is written the way other counties publish:
separate 牵头单位 / 配合单位 / 分管领导 / 联络员 columns, 目标任务 / 工作举措 /
完成时限 headers, narrative measures closed by （X牵头，Y配合） and by
（责任单位：…，列第一位的为牵头单位）, a row split across a page with a broken
sentence (推行“一件事” / 联办。), and units the lexicon does not know. Nothing in
the pipeline is special-cased for it: only the column headers in
lexicon/table_columns.tsv and the layout readers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policykg.kg.pipeline import build
from policykg.kg.query import find_query, run_query
from policykg.kg.terms import PKG

FIXTURE = Path(__file__).with_name("fixtures") / "columns_layout.txt"


@pytest.fixture(scope="module")
def result():
    return build(FIXTURE)


def rows(result, name):
    columns, values = run_query(result.graph, find_query(name))
    return [dict(zip(columns, v)) for v in values]


def test_second_layout_key_tasks(result):
    got = [(r["no"], r["title"], r["pillar"], r["lead_units"], r["co_units"] or "", r["leader"], r["liaison"],
            r["phase"], r["n_targets"], r["n_measures"]) for r in rows(result, "key_tasks")]
    assert got == [
        (1, "加大助企纾困力度", "稳预期", "县发改局", "县财政局、县经信局", "张三", "李四", "2024年底", 1, 2),
        (2, "稳定市场预期", "稳预期", "县市场监管局", "", "王五", "赵六", "2024-2025年", 1, 2),
        (3, "推进“一网通办”", "优服务", "县政务服务中心", "县大数据局", "钱七", "孙八", "长期实施", 1, 1),
    ]


def test_second_layout_page_split_rejoined(result):
    task = result.linked.extraction.task_list.tasks[1]
    assert [m.text for m in task.measures] == ["优化企业开办服务，推行“一件事”联办。", "落实“非禁即入”。"]
    assert len(task.spans) == 2
    assert task.pillar_written      # the first row leaves it blank, the continued row names it


def test_second_layout_narrative_readers(result):
    narrative = result.linked.extraction.task_list.narrative
    assert [(m.assignment.reader, m.assignment.lead, m.assignment.co) for m in narrative] == [
        ("lead_co", ("县发改局",), ("县财政局", "县经信局")),
        ("responsible_list", ("县政务服务中心",), ("县大数据局",)),   # 列第一位的为牵头单位 inside the note
    ]
    leads = {str(o) for o in result.graph.objects(None, PKG.leadUnit)}
    assert len(leads) == 3     # 县发改局, 县市场监管局, 县政务服务中心 (tasks and narrative)
    assert len(set(result.graph.subjects(PKG.leadUnit, None))) == 5


def test_second_layout_unknown_units_are_kept_and_reported(result):
    assert result.validation.conforms
    assert result.report["units_not_in_lexicon"] == ["县发改局", "县大数据局", "县市场监管局", "县政务服务中心",
                                                     "县经信局", "县财政局"]
    assert result.report["unmapped_lines"] == []


def test_second_layout_goals_and_quantities(result):
    goal = result.linked.extraction.goals[0]
    assert goal.year == 2025
    assert [(int(q.value), q.unit, q.comparator) for q in goal.quantities] == [(5, "万户", ">="), (1, "日", "<=")]
    targets = rows(result, "targets")
    assert [(r["task_no"], r["value"], r["unit"], r["comparator"], r["year"] or "") for r in targets] == [
        (1, 10, "亿元", ">=", "2024"), (2, 3000, "户", "=", ""), (3, 95, "%", ">=", "2024")]
