"""find_quantities: golden target sentences of the 乐清 document, negatives, properties.

The golden expectations were set by reading the document, not by running the code.
"""

from __future__ import annotations

import doctest
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policykg.ingest.extract import quantities
from policykg.ingest.extract.quantities import COMPARATORS, find_quantities, quantity_words

D = Decimal

GOLDEN = [
    ("2023年度全市工业用地供地中民企占比达到70%以上。", [(D("70"), "%", ">=", 2023)]),
    ("2023年度完成工业用地“数据得地”改革供地30家、1000亩。",
     [(D("30"), "家", "=", 2023), (D("1000"), "亩", "=", 2023)]),
    ("每年新增能耗的80%以上支持民间投资项目。", [(D("80"), "%", ">=", None)]),
    ("力争2023年全市政府性融资担保支农支小余额达6.5亿元以上，资本金放大倍数保持全省前列。",
     [(D("6.5"), "亿元", ">=", 2023)]),
    ("力争2023年全市小贷公司新发放贷款中，支农支小普惠金融贷款占比不低于70%。",
     [(D("70"), "%", ">=", 2023)]),
    ("力争2023年实现民营经济贷款和小微企业贷款均新增120亿元。", [(D("120"), "亿元", "=", 2023)]),
    ("2023年首贷户新增1700户以上。", [(D("1700"), "户", ">=", 2023)]),
    ("到2023年底，向温州推荐1家规模以上民营企业申报中级职称自主评审权限。",
     [(D("1"), "家", "=", 2023)]),
    ("到2023年底，全市开展职业技能培训1.66万人次以上，新增技能人才1.08万人。",
     [(D("1.66"), "万人次", ">=", 2023), (D("1.08"), "万人", "=", 2023)]),
    ("2023年支持3家民营企业申报省科技领军企业或省科技小巨人企业，145家民营企业申报国家高新技术企业，"
     "440家民营企业申报省科技型中小企业。",
     [(D("3"), "家", "=", 2023), (D("145"), "家", "=", 2023), (D("440"), "家", "=", 2023)]),
    ("完善以企业为核心的核心技术攻关机制。征求企业技术需求，围绕企业需求凝练“揭榜挂帅”榜单，"
     "重点支持企业项目申报，推荐申报省尖兵、领雁项目3项，立项民营企业承担的市本级重点研发项目20项以上。",
     [(D("3"), "项", "=", None), (D("20"), "项", ">=", None)]),
    ("加速科研成果落地，力争新增省级以上科技企业孵化器（众创空间）1家以上；技术交易额突破60亿元，"
     "使用科技创新券2000万以上。",
     [(D("1"), "家", ">=", None), (D("60"), "亿元", ">=", None), (D("2000"), "万", ">=", None)]),
    ("到2025年，推动规上工业企业研发费用占营业收入的比例达到3.4%以上，R&D经费支出占GDP比重达3.2%左右。",
     [(D("3.4"), "%", ">=", 2025), (D("3.2"), "%", "~", 2025)]),
    ("力争到2025年末，与超过5家机构达成产业基金业务合作，管理基金规模达到5亿元。",
     [(D("5"), "家", ">=", 2025), (D("5"), "亿元", "=", 2025)]),
    ("2023年全市完成政府采购授予中小企业合同金额不少于21.05亿元，占政府采购总额的比例不低于90%。",
     [(D("21.05"), "亿元", ">=", 2023), (D("90"), "%", ">=", 2023)]),
    ("有序推进制度规则类文件整合修改工作，将全市招投标政府规章、行政规范性文件总量控制在1件以内。",
     [(D("1"), "件", "<=", None)]),
    ("排查2023年以来招投标项目不低于10%。", [(D("10"), "%", ">=", None)]),
    ("2023年累计组织百家以上企业，参加境内外拓市场活动十余场。",
     [(D("100"), "家", ">=", 2023), (D("10"), "场", ">=", 2023)]),
    ("2023下半年重点服务对外投资1000万美金以上重点关注项目不低于1个。", [(D("1"), "个", ">=", 2023)]),
    ("2023年，作为省级监测点之一每季度走访个体工商户5千户。", [(D("5000"), "户", "=", 2023)]),
    ("技改投资增速1达到12%以上。", [(D("12"), "%", ">=", None)]),
    ("做好省级技改项目专项资金管理，年底前省级技改项目资金拨付率达到100%。", [(D("100"), "%", "=", None)]),
    ("2025年底基本构建形成优质企业梯度培育体系，推动实现优质企业数量合理增长和质的有效提升，"
     "累计培育创新型中小企业850家，省级专精特新中小企业500家，国家级专精特新“小巨人”企业超过60家。",
     [(D("850"), "家", "=", 2025), (D("500"), "家", "=", 2025), (D("60"), "家", ">=", 2025)]),
    ("2023年底诉前羁押率控制在35%以下，诉前羁押必要性审查率达到80%以上。",
     [(D("35"), "%", "<=", 2023), (D("80"), "%", ">=", 2023)]),
    ("形成电气产业的合规指引；建立健全一批产业合规配套制度机制；打造一个产业合规中心（非实体性机构）；"
     "培育一批合规治理企业和法治民营企业；打造第一批合规企业、合规园区示范样板2家。",
     [(D("1"), "个", "=", None), (D("2"), "家", "=", None)]),
    ("大力推进民商事纠纷诉前调解改革，实现民商事纠纷调解成功数与法院一审办结案件数比值达1.2以上。",
     [(D("1.2"), "比值", ">=", None)]),
    ("每年举办各类政企恳谈会活动不少4场。", [(D("4"), "场", ">=", None)]),
    ("2023年，跨部门联合双随机监管实施率达30.5%以上，执法监管“一件事”拓展至75件以上。",
     [(D("30.5"), "%", ">=", 2023), (D("75"), "件", ">=", 2023)]),
    ("经核实未清偿且不存在分歧的逾期欠款，原则上在受理后30日内办结；有分歧欠款，推动加快协商解决或运用法律手段解决。",
     [(D("30"), "日", "<=", None)]),
    ("加强理想信念教育，为民营企业家常补精神之钙。2023年，举办相关主题教育培训活动（50人以上）不少于1场次。",
     [(D("1"), "场次", ">=", 2023)]),
    ("2023年，全面推动惠企政策降本减负35亿元以上，全年民间投资增速超10%，民营企业工业供地占比达到70%以上，"
     "确保80%以上新增能耗用于民间投资项目，畅通民营企业问题反馈渠道，问题化解率达95%以上。",
     [(D("35"), "亿元", ">=", 2023), (D("10"), "%", ">=", 2023), (D("70"), "%", ">=", 2023),
      (D("80"), "%", ">=", 2023), (D("95"), "%", ">=", 2023)]),
    ("到2025年，构建形成优质企业梯度培育体系，市场经营主体突破24万户；R&D经费支出占GDP比重达3.2%左右，"
     "数字经济核心产业增加值占GDP比重达13%左右，全面激发民营经济竞争新优势。",
     [(D("24"), "万户", ">=", 2025), (D("3.2"), "%", "~", 2025), (D("13"), "%", "~", 2025)]),
    ("符合条件行业企业研发费用税前加计扣除比例提高至100%，作为制度性安排长期实施。",
     [(D("100"), "%", "=", None)]),
    ("2023年，实现全市网络零售额290亿元。", [(D("290"), "亿元", "=", 2023)]),
]

NONE_AT_ALL = [
    "增值税小规模纳税人减免增值税，小微企业减按25%计入应纳税所得额，…政策延续执行至2027年底。",
    "对个体工商户年应纳税所得额不超过200万元部分减半征收个人所得税，落实支持重点群体和退役士兵创业就业税费优惠政策。",
    "自2023年1月1日至2027年12月31日，允许先进制造业企业按照当期可抵扣进项税额加计5%抵减应纳增值税税额。",
    "力争2023年实现民营经济贷款增速高于各项贷款增速，综合融资成本稳中有降。",
    "通过各级经信部门（减负办）主动排查、设立“帮企云”投诉平台和“96666”举报电话等渠道收集汇总拖欠案件。",
    "持续开展“走流程”…12366智税中心…",
    "大力推进“510+行动计划”",
    "落实涉企“柔性执法”3.0版新型监管品牌",
    "根据《浙江省用人单位招用不符合确立劳动关系情形的特定人员参加工伤保险办法（试行）》（浙人社发〔2023〕21号）有关要求",
    "全面落实《关于推进技工教育提质增量行动的实施方案》（温委办发〔2023〕58号）",
    # the further non-quantities named by the rules
    "1.深化“数据得地”改革。",
    "2、建立健全一批产业合规配套制度机制，推进一体化、一站式服务，一审办结。",
    "出台人才科技贷2.0版，落实《浙江省政府机构公共信用评价指引（2022版）》，积极落实“数据得地365”评价体系。",
    "发挥乐商8090青蓝宣讲团作用，全面梳理民营经济高质量发展“1+N”任务清单，提升R&D投入。",
    "本办法自2027年12月31日起施行，每月15日前报送。",
    "对（400万元以上）的政府采购工程项目加强监管。",
    "对400万元以上的项目加强监管。",
    "建立“两个健康”直通车问题解决机制，作为省级监测点之一开展工作。",
]


def _facts(text: str) -> list[tuple]:
    return [(q.value, q.unit, q.comparator, q.year) for q in find_quantities(text)]


@pytest.mark.parametrize("text, expected", GOLDEN, ids=[t[:16] for t, _ in GOLDEN])
def test_golden(text: str, expected: list[tuple]) -> None:
    assert _facts(text) == expected


@pytest.mark.parametrize("text", NONE_AT_ALL, ids=[t[:16] for t in NONE_AT_ALL])
def test_none_at_all(text: str) -> None:
    assert find_quantities(text) == ()


@pytest.mark.parametrize("text, fields", [
    ("2023年度全市工业用地供地中民企占比达到70%以上。", ("70", "达到70%以上")),
    ("2023年累计组织百家以上企业，参加境内外拓市场活动十余场。", ("百", "百家以上")),
    ("2023年，作为省级监测点之一每季度走访个体工商户5千户。", ("5千", "5千户")),
    ("到2023年底，全市开展职业技能培训1.66万人次以上，", ("1.66", "1.66万人次以上")),
    ("将全市招投标政府规章、行政规范性文件总量控制在1件以内。", ("1", "控制在1件以内")),
    ("每年举办各类政企恳谈会活动不少4场。", ("4", "不少4场")),
    ("法院一审办结案件数比值达1.2以上。", ("1.2", "比值达1.2以上")),
    ("原则上在受理后30日内办结；", ("30", "30日内")),
])
def test_value_text_and_surface(text: str, fields: tuple[str, str]) -> None:
    q = find_quantities(text)[0]
    assert (q.value_text, q.surface) == fields
    assert text[q.start:q.end] == q.surface


@pytest.mark.parametrize("text, expected", [
    ("超过5家", ">="), ("超5家", ">="), ("突破5家", ">="), ("高于5%", ">="), ("不少于5家", ">="),
    ("不超过5家", "<="), ("不高于5%", "<="), ("约5家", "~"), ("达5家", "="), ("5家", "="),
    ("5家以上", ">="), ("5家以下", "<="), ("5日内", "<="), ("5家以内", "<="), ("5家左右", "~"),
    ("五余家", ">="),
    ("不超过5家以上", ">="),           # the suffix wins over the prefix
    ("建筑密度≦65%", "<="), ("≥5家", ">="),
])
def test_comparators(text: str, expected: str) -> None:
    assert [q.comparator for q in find_quantities(text)] == [expected]


def test_a_starting_level_is_not_a_target() -> None:
    assert _facts("将外贸企业汇率避险担保比例从5%提高至8%。") == [(D(8), "%", "=", None)]


@pytest.mark.parametrize("text, year", [
    ("到2025年，新增5家", 2025), ("2023年度新增5家", 2023), ("到2023年底前新增5家", 2023),
    ("力争到2025年末新增5家", 2025), ("2023下半年新增5家", 2023), ("2023年，2025年新增5家", 2025),
    ("2023年以来新增5家", None), ("每年新增5家", None), ("年度新增5家", None),
    ("新增5家，到2025年", None), ("自2023年1月1日至2027年12月31日新增5家", None),
])
def test_due_year(text: str, year: int | None) -> None:
    assert [q.year for q in find_quantities(text)] == [year]


@pytest.mark.parametrize("text, expected", [
    ("两个", [(D(2), "个")]), ("三百二十家", [(D(320), "家")]), ("一个", [(D(1), "个")]),
    ("一万人次", [(D(1), "万人次")]), ("5个百分点", [(D(5), "个百分点")]),
    ("一批", []), ("一件事", []), ("第一批5家", [(D(5), "家")]), ("十四五个", []),
    ("千家万户", []), ("万人评议", []), ("5G基站", []), ("1-2家", []),
    ("鼓励企业二次开发", []), ("优化调整市四套班子", []),       # names, not counts
])
def test_numerals(text: str, expected: list[tuple]) -> None:
    assert [(q.value, q.unit) for q in find_quantities(text)] == expected


def test_lexicon_is_consistent() -> None:
    words = quantity_words()
    assert {"%", "亿元", "万户", "场次", "比值"} <= set(words.units) | {u for _, u in words.ratios}
    for kind in (words.prefixes, words.suffixes, words.infixes):
        assert all(c in COMPARATORS for _, c in kind)
    # longest first, so 不超过 beats 超过 and 万人次 beats 万人
    assert [len(w) for w in words.units] == sorted((len(w) for w in words.units), reverse=True)


def test_doctest() -> None:
    assert doctest.testmod(quantities).failed == 0


# ---------------------------------------------------------------- properties

def _check_invariants(text: str) -> tuple:
    found = find_quantities(text)
    assert isinstance(found, tuple)
    assert found == find_quantities(text)  # deterministic
    previous = -1
    for q in found:
        assert text[q.start:q.end] == q.surface
        assert q.comparator in COMPARATORS
        assert isinstance(q.value, Decimal) and q.value_text in q.surface and q.unit
        assert q.start > previous
        previous = q.start
    return found


_SIGNIFICANT = "0123456789０１２３４５６７８９.．、一二两三四五六七八九十百千万亿零第余以上下内左右约达到超过不少低高于" \
               "%％家户个名项件场次人亩日年度底末月号比值按加计部分的（）()〔〕《》“”\"，。；,; +RGD"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_never_raises_on_any_text(text: str) -> None:
    _check_invariants(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_SIGNIFICANT, max_size=60))
def test_never_raises_on_dense_text(text: str) -> None:
    _check_invariants(text)


#: Noise that holds no digit, numeral, unit, comparator or bracket.
_NOISE = st.text(alphabet="推进服务民营经济发展落实强化质效创新平台建设管理完善机制", max_size=8)
_PIECES = [
    ("达到70%以上", D(70), "%", ">="), ("5千户", D(5000), "户", "="), ("百家以上", D(100), "家", ">="),
    ("十余场", D(10), "场", ">="), ("不超过3件", D(3), "件", "<="), ("约1.5亿元", D("1.5"), "亿元", "~"),
    ("突破24万户", D(24), "万户", ">="), ("30日内", D(30), "日", "<="), ("1.66万人次", D("1.66"), "万人次", "="),
    ("一个", D(1), "个", "="), ("比值达1.2以上", D("1.2"), "比值", ">="),
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_NOISE, st.sampled_from(_PIECES)), max_size=6), _NOISE)
def test_spliced_quantities_are_found(pieces: list, tail: str) -> None:
    text = "".join(f"{noise}{piece[0]}，" for noise, piece in pieces) + tail
    found = _check_invariants(text)
    assert [(q.surface, q.value, q.unit, q.comparator, q.year) for q in found] == \
           [(s, v, u, c, None) for _, (s, v, u, c) in pieces]
