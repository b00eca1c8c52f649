"""jieba as assistant, and the links from narrative measures to tasks.

The expected links were read off the document: each narrative measure of
lines 23–27 against the task whose title and measures say the same thing.
"""

from __future__ import annotations

import pytest

from policykg import nlp


def test_nlp_unit_names_stay_whole():
    assert "市经信局" in nlp.tokens("深化“数据得地”改革（责任单位：市经信局、市自然资源和规划局）")
    assert nlp.mentioned_units("市发改局、市经信局") == ("市发改局", "市经信局")


def test_nlp_tokenizer_is_initialised_once():
    assert nlp.tokenizer() is nlp.tokenizer()


def test_nlp_topics_of_a_finance_measure():
    assert "finance" in nlp.topic_slugs("推广知识产权质押、应收账款质押、国网订单贷等金融产品")


@pytest.mark.parametrize("narrative,task", [
    ((1, 1), 3),    # 数据得地, 集体工业用地入市 → （三）保障合理用地需求
    ((1, 2), 1),    # 税地协作, 政策找人 → （一）强化财税政策保障
    ((1, 3), 5),    # 知识产权质押、银担合作 → （五）强化金融保障
    ((1, 4), 6),    # 技能人才, 510+行动计划 → （六）强化人才和用工需求保障
    ((2, 1), 7),    # 三类项目, 重大项目 → （七）向民营企业推介三张项目清单
    ((2, 2), 8),    # 重大科技攻关 → （八）充分发挥民营企业科技创新主体作用
    ((3, 1), 12),   # 招标文件示范文本 → （十二）严格落实招投标“七个不准”
    ((3, 1), 13),   # 专项整治, 五色清单 → （十三）
    ((3, 1), 14),   # 评定分离 → （十四）增加招标人的自主权利
    ((3, 2), 15),   # 公平竞争 → （十五）严格落实公平竞争审查制度
    ((3, 3), 16),   # 非禁即入 → （十六）严格实行“非禁即入”
    ((4, 1), 17),   # 千团万企, 中欧班列 → （十七）
    ((5, 3), 24),   # 企检服务中心 → （二十四）
    ((5, 4), 26),   # 科技副总 → （二十六） measure 7
    ((5, 5), 32),   # 乐商名家培育行动, 青蓝头雁 → （三十二） measure 3
])
def test_link_narrative_measure_reaches_its_task(built, narrative, task):
    asserted = {link.task for link in built.linked.links if link.narrative == narrative and link.asserted}
    assert task in asserted


def test_link_weak_candidates_are_not_asserted(built):
    """（二）2-1 shares words with task 8 (科技) but none of its units: a candidate only."""
    link = next(l for l in built.linked.links if l.narrative == (2, 1) and l.task == 8)
    assert not link.asserted


def test_link_every_narrative_measure_has_a_task(built):
    assert {link.narrative for link in built.linked.links if link.asserted} == {
        (m.pillar, m.ordinal) for m in built.linked.extraction.narrative}
