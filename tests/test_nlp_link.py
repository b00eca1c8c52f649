"""jieba as assistant, and the links from narrative measures to tasks.

The expected links are tests/gold/narrative_links.json, read off the document: each
narrative measure of lines 23–27 against the tasks whose titles and items do what it says.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policykg.ingest import nlp
from policykg.ingest.link import ASSERT_SCORE, sentences


def test_nlp_unit_names_stay_whole():
    assert "市经信局" in nlp.tokens("深化“数据得地”改革（责任单位：市经信局、市自然资源和规划局）")
    assert nlp.mentioned_units("市发改局、市经信局") == ("市发改局", "市经信局")


def test_nlp_tokenizer_is_initialised_once():
    assert nlp.tokenizer() is nlp.tokenizer()


def test_nlp_topics_of_a_finance_measure():
    assert "finance" in nlp.topic_slugs("推广知识产权质押、应收账款质押、国网订单贷等金融产品")


GOLD_FILE = Path(__file__).resolve().parent / "gold" / "narrative_links.json"
#: Precision and recall of the asserted links against the gold, at least (issue 17: 0.95 both; with the
#: restated-clause rule 0.96 and 1.00; sentences alone 0.96 and 0.92; the whole measure's words 0.84, 0.84).
MIN_PRECISION, MIN_RECALL = 0.95, 0.95


@pytest.fixture(scope="module")
def gold() -> dict[tuple[int, int], set[int]]:
    data = json.loads(GOLD_FILE.read_text(encoding="utf-8"))
    return {(m["pillar"], m["ordinal"]): set(m["tasks"]) for m in data["measures"]}


def asserted(built) -> dict[tuple[int, int], set[int]]:
    out: dict[tuple[int, int], set[int]] = {}
    for link in built.linked.links:
        out.setdefault(link.narrative, set())
        if link.asserted:
            out[link.narrative].add(link.task)
    return out


def test_link_gold_covers_the_sixteen_measures(gold, extraction):
    assert set(gold) == {(m.pillar, m.ordinal) for m in extraction.task_list.narrative}
    assert len(gold) == 16 and sum(map(len, gold.values())) == 25


def test_link_precision_and_recall_against_the_gold(built, gold):
    got = asserted(built)
    tp = sum(len(got.get(k, set()) & tasks) for k, tasks in gold.items())
    precision = tp / sum(map(len, got.values()))
    recall = tp / sum(map(len, gold.values()))
    print(f"narrative links: precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= MIN_PRECISION and recall >= MIN_RECALL, (precision, recall)


@pytest.mark.parametrize("narrative,task", [
    ((2, 1), 10),   # REITs — the second sentence of 2-1 (issue 9: a miss)
    ((4, 1), 18),   # 丝路领航 — task 18 measure 1
    ((5, 1), 25),   # 亲清政商 — task 25 (issue 9: not even a candidate)
])
def test_link_misses_of_issue_9_are_asserted(built, narrative, task):
    assert task in asserted(built)[narrative]


@pytest.mark.parametrize("narrative,task", [((5, 2), 26), ((5, 2), 27), ((2, 2), 9), ((5, 5), 31)])
def test_link_false_positives_of_issue_9_are_not_asserted(built, narrative, task):
    """5-2 shares only 涉企/集成/探索 with tasks 26 and 27 (and a unit, which no longer counts)."""
    assert task not in asserted(built)[narrative]


def test_link_asserted_follows_the_score(built):
    """A higher-scored candidate is never unasserted while a lower one is asserted."""
    by_measure: dict[tuple[int, int], list] = {}
    for link in built.linked.links:
        by_measure.setdefault(link.narrative, []).append(link)
    for links in by_measure.values():
        assert [link.score for link in links] == sorted((link.score for link in links), reverse=True)
        lowest_asserted = min(link.score for link in links if link.asserted)
        assert all(link.asserted for link in links if link.score >= lowest_asserted)
        assert all(link.asserted == (rank == 0 or link.score >= ASSERT_SCORE) for rank, link in enumerate(links))


def test_link_scores_are_shares(built):
    assert all(0 < link.score <= 1 and link.shared_terms for link in built.linked.links)


def test_link_weak_candidates_are_not_asserted(built):
    """（二）2-1 shares words with task 8 (基金, 探索, 省级) but carries out tasks 7 and 10: a candidate only."""
    link = next(l for l in built.linked.links if l.narrative == (2, 1) and l.task == 8)
    assert not link.asserted


def test_link_every_narrative_measure_has_a_task(built):
    assert {link.narrative for link in built.linked.links if link.asserted} == {
        (m.pillar, m.ordinal) for m in built.linked.extraction.task_list.narrative}


@pytest.mark.parametrize("task", [12, 14])
def test_link_a_clause_restated_by_one_item_is_asserted(built, task):
    """3-1 is one sentence of four actions (issue 17: two links missed). 全面推行招标文件示范文本应用 is
    task 12's 做好省、市招标文件示范文本推广应用; 探索推进服务类项目“评定分离” is task 14's target."""
    assert task in asserted(built)[(3, 1)]


@pytest.mark.parametrize("narrative,task", [((3, 2), 16), ((5, 1), 24), ((5, 5), 31)])
def test_link_a_short_clause_of_general_words_restates_nothing(built, narrative, task):
    """The lesser of the two shares: 积极构建全国统一大市场 (3-2) is inside task 16's long measure, and
    助力打造一流营商环境 (5-1) shares 营商环境 with task 24's item, but neither item says the clause."""
    assert task not in asserted(built)[narrative]


def test_link_sentences_leave_the_units_note_out():
    assert sentences("深化改革。推进合作；强化保障（责任单位：市税务局）") == ["深化改革。", "推进合作；", "强化保障"]
