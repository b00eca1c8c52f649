"""Golden tests of the extraction stage against the document, read by eye."""

from __future__ import annotations

from datetime import date

import pytest
from golden import KEY_TASKS, NARRATIVE, PILLARS


def test_extract_header(extraction):
    h = extraction.header
    assert h.issuer == "乐清市人民政府办公室"
    assert h.title == "乐清市促进民营经济高质量发展若干举措"
    assert h.notice_title == "关于印发《乐清市促进民营经济高质量发展若干举措》的通知"
    assert h.issued == date(2023, 11, 23)
    assert h.recipients == "各乡镇人民政府、街道办事处，市政府直属各单位"
    assert h.publicity == "此件公开发布"
    assert h.attachment_title == "乐清市促进民营经济高质量发展若干举措“1+N”任务清单"
    assert "十七届市政府第二十九次常务会议审议通过" in h.approval


def test_extract_implemented_documents_of_the_preamble(extraction):
    assert [r.title for r in extraction.header.implements] == [
        "中共中央 国务院关于促进民营经济发展壮大的意见",
        "浙江省促进民营经济高质量发展若干措施",
        "温州市促进民营经济高质量发展若干措施",
    ]


def test_extract_goals_2023_and_2025(extraction):
    assert [(g.year, g.span.start, len(g.quantities)) for g in extraction.goals] == [(2023, 19, 5), (2025, 20, 3)]
    assert [(float(q.value), q.unit, q.comparator) for q in extraction.goals[1].quantities] == [
        (24, "万户", ">="), (3.2, "%", "~"), (13, "%", "~")]


def test_extract_pillars_agree_between_body_and_table(extraction):
    assert [p.name for p in extraction.task_list.pillars] == PILLARS


def test_extract_sections_and_provisions(extraction):
    assert [s.title for s in extraction.sections] == ["总体要求", "主要举措", "组织保障"]
    assert [(p.section, p.title) for p in extraction.provisions] == [
        ("总体要求", ""), ("组织保障", "强化组织领导"), ("组织保障", "强化政策支持"),
        ("组织保障", "强化督查考核"), ("组织保障", "强化宣传引导")]


def test_extract_narrative_measures(extraction):
    got = [(m.pillar, "、".join(m.assignment.all_units), m.text) for m in extraction.task_list.narrative]
    assert len(got) == len(NARRATIVE) == 16
    for (pillar, units, text), (e_pillar, e_units, e_start) in zip(got, NARRATIVE):
        assert (pillar, units) == (e_pillar, e_units)
        assert text.startswith(e_start)
    assert extraction.task_list.narrative[0].text.endswith("进一步激活农村土地资源要素")
    # the corpus rule for （责任单位：…） with no lead rule stated: a lone unit leads, several are joint
    for measure, (_, units, _) in zip(extraction.task_list.narrative, NARRATIVE):
        names = tuple(units.split("、"))
        expected = (names, ()) if len(names) == 1 else ((), names)
        assert (measure.assignment.lead, measure.assignment.joint) == expected


@pytest.mark.parametrize("row", KEY_TASKS, ids=lambda r: f"task{r[0]}")
def test_extract_key_task_matches_the_document(tasks, row):
    no, title, pillar, lead, co, leader, liaison, phase, n_targets, n_measures = row
    task = tasks[no]
    assert task.title == title
    assert PILLARS[task.pillar - 1] == pillar
    assert "、".join(task.assignment.lead) == lead
    assert "、".join(task.assignment.co) == co
    assert (task.leadership.leader, task.leadership.liaison) == (leader, liaison)
    assert task.phase_text == phase
    assert (len(task.targets), len(task.measures)) == (n_targets, n_measures)


def test_extract_numbering_is_continuous_over_page_splits(tasks):
    for task in tasks.values():
        assert [i.ordinal for i in task.targets] == list(range(1, len(task.targets) + 1))
        assert [i.ordinal for i in task.measures] == list(range(1, len(task.measures) + 1))


def test_extract_split_rows_of_tasks_1_3_5_6_17_20_24(tasks):
    split = sorted(n for n, t in tasks.items() if len(t.spans) == 2)
    assert split == [1, 3, 5, 6, 17, 20, 24]
    assert [str(s) for s in tasks[3].spans] == ["L97-L115", "L116-L130"]
    # task 1 continues with target 4 (L75) and an empty measures cell (L76)
    assert tasks[1].targets[3].spans[0].start == 75
    # task 3 repeats its two targets on the continued row (L118-L119): counted once, from L100-L101
    assert [[(s.start, s.end) for s in t.spans] for t in tasks[3].targets] == [[(100, 100)], [(101, 101)]]
    assert tasks[3].measures[9].label == "10." and tasks[3].measures[9].spans[0].start == 120
    # task 24's continued row has an empty targets cell (L477) and measures 8–15
    assert tasks[24].measures[7].text.startswith("建立合规服务阵地")


def test_extract_rejoins_the_sentences_broken_in_task_6(tasks):
    target = tasks[6].targets[5]
    assert target.text == "落实“单工伤险”参保新政，鼓励平台企业为新就业形态劳动者单险种参加工伤保险。"
    assert [(s.start, s.end) for s in target.spans] == [(179, 179), (193, 193)]
    assert target.source_text == "6.落实“单工伤险”参保新政，鼓励平台企业为新就业形态劳动者单险种参\n加工伤保险。"
    measure = tasks[6].measures[5]
    assert "参加工伤保险办法（试行）》（浙人社发〔2023〕21号）有关要求" in measure.text
    assert measure.references[0].title == "浙江省用人单位招用不符合确立劳动关系情形的特定人员参加工伤保险办法（试行）"
    assert measure.references[0].number == "浙人社发〔2023〕21号"
    assert tasks[6].targets[6].text == "积极开展产教联合体、行业产教融合共同体申报工作。"


def test_extract_lone_unit_is_the_lead(tasks):
    for number in (1, 4, 8, 11, 15, 21):
        assert len(tasks[number].assignment.lead) == 1 and not tasks[number].assignment.co


def test_extract_pillar_inherited_where_the_row_omits_it(tasks):
    inherited = sorted(n for n, t in tasks.items() if not t.pillar_written)
    # rows whose 总体任务 cell is empty (task 2, 25) or missing altogether
    assert inherited == [2, 10, 11, 13, 14, 16, 18, 21, 22, 25, 28, 31]
    assert tasks[2].pillar == 1 and tasks[25].pillar == 5


def test_extract_serial_numbers_as_written(tasks):
    assert {n: t.serial for n, t in tasks.items() if t.serial} == {1: "1", 2: "2", 3: "3", 25: "25"}


def test_extract_item_without_a_dot_after_its_number(tasks):
    sixth = tasks[29].targets[5]
    assert sixth.label == "6" and sixth.text.startswith("对审计涉及到的单位")


def test_extract_typos_are_kept_verbatim(tasks):
    assert tasks[25].targets[1].text == "每年举办各类政企恳谈会活动不少4场。"
    assert tasks[21].targets[4].text == "技改投资增速1达到12%以上。"
    assert "有展指标跟着大项目好项目走" in tasks[3].measures[0].text


def test_extract_references_with_document_numbers(tasks):
    ref = tasks[6].measures[4].references[0]
    assert (ref.title, ref.number, ref.relation) == ("关于推进技工教育提质增量行动的实施方案", "温委办发〔2023〕58号",
                                                     "cites")
    planned = tasks[19].measures[0].references[0]
    assert (planned.title, planned.relation) == ("乐清市促进平台经济高质量发展工作方案", "produces")


def test_extract_every_non_blank_line_is_mapped(built):
    assert built.report["unmapped_lines"] == []
    layout = built.report["layout_lines"]
    assert layout["table header row"] == list(range(36, 44))
    # task 3's continued row repeats its two targets (L118, L119); task 17 its one (L341)
    assert layout["item repeated on the continued row of a page split"] == [118, 119, 341, 399, 400, 401]
