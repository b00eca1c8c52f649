"""The competency-question library (queries/*.rq beyond the five contract queries).

Every query runs on the committed graph (graph/policykg.ttl + ontology.ttl) through
policykg.kg.query, and its answer is checked against values read off the source document
sources/000_4cdbba2a142b4d11.txt by hand.  The transcriptions below say which lines they
come from; every expectation is derived from them (never from a query's output).

Every stored query (contract ones included) must also parse, carry both question lines,
and give the same rows — same values, same types, same order — on the Oxigraph store
that answers them (policykg.kg.query) as on rdflib reading the same files.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from policykg.kg.query import find_query, library, parse_query_file, run_query

ROOT = Path(__file__).resolve().parents[1]
#: The seed document's folder in the built corpus (graph/docs/<id>/, laid out as a one-document build).
SEED_DIR = ROOT / "graph" / "docs" / "000_4cdbba2a142b4d11"
GRAPH_TTL = SEED_DIR / "policykg.ttl"
ONTOLOGY = ROOT / "ontology.ttl"
QUERY_DIR = ROOT / "queries"

CONTRACT = {"key_tasks", "shared_responsibilities", "unit_workload", "targets", "narrative_measures"}
NEW_QUERIES = [
    "units_per_pillar", "coordination_burden", "lead_here_co_there", "leaders",
    "people_on_several_tasks", "targets_due_in_year", "monetary_targets", "tasks_on_topic",
    "referenced_documents", "tasks_by_phase", "narrative_to_tasks", "unit_reach", "unit_types",
    "goals", "task_provenance", "pillar_summary", "comparators", "tasks_without_quantities",
    "narrative_unit_roles", "topic_coverage",
]

# ---------------------------------------------------------------- read off the document

# 总体任务 of each key task: 一、提信心增预期 (line 46: tasks 1-6), 二、降门槛扩领域 (line 204: 7-11),
# 三、真公平破隐性 (line 264: 12-16), 四、拓市场促升级 (line 327: 17-23), 五、优氛围增服务 (line 453: 24-32);
# rows that leave the cell blank (lines 84, 143, 173, 246, 255, 277, 293, 318, 351, 383, 408, 425, 491,
# 540, 586) continue the pillar above.  Same five names in the body, line 22.
PILLARS = {1: "提信心增预期", 2: "降门槛扩领域", 3: "真公平破隐性", 4: "拓市场促升级", 5: "优氛围增服务"}
PILLAR_OF = {t: 1 if t <= 6 else 2 if t <= 11 else 3 if t <= 16 else 4 if t <= 23 else 5 for t in range(1, 33)}

# 责任单位 cell of each key task as written (* marks the lead; a lone unit leads), with its line.
UNITS_CELL = {
    1: (68, "市税务局"),
    2: (93, "*市财政局、市发改局、市经信局、市科技局、市国资办、市国有资本运营集团"),
    3: (113, "*市自然资源和规划局、市经信局、市住建局、市财政局"),
    4: (140, "市发改局"),
    5: (158, "*市金融工作服务中心、市人行、市银保监组、市发改局、市国有资本运营集团"),
    6: (188, "*市人力社保局、市委组织部、市发改局、市教育局"),
    7: (213, "*市发改局、市住建局、市交通运输局、市水利局、市国资办"),
    8: (232, "市科技局"),
    9: (243, "*市发改局、市金融工作服务中心、市财政局、市经信局、市科技局、市国有资本运营集团"),
    10: (252, "*市发改局、市金融工作服务中心、市住建局、市国资办"),
    11: (261, "市财政局"),
    12: (274, "*市发改局、市住建局、市交通运输局、市水利局"),
    13: (290, "*市发改局、市公安局、市审计局、市财政局、市检察院、市法院、市住建局、市交通运输局、市水利局"),
    14: (299, "*市发改局、市住建局、市水利局、市交通运输局"),
    15: (315, "市市场监管局"),
    16: (324, "*市发改局、市市场监管局、市信访局"),
    17: (336, "*市商务局、市外办、市公安局、市财政局、市税务局、乐清湾临港经济开发区管委会、乐清海关办事处、市人行"),
    18: (361, "*市商务局、市发改局、市外办、市人行"),
    19: (380, "*市市场监管局、市经信局、市商务局"),
    20: (394, "*市市场监管局、市财政局、市自然资源和规划局、市统计局、市税务局"),
    21: (422, "市经信局"),
    22: (437, "*市经信局、市财政局"),
    23: (450, "*市经信局、市发改局、市科技局、市财政局、市自然资源和规划局、市人力社保局、市金融工作服务中心"),
    24: (472, "*市委依法治市办、市市场监管局、市检察院、市法院、市公安局、市社会治理中心、市工商联"),
    25: (502, "*市委统战部、市“两个健康”办、市发改局、市工商联"),
    26: (521, "*市委改革办、市政务服务中心、市发改局、市经信局、市市场监管局、市科技局、市大数据管理中心"),
    27: (537, "*市综合行政执法局、市司法局、市市场监管局、各行政执法监管单位"),
    28: (547, "*市发改局、市市场监管局、市政务服务中心"),
    29: (565, "*市经信局、市“两个健康”办、市司法局、市财政局、市审计局、市市场监管局、市国资办、市人力社保局"),
    30: (583, "*市委统战部、市“两个健康”办、市财政局、市工商联"),
    31: (595, "*市委宣传部、市委统战部、市委网信办、市“两个健康”办、市经信局、市公安局、市融媒体中心"),
    32: (611, "*市“两个健康”办、市经信局、市发改局、市委统战部、市工商联、市住建局"),
}

# 分管领导/联络员 cell (two lines, padding such as “陈  赛” removed), lines given as (leader, liaison).
PEOPLE = {
    1: ("陈宋淼", "林良卡"),    # 69-70 (repeated 80-81)
    2: ("杨宏辉", "陈赛"),      # 94-95
    3: ("叶茹", "王旭勇"),      # 114-115 (129-130)
    4: ("林立杨", "连十炎"),    # 141-142
    5: ("黄道敏", "吴慧慧"),    # 159-160 (171-172)
    6: ("赵小乐", "林存富"),    # 189-190 (202-203)
    7: ("陈永德", "叶子昊"),    # 214-215
    8: ("何向荣", "周晓"),      # 233-234
    9: ("倪海滨", "林云德"),    # 244-245
    10: ("陈永德", "叶子昊"),   # 253-254
    11: ("包建信", "郑国伟"),   # 262-263
    12: ("杨光飞", "张章"),     # 275-276
    13: ("杨光飞", "张章"),     # 291-292
    14: ("杨光飞", "黄旭萍"),   # 300-301
    15: ("马金晓", "叶楠"),     # 316-317
    16: ("倪海滨", "林云德"),   # 325-326
    17: ("陈景慧", "吴博"),     # 337-338 (349-350)
    18: ("伍培利", "武园晓"),   # 362-363
    19: ("周庆祥", "屠胜达"),   # 381-382
    20: ("马海陆", "陆臣飞"),   # 395-396 (406-407)
    21: ("林贤柱", "陈小勇"),   # 423-424
    22: ("杨有才", "徐远志"),   # 438-439
    23: ("林新豹", "张小强"),   # 451-452
    24: ("赵非拉", "王璐璐"),   # 473-474 (488-489)
    25: ("叶如鹏", "姚国丹"),   # 503-504
    26: ("包哲通", "朱晓明"),   # 522-523
    27: ("林锋", "陈哲"),       # 538-539
    28: ("蔡蕙", "杨建斌"),     # 548-549
    29: ("林新豹", "张小强"),   # 566-567
    30: ("叶如鹏", "姚国丹"),   # 584-585
    31: ("周宏彦", "吴昊"),     # 596-597
    32: ("周建", "吴刚"),       # 612-613
}

# 实施阶段: “2023-\n2025年” at lines 138, 186/199, 519; “2023-\n2027年” at 66/77, 91, 334/346, 420;
# 长期实施 everywhere else.
PHASE_2025 = [4, 6, 26]
PHASE_2027 = [1, 2, 17, 21]
PHASE_ONGOING = [t for t in range(1, 33) if t not in PHASE_2025 + PHASE_2027]

# Items of the 全市目标 and 落实举措 cells, counted per task (rows split across pages merged):
# e.g. task 1 targets 1-3 at 48-50 plus 4 at 75, measures 1-15 at 51-65; task 6 targets 1-6 at 174-179,
# 7 at 194, measures 1-9 at 180-198; task 24 targets 1-9 at 455-463, measures 1-15 at 464-485.
N_TARGETS = {1: 4, 2: 1, 3: 2, 4: 1, 5: 8, 6: 7, 7: 1, 8: 5, 9: 1, 10: 1, 11: 1, 12: 2, 13: 3, 14: 1, 15: 2,
             16: 1, 17: 1, 18: 3, 19: 4, 20: 3, 21: 5, 22: 4, 23: 2, 24: 9, 25: 2, 26: 5, 27: 4, 28: 1,
             29: 6, 30: 3, 31: 2, 32: 4}
N_MEASURES = {1: 15, 2: 4, 3: 16, 4: 4, 5: 10, 6: 9, 7: 5, 8: 8, 9: 4, 10: 3, 11: 3, 12: 5, 13: 8, 14: 3,
              15: 8, 16: 3, 17: 8, 18: 5, 19: 9, 20: 8, 21: 6, 22: 6, 23: 5, 24: 15, 25: 5, 26: 7, 27: 6,
              28: 4, 29: 6, 30: 9, 31: 5, 32: 6}

# Body, 主要举措 (lines 23-27): the （责任单位：…） clauses of each pillar's paragraph, in order.
NARRATIVE_UNITS = {
    (1, 1): "市经信局、市自然资源和规划局", (1, 2): "市税务局", (1, 3): "市金融工作服务中心",
    (1, 4): "市委组织部、市人力社保局",
    (2, 1): "市发改局", (2, 2): "市科技局",
    (3, 1): "市发改局", (3, 2): "市市场监管局", (3, 3): "市发改局",
    (4, 1): "市商务局、乐清湾临港经济开发区管委会", (4, 2): "市经信局",
    (5, 1): "市司法局、市综合行政执法局", (5, 2): "市市场监管局", (5, 3): "市检察院", (5, 4): "市科技局",
    (5, 5): "市委统战部、市工商联",
}


def units_of(task: int) -> list[str]:
    return UNITS_CELL[task][1].replace("*", "").split("、")


def lead_of(task: int) -> str:
    return units_of(task)[0]          # the starred unit is always written first; a lone unit leads


def co_of(task: int) -> list[str]:
    return units_of(task)[1:]


def numbers(tasks) -> str:
    return ",".join(str(t) for t in sorted(set(tasks)))


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def graph(committed_graph):
    return committed_graph


@pytest.fixture(scope="session")
def run(run_stored):
    return run_stored


def _rdflib_plain(value):
    """A value of an rdflib result as plain Python, the way policykg.kg.query converted it before Oxigraph."""
    from rdflib import Literal
    if value is None:
        return ""
    if isinstance(value, Literal):
        py = value.toPython()
        if isinstance(py, Decimal):
            return int(py) if py == py.to_integral_value() else float(py)
        if isinstance(py, (int, float, str)) or py is None:
            return py
    return str(value)


def rdflib_rows(graph, text):
    """(columns, rows) of ``text`` on rdflib, remote graph loading off."""
    import rdflib.plugins.sparql as sparql
    sparql.SPARQL_LOAD_GRAPHS = False
    result = graph.query(text)
    columns = [str(v) for v in result.vars]
    return columns, [[_rdflib_plain(row[i]) for i in range(len(columns))] for row in result]


def _with_defaults(query) -> str:
    """The query text with each @param's default bound by VALUES at the top of the outer WHERE."""
    text = query.text
    for p in query.parameters:
        literal = '"' + p.default.replace("\\", "\\\\").replace('"', '\\"') + '"'
        text = re.sub(r"\bWHERE\s*\{", lambda m: m.group(0) + f"\n  VALUES ?{p.name} {{ {literal} }}", text,
                      count=1)
    return text


# ---------------------------------------------------------------- the library itself


ALL_QUERY_FILES = sorted(QUERY_DIR.glob("*.rq"))


@pytest.mark.parametrize("path", ALL_QUERY_FILES, ids=lambda p: p.stem)
def test_query_file_has_both_questions_and_parses(path):
    from rdflib.plugins.sparql import prepareQuery
    q = parse_query_file(path)
    assert q.question_zh and q.question_en
    prepareQuery(q.text)
    if q.name in NEW_QUERIES:
        assert q.columns, f"{q.name}: '# Columns:' header missing"
        assert re.search(r"\bORDER\s+BY\b", q.text), f"{q.name}: no ORDER BY"


def test_every_new_query_is_in_the_library():
    names = set(library(QUERY_DIR))
    assert set(NEW_QUERIES) <= names
    assert CONTRACT <= names
    assert len(NEW_QUERIES) >= 15


@pytest.mark.parametrize("path", ALL_QUERY_FILES, ids=lambda p: p.stem)
def test_store_and_rdflib_give_the_same_rows(path, committed_store, committed_rdflib):
    """The agreement test: Oxigraph (the store build writes) and rdflib, same files, same answer."""
    import pyoxigraph
    q = parse_query_file(path)
    columns, rows = run_query(committed_store, q)
    assert rdflib_rows(committed_rdflib, _with_defaults(q)) == (columns, rows)
    if q.name in NEW_QUERIES:
        # every column documented; no IRIs or language-tagged strings (string columns are STR() values)
        assert all(re.search(rf"\b{c}\b", q.columns) for c in columns), q.columns
        for solution in committed_store.query(_with_defaults(q)):
            for i in range(len(columns)):
                term = solution[i]
                assert term is None or (isinstance(term, pyoxigraph.Literal) and term.language is None), term


PARAMETERISED = [n for n in NEW_QUERIES if parse_query_file(QUERY_DIR / f"{n}.rq").parameters]


@pytest.mark.parametrize("name", PARAMETERISED)
def test_unbound_parameter_falls_back_on_the_default(name, committed_store, committed_rdflib):
    """Run verbatim (as the endpoint's editor does, no binding) a query answers for its @param default."""
    q = find_query(name)
    _, rows = run_query(committed_store, q)
    assert rows and rdflib_rows(committed_rdflib, q.text)[1] == rows
    assert [[_rdflib_plain(v) for v in r] for r in committed_rdflib.query(q.text)] == rows


@pytest.mark.parametrize("name,value", [("tasks_on_topic", "REITs"), ("tasks_on_topic", "finance"),
                                        ("targets_due_in_year", "2025")])
def test_a_bound_parameter_answers_the_same_on_both_engines(name, value, committed_store, committed_rdflib):
    q = find_query(name)
    param = q.parameters[0].name
    _, rows = run_query(committed_store, q, {param: value})
    from policykg.kg.query import with_values
    assert rows and rdflib_rows(committed_rdflib, with_values(q.text, {param: value}))[1] == rows


# ---------------------------------------------------------------- 1. units per pillar


def test_units_per_pillar(run):
    rows = run("units_per_pillar")
    assert list(rows[0]) == ["doc", "pillar_no", "pillar", "n_tasks", "n_units", "units"]
    expected = defaultdict(set)
    for t in UNITS_CELL:
        expected[PILLAR_OF[t]].update(units_of(t))
    assert [r["pillar_no"] for r in rows] == [1, 2, 3, 4, 5]
    for r in rows:
        p = r["pillar_no"]
        assert r["pillar"] == PILLARS[p]
        assert r["n_tasks"] == sum(1 for t in PILLAR_OF if PILLAR_OF[t] == p)
        assert set(r["units"].split("、")) == expected[p]
        assert r["n_units"] == len(expected[p])
    # by hand: pillar 一 (tasks 1-6, lines 45-203) names 15 units, pillar 五 (tasks 24-32) 26
    assert [r["n_units"] for r in rows] == [15, 10, 11, 16, 26]


# ---------------------------------------------------------------- 2. coordination burden


def test_coordination_burden(run):
    rows = run("coordination_burden")
    assert list(rows[0]) == ["doc", "no", "title", "lead_units", "n_co_units", "co_units"]
    assert len(rows) == 32
    got = {r["no"]: (r["lead_units"], r["n_co_units"], r["co_units"] or "") for r in rows}
    assert got == {t: (lead_of(t), len(co_of(t)), "、".join(co_of(t))) for t in UNITS_CELL}
    # task 13 (line 290) has 8 co-units, the most; then 17 (line 336) and 29 (line 565) with 7
    assert [(r["no"], r["n_co_units"]) for r in rows[:3]] == [(13, 8), (17, 7), (29, 7)]
    assert {r["no"] for r in rows if r["n_co_units"] == 0} == {1, 4, 8, 11, 15, 21}
    assert [r["n_co_units"] for r in rows] == sorted((r["n_co_units"] for r in rows), reverse=True)


# ---------------------------------------------------------------- 3. lead here, co-operate there


def test_lead_here_co_there(run):
    rows = run("lead_here_co_there")
    assert list(rows[0]) == ["doc", "unit", "lead_pillars", "lead_tasks", "co_pillars", "co_tasks"]
    lead, co = defaultdict(set), defaultdict(set)
    for t in UNITS_CELL:
        lead[lead_of(t)].add(t)
        for u in co_of(t):
            co[u].add(t)
    expected = {}
    for u in lead:
        lp = {PILLAR_OF[t] for t in lead[u]}
        cp = {PILLAR_OF[t] for t in co[u]}
        if any(a != b for a in lp for b in cp):
            expected[u] = ("、".join(PILLARS[p] for p in sorted(lp)), numbers(lead[u]),
                           "、".join(PILLARS[p] for p in sorted(cp)), numbers(co[u]))
    got = {r["unit"]: (r["lead_pillars"], r["lead_tasks"], r["co_pillars"], r["co_tasks"]) for r in rows}
    assert got == expected
    assert set(got) == {"市税务局", "市财政局", "市自然资源和规划局", "市发改局", "市金融工作服务中心",
                        "市人力社保局", "市科技局", "市市场监管局", "市经信局"}
    # 市发改局 leads 4,7,9,10,12,13,14,16,28 and co-operates on 2,5,6,18,23,25,26,32
    assert got["市发改局"][1] == "4,7,9,10,12,13,14,16,28"
    assert got["市发改局"][3] == "2,5,6,18,23,25,26,32"
    # 市商务局 leads 17, 18 and co-operates on 19: all in 四、拓市场促升级, so it is not listed
    assert "市商务局" not in got


# ---------------------------------------------------------------- 4. leaders and people


def test_leaders(run):
    rows = run("leaders")
    assert list(rows[0]) == ["doc", "person", "role", "n_tasks", "tasks", "lead_units"]
    expected = defaultdict(set)
    for t, (leader, liaison) in PEOPLE.items():
        expected[(leader, "分管领导")].add(t)
        expected[(liaison, "联络员")].add(t)
    got = {(r["person"], r["role"]): (r["n_tasks"], r["tasks"], r["lead_units"]) for r in rows}
    assert got == {k: (len(ts), numbers(ts), "、".join(sorted({lead_of(t) for t in ts})))
                   for k, ts in expected.items()}
    assert len(rows) == 53                        # 26 leaders + 27 liaisons, nobody in both roles
    assert got[("杨光飞", "分管领导")] == (3, "12,13,14", "市发改局")
    assert got[("叶如鹏", "分管领导")] == (2, "25,30", "市委统战部")
    assert got[("姚国丹", "联络员")] == (2, "25,30", "市委统战部")
    roles = [r["role"] for r in rows]
    assert roles == sorted(roles, key=lambda r: r != "分管领导")   # leaders first


def test_people_on_several_tasks(run):
    rows = run("people_on_several_tasks")
    assert list(rows[0]) == ["doc", "person", "roles", "n_tasks", "tasks"]
    on = defaultdict(set)
    for t, (leader, liaison) in PEOPLE.items():
        on[leader].add(t)
        on[liaison].add(t)
    expected = {p: numbers(ts) for p, ts in on.items() if len(ts) > 1}
    assert {r["person"]: r["tasks"] for r in rows} == expected
    assert expected == {"杨光飞": "12,13,14", "陈永德": "7,10", "叶子昊": "7,10", "倪海滨": "9,16",
                        "林云德": "9,16", "张章": "12,13", "林新豹": "23,29", "张小强": "23,29",
                        "叶如鹏": "25,30", "姚国丹": "25,30"}
    assert rows[0]["person"] == "杨光飞" and rows[0]["n_tasks"] == 3
    # 陈宋淼 stands on both halves of task 1 (lines 69, 80), but that is one task
    assert "陈宋淼" not in expected
    assert {r["person"]: r["roles"] for r in rows}["张章"] == "联络员"


# ---------------------------------------------------------------- 5. targets due in a year


def test_targets_due_in_2025(run):
    rows = run("targets_due_in_year", year="2025")
    assert list(rows[0]) == ["doc", "kind", "task_no", "item_no", "value", "unit", "comparator", "text"]
    got = sorted((r["kind"], r["task_no"] or 0, r["item_no"], r["value"], r["unit"], r["comparator"]) for r in rows)
    expected = sorted([
        ("goal", 0, 2, 24, "万户", ">="), ("goal", 0, 2, 3.2, "%", "~"), ("goal", 0, 2, 13, "%", "~"),  # line 20
        ("target", 8, 5, 3.4, "%", ">="), ("target", 8, 5, 3.2, "%", "~"),              # line 222
        ("target", 9, 1, 5, "家", ">="), ("target", 9, 1, 5, "亿元", "="),               # line 237
        ("target", 22, 4, 13, "%", "="),                                                 # line 429
        ("target", 23, 1, 850, "家", "="), ("target", 23, 1, 500, "家", "="),            # line 442
        ("target", 23, 1, 60, "家", ">="),
        ("target", 32, 2, 850, "家", "="), ("target", 32, 2, 500, "家", "="),            # line 601
        ("target", 32, 2, 60, "家", ">="),
    ])
    assert got == expected
    assert rows[0]["kind"] == "goal"


def test_targets_due_in_2023_default(run):
    rows = run("targets_due_in_year")              # the default year is 2023
    assert rows == run("targets_due_in_year", year="2023")
    got = {(r["kind"], r["task_no"] or 0, r["value"], r["unit"], r["comparator"]) for r in rows}
    for expected in [
        ("goal", 0, 35, "亿元", ">="), ("goal", 0, 10, "%", ">="), ("goal", 0, 70, "%", ">="),  # line 19
        ("goal", 0, 80, "%", ">="), ("goal", 0, 95, "%", ">="),
        ("target", 3, 70, "%", ">="), ("target", 3, 30, "家", "="), ("target", 3, 1000, "亩", "="),  # 100-101
        ("target", 5, 6.5, "亿元", ">="), ("target", 5, 120, "亿元", "="),               # 147, 149
        ("target", 5, 1700, "户", ">="),                                                 # 163
        ("target", 6, 1.66, "万人次", ">="), ("target", 6, 1.08, "万人", "="),           # 176
        ("target", 7, 2, "个", ">="),                                                    # 206
        ("target", 11, 21.05, "亿元", ">="), ("target", 11, 90, "%", ">="),              # 256
        ("target", 17, 100, "家", ">="),                                                 # 329 百家以上
        ("target", 19, 290, "亿元", "="),                                                # 366
        ("target", 20, 5000, "户", "="),                                                 # 401 5千户
        ("target", 24, 35, "%", "<="), ("target", 24, 50, "%", ">="),                    # 455, 463
        ("target", 27, 30.5, "%", ">="),                                                 # 526
    ]:
        assert expected in got, expected
    tasks = {r["task_no"] for r in rows if r["kind"] == "target"}
    # no year is stated in the targets of tasks 1, 2, 4 (每年), 21 (年新增); 13 says 2023年以来 (since 2023)
    assert not tasks & {1, 2, 4, 13, 21}


# ---------------------------------------------------------------- 6. money


def test_monetary_targets(run):
    rows = run("monetary_targets")
    assert list(rows[0]) == ["doc", "kind", "task_no", "item_no", "value", "unit", "yuan", "comparator", "year", "text"]
    got = [(r["kind"], r["task_no"] or 0, r["value"], r["unit"], r["yuan"], r["comparator"], r["year"] or "")
           for r in rows]
    assert got == [
        ("target", 19, 290, "亿元", 29_000_000_000, "=", "2023"),       # line 366 网络零售额290亿元
        ("target", 5, 120, "亿元", 12_000_000_000, "=", "2023"),        # line 149 均新增120亿元
        ("target", 8, 60, "亿元", 6_000_000_000, ">=", ""),             # line 220 技术交易额突破60亿元
        ("goal", 0, 35, "亿元", 3_500_000_000, ">=", "2023"),           # line 19 降本减负35亿元以上
        ("target", 11, 21.05, "亿元", 2_105_000_000, ">=", "2023"),     # line 256 不少于21.05亿元
        ("target", 5, 6.5, "亿元", 650_000_000, ">=", "2023"),          # line 147 达6.5亿元以上
        ("target", 9, 5, "亿元", 500_000_000, "=", "2025"),             # line 237 管理基金规模达到5亿元
        ("target", 8, 2000, "万", 20_000_000, ">=", ""),                # line 220 科技创新券2000万以上
    ]
    # 24万户 (line 20) and 1.66万人次 / 1.08万人 (line 176) are not money
    assert not any(r["unit"] in ("万户", "万人", "万人次") for r in rows)


# ---------------------------------------------------------------- 7. topic


# Items whose text contains 金融, found by reading: task 1 target 1 (line 48 金融机构), task 5's title
# (line 143), its targets 5 (148) and 8 (164), measures 1 (150), 3 (152), 4 (153), 7 (156), 8 (166),
# 9 (167); task 9 measure 1 (238 金融企业); task 17 measures 4 (333) and 7 (344); task 20 measures
# 5 (391) and 6 (392); narrative measure 1-3 (line 23 金融产品).
FINANCE_IN_TEXT = {
    (1, "target", 1), (5, "task", ""), (5, "target", 5), (5, "target", 8), (5, "measure", 1),
    (5, "measure", 3), (5, "measure", 4), (5, "measure", 7), (5, "measure", 8), (5, "measure", 9),
    (9, "measure", 1), (17, "measure", 4), (17, "measure", 7), (20, "measure", 5), (20, "measure", 6),
    ("", "narrative", 3),
}


def test_tasks_on_topic_finance(run):
    rows = run("tasks_on_topic")                   # default topic 金融
    assert list(rows[0]) == ["doc", "task_no", "pillar_no", "kind", "item_no", "via", "text"]
    key = {(r["task_no"], r["kind"], r["item_no"]): r for r in rows}
    assert {k for k, r in key.items() if "text" in r["via"]} == FINANCE_IN_TEXT
    assert all("金融" in r["text"] for r in rows if "text" in r["via"])
    # every one of task 5's ten measures (lines 150-168) is about credit, guarantees or listing
    assert {k[2] for k in key if k[:2] == (5, "measure")} == set(range(1, 11))
    assert key[(5, "task", "")]["via"] == "subject+text"   # 强化金融保障
    assert key[("", "narrative", 3)]["pillar_no"] == 1
    # the English label / notation finds the tagged items only
    tagged = {(r["task_no"], r["kind"], r["item_no"]) for r in run("tasks_on_topic", topic="finance")}
    assert tagged == {k for k, r in key.items() if "subject" in r["via"]}
    assert tagged == {(r["task_no"], r["kind"], r["item_no"])
                      for r in run("tasks_on_topic", topic="Finance and credit")}


def test_tasks_on_topic_keyword(run):
    rows = run("tasks_on_topic", topic="REITs")
    # lines 247-250: task 10's target and its three measures; line 24: narrative 2-1 (…信托基金（REITs）…)
    assert [(r["task_no"], r["kind"], r["item_no"], r["via"]) for r in rows] == [
        (10, "target", 1, "text"), (10, "measure", 1, "text"), (10, "measure", 2, "text"),
        (10, "measure", 3, "text"), ("", "narrative", 1, "text")]


# ---------------------------------------------------------------- 8. referenced documents


def test_referenced_documents(run):
    rows = run("referenced_documents")
    assert list(rows[0]) == ["doc", "relation", "task_no", "kind", "item_no", "title", "doc_no"]
    got = [(r["task_no"] or 0, r["kind"], r["item_no"] or 0, r["title"], r["doc_no"] or "") for r in rows]
    # every 《…》 of the source except the document's own title (line 6), by line
    assert sorted(got) == sorted([
        (0, "document", 0, "中共中央 国务院关于促进民营经济发展壮大的意见", ""),               # 16
        (0, "document", 0, "浙江省促进民营经济高质量发展若干措施", ""),                         # 16
        (0, "document", 0, "温州市促进民营经济高质量发展若干措施", ""),                         # 16
        (2, "measure", 1, "乐清市政府产业基金管理办法", ""),                                   # 87
        (6, "measure", 5, "关于推进技工教育提质增量行动的实施方案", "温委办发〔2023〕58号"),      # 184
        (6, "measure", 6, "浙江省用人单位招用不符合确立劳动关系情形的特定人员参加工伤保险办法（试行）",
         "浙人社发〔2023〕21号"),                                                              # 185 + 195
        (8, "measure", 6, "乐清市大孵化集群发展三年行动计划（2022-2024年）", ""),             # 228
        (8, "measure", 8, "乐清市创建“科技创新鼎”三年行动实施方案（2023-2025年）", ""),       # 230
        (8, "measure", 8, "2023年度乐清市科研院所R&D经费投入攻坚方案", ""),                     # 230
        (12, "measure", 3, "破解招投标过程中对民企限制问题针对性举措落实清单", ""),             # 270
        (12, "measure", 4, "关于推进“交易让中小微企业市场更友好”改革的实施方案", ""),         # 271
        (13, "measure", 1, "2023年全市工程建设项目招标投标领域突出问题专项整治工作方案", ""),   # 281
        (15, "target", 2, "浙江省公平竞争审查办法", ""),                                       # 305
        (15, "measure", 1, "浙江省公平竞争审查办法", ""),                                      # 306
        (18, "measure", 2, "对外投资备案服务十条", ""),                                        # 356
        (19, "measure", 1, "乐清市促进平台经济高质量发展工作方案", ""),                        # 370
        (19, "measure", 3, "温州市绿色直播间建设培育实施方案", ""),                            # 372
        (20, "measure", 1, "乐清市促进个体工商户高质量发展的若干举措", ""),                    # 387
        (20, "measure", 1, "浙江省支持个体工商户转型升级为企业工作的实施意见", ""),            # 387
        (20, "measure", 4, "乐清市市场监督管理局为特定新设小微企业首年基础代理记账免费服务实施办法", ""),  # 390
        (23, "measure", 1, "温州市打造“专精特新之城”行动方案（2023-2025年）", ""),           # 444
        (24, "target", 8, "温州市民营企业科技创新促进条例", ""),                               # 462
        (24, "measure", 6, "温州市市场监督管理局关于优化知识产权纠纷快速处理机制的通知", ""),   # 469
        (24, "measure", 7, "企业自主合规操作指南", ""),                                        # 470
        (24, "measure", 15, "温州市民营企业科技创新促进条例", ""),                             # 485
        (26, "measure", 4, "乐清市涉企服务事项清单目录", ""),                                  # 515
        (26, "measure", 5, "乐清市涉企服务“一类事清单目录", ""),                               # 516 (quote unbalanced in the source)
        (26, "measure", 7, "民营企业“科技副总”工作实施办法", ""),                              # 518
        (27, "measure", 1, "温州市全面实施“综合查一次”联合执法机制工作方案", ""),             # 530
        (28, "measure", 4, "浙江省政府机构公共信用评价指引（2022版）", ""),                    # 545
        (31, "measure", 3, "今日聚焦", ""),                                                    # 591
    ])
    relation = {(r["task_no"] or 0, r["item_no"] or 0, r["title"]): r["relation"] for r in rows}
    assert {r["relation"] for r in rows if r["kind"] == "document"} == {"implements"}
    # the verbs: 出台《…》 (228, 390) and 制定《…》 (230, 370) plan a document; 根据/落实/按照《…》 act on one
    assert relation[(8, 6, "乐清市大孵化集群发展三年行动计划（2022-2024年）")] == "plans"
    assert relation[(8, 8, "2023年度乐清市科研院所R&D经费投入攻坚方案")] == "plans"
    assert relation[(19, 1, "乐清市促进平台经济高质量发展工作方案")] == "plans"
    assert relation[(20, 4, "乐清市市场监督管理局为特定新设小微企业首年基础代理记账免费服务实施办法")] == "plans"
    assert relation[(2, 1, "乐清市政府产业基金管理办法")] == "cites"           # 落实好《…》
    assert relation[(15, 1, "浙江省公平竞争审查办法")] == "cites"              # 根据《…》
    assert relation[(27, 1, "温州市全面实施“综合查一次”联合执法机制工作方案")] == "cites"  # 按照《…》


# ---------------------------------------------------------------- 9. phases


def test_tasks_by_phase(run):
    rows = run("tasks_by_phase")
    assert list(rows[0]) == ["doc", "phase", "start_year", "end_year", "ongoing", "n_tasks", "tasks"]
    assert [(r["phase"], r["start_year"], r["end_year"], r["ongoing"], r["n_tasks"], r["tasks"]) for r in rows] == [
        ("2023-2025年", "2023", "2025", False, 3, numbers(PHASE_2025)),
        ("2023-2027年", "2023", "2027", False, 4, numbers(PHASE_2027)),
        ("长期实施", "", "", True, 25, numbers(PHASE_ONGOING)),
    ]


# ---------------------------------------------------------------- 10. narrative measures → tasks

# Read side by side: each body measure (lines 23-27) and the task-list row that carries it out.
#: The tasks that carry out each narrative measure, by reading the document (the same reading as
#: tests/gold/narrative_links.json, against which link.py's precision and recall are measured).
NARRATIVE_MAIN_TASKS = {
    (1, 1): {3},          # 数据得地, 集体工业用地入市 — task 3 measures 14, 16 (lines 124, 126)
    (1, 2): {1},          # 税地协作 — task 1 measure 10 (line 60)
    (1, 3): {5},          # 知识产权质押、应收账款质押、国网订单贷 — task 5 measure 3 (line 152)
    (1, 4): {6},          # 技能人才改革, 产教融合共同体 — task 6 measures 4, 8 (lines 183, 197)
    (2, 1): {7, 10},      # 三类项目 — task 7 measure 1 (line 207); REITs — task 10
    (2, 2): {8},          # 重大科技攻关 — task 8 (市科技局)
    (3, 1): {12, 13, 14}, # 专项整治, 五色清单, 不良行为 — task 13 measures 6, 8 (lines 286, 288); tasks 12, 14
    (3, 2): {15},         # 破除地方保护和行政性垄断 — task 15 measure 5 (line 310)
    (3, 3): {16},         # 非禁即入, 社会力量办医 — task 16 measure 3 (line 322)
    (4, 1): {17, 18},     # 千团万企, 云上跨境生态园, 中欧班列 — task 17 (lines 328, 344, 345); task 18
    (4, 2): {19, 21, 22}, # 工业互联网平台 (line 374), 数字化车间 (414), 数字化改造试点 (426)
    (5, 1): {25, 27, 31}, # 综合查一次 — task 27 measure 1 (line 530); 亲清政商 — tasks 25, 31
    (5, 2): {24},         # 知识产权 — task 24 measures 5, 6 (lines 468-469)
    (5, 3): {24},         # 企检服务中心 — task 24 measure 12 (line 482)
    (5, 4): {26},         # 科技副总 — task 26 measure 7 (line 518)
    (5, 5): {30, 32},     # 青蓝头雁 (line 575), 乐商名家培育行动 (line 606)
}


def test_narrative_to_tasks_lists_the_asserted_links_unless_all_are_asked_for(run):
    """Issue 17: an analyst had to filter carried_out=True by hand; all=true keeps every candidate."""
    asserted, every = run("narrative_to_tasks"), run("narrative_to_tasks", all="true")
    assert asserted and all(r["carried_out"] is True for r in asserted)
    assert {tuple(r.values()) for r in asserted} < {tuple(r.values()) for r in every}
    assert any(r["carried_out"] is False for r in every)
    assert asserted == [r for r in every if r["carried_out"] is True]


def test_narrative_to_tasks(run):
    rows = run("narrative_to_tasks")
    assert list(rows[0]) == ["doc", "pillar_no", "measure_no", "units", "task_no", "task_title", "score",
                             "carried_out", "shared_terms", "text"]
    linked = defaultdict(set)
    for r in rows:
        key = (r["pillar_no"], r["measure_no"])
        assert r["units"] == NARRATIVE_UNITS[key]
        if r["task_no"] != "":
            linked[key].add(r["task_no"])
            assert r["score"] > 0 and r["shared_terms"]
    assert set(linked) == set(NARRATIVE_UNITS)     # all 16 body measures link somewhere
    for key, tasks in NARRATIVE_MAIN_TASKS.items():
        assert tasks <= linked[key], (key, linked[key])
    # best link first within each measure
    for key in NARRATIVE_UNITS:
        scores = [r["score"] for r in rows if (r["pillar_no"], r["measure_no"]) == key]
        assert scores == sorted(scores, reverse=True)
    # the single best link of each measure that names one main task is that task
    best = {}
    for r in rows:
        best.setdefault((r["pillar_no"], r["measure_no"]), r["task_no"])
    for key, tasks in NARRATIVE_MAIN_TASKS.items():
        if len(tasks) == 1:
            assert best[key] in tasks, (key, best[key])


def test_narrative_unit_roles(run):
    rows = run("narrative_unit_roles")
    assert list(rows[0]) == ["doc", "pillar_no", "measure_no", "unit", "task_no", "role"]
    for r in rows:
        key = (r["pillar_no"], r["measure_no"])
        assert r["unit"] in NARRATIVE_UNITS[key].split("、")
        t = r["task_no"]
        expected = "牵头" if r["unit"] == lead_of(t) else "配合" if r["unit"] in co_of(t) else "无"
        assert r["role"] == expected, r
    got = {(r["pillar_no"], r["measure_no"], r["unit"], r["task_no"]): r["role"] for r in rows}
    # line 23 names 市委组织部、市人力社保局; line 188: *市人力社保局 leads task 6, 市委组织部 co-operates
    assert got[(1, 4, "市人力社保局", 6)] == "牵头"
    assert got[(1, 4, "市委组织部", 6)] == "配合"
    # line 27 names 市司法局、市综合行政执法局; line 537: *市综合行政执法局、市司法局 on task 27
    assert got[(5, 1, "市综合行政执法局", 27)] == "牵头"
    assert got[(5, 1, "市司法局", 27)] == "配合"


# ---------------------------------------------------------------- 11. reach


def test_unit_reach(run):
    rows = run("unit_reach")
    assert list(rows[0]) == ["doc", "unit", "n_pillars", "n_tasks", "n_lead", "pillars"]
    tasks_of = defaultdict(set)
    for t in UNITS_CELL:
        for u in units_of(t):
            tasks_of[u].add(t)
    expected = {u: (len({PILLAR_OF[t] for t in ts}), len(ts), sum(1 for t in ts if lead_of(t) == u),
                    numbers({PILLAR_OF[t] for t in ts})) for u, ts in tasks_of.items()}
    got = {r["unit"]: (r["n_pillars"], r["n_tasks"], r["n_lead"], r["pillars"]) for r in rows}
    assert got == expected
    assert len(rows) == 42
    # widest: 市发改局 (5 pillars, 17 tasks) and 市财政局 (5 pillars, 11 tasks), then 市经信局 (4, 11)
    assert [r["unit"] for r in rows[:5]] == ["市发改局", "市财政局", "市经信局", "市住建局", "市科技局"]
    keys = [(-r["n_pillars"], -r["n_tasks"], r["unit"]) for r in rows]
    assert keys == sorted(keys)


# ---------------------------------------------------------------- 12. more for the analyst


def test_unit_types(run):
    rows = run("unit_types")
    assert list(rows[0]) == ["doc", "type_zh", "type_en", "n_units", "units", "n_tasks"]
    by_type = {r["type_zh"]: r for r in rows}
    all_units = set()
    for r in rows:
        units = r["units"].split("、")
        assert len(units) == r["n_units"]
        all_units.update(units)
    # every unit named in the table (and the body's, which are a subset) has exactly one type
    table_units = {u for t in UNITS_CELL for u in units_of(t)}
    body_units = {u for v in NARRATIVE_UNITS.values() for u in v.split("、")}
    assert body_units <= table_units
    assert all_units == table_units and sum(r["n_units"] for r in rows) == len(table_units) == 42
    assert "乐清市人民政府办公室" not in all_units        # the issuer (line 1, 9) carries no task
    assert set(by_type["司法机关"]["units"].split("、")) == {"市检察院", "市法院"}
    assert set(by_type["党委工作部门"]["units"].split("、")) == {"市委组织部", "市委统战部", "市委宣传部",
                                                                  "市委网信办"}
    assert by_type["泛指单位集合"]["units"] == "各行政执法监管单位"        # line 537
    assert by_type["司法机关"]["n_tasks"] == 2                           # tasks 13 and 24
    assert [r["n_units"] for r in rows] == sorted((r["n_units"] for r in rows), reverse=True)


def test_goals(run):
    rows = run("goals")
    assert list(rows[0]) == ["doc", "goal_no", "year", "quantity_no", "value", "unit", "comparator", "surface", "text"]
    assert [(r["goal_no"], r["year"], r["value"], r["unit"], r["comparator"]) for r in rows] == [
        (1, "2023", 35, "亿元", ">="), (1, "2023", 10, "%", ">="), (1, "2023", 70, "%", ">="),   # line 19
        (1, "2023", 80, "%", ">="), (1, "2023", 95, "%", ">="),
        (2, "2025", 24, "万户", ">="), (2, "2025", 3.2, "%", "~"), (2, "2025", 13, "%", "~"),     # line 20
    ]
    assert rows[0]["text"].startswith("2023年，全面推动惠企政策降本减负35亿元以上")
    assert rows[-1]["text"].startswith("到2025年，构建形成优质企业梯度培育体系")


def test_task_provenance(run):
    rows = run("task_provenance")
    assert list(rows[0]) == ["doc", "no", "title", "spans", "first_line", "last_line", "n_spans"]
    # the physical rows of the flattened table, by reading lines 45-613: a page split repeats the
    # pillar/task cells on the continued row (lines 72, 116, 161, 191, 339, 397, 475)
    spans = {1: "45-70; 72-81", 2: "83-95", 3: "97-115; 116-130", 4: "131-142", 5: "143-160; 161-172",
             6: "173-190; 191-203", 7: "204-215", 8: "216-234", 9: "235-245", 10: "246-254", 11: "255-263",
             12: "264-276", 13: "277-292", 14: "293-301", 15: "302-317", 16: "318-326",
             17: "327-338; 339-350", 18: "351-363", 19: "364-382", 20: "383-396; 397-407", 21: "408-424",
             22: "425-439", 23: "440-452", 24: "453-474; 475-489", 25: "491-504", 26: "505-523",
             27: "524-539", 28: "540-549", 29: "550-567", 30: "568-585", 31: "586-597", 32: "598-613"}
    assert {r["no"]: r["spans"] for r in rows} == spans
    for r in rows:
        first, last = spans[r["no"]].split("; ")[0].split("-")[0], spans[r["no"]].split("-")[-1]
        assert (r["first_line"], r["last_line"]) == (int(first), int(last))
        assert r["n_spans"] == spans[r["no"]].count(";") + 1


def test_pillar_summary(run):
    rows = run("pillar_summary")
    assert list(rows[0]) == ["doc", "pillar_no", "pillar", "tasks", "n_tasks", "n_targets", "n_measures",
                             "n_quantities", "n_narrative"]
    for r in rows:
        p = r["pillar_no"]
        tasks = [t for t in range(1, 33) if PILLAR_OF[t] == p]
        assert r["pillar"] == PILLARS[p]
        assert r["tasks"] == numbers(tasks)
        assert r["n_tasks"] == len(tasks)
        assert r["n_targets"] == sum(N_TARGETS[t] for t in tasks)
        assert r["n_measures"] == sum(N_MEASURES[t] for t in tasks)
        assert r["n_narrative"] == sum(1 for k in NARRATIVE_UNITS if k[0] == p)
    assert [r["n_targets"] for r in rows] == [23, 9, 9, 22, 36]
    assert [r["n_measures"] for r in rows] == [58, 23, 27, 47, 63]
    assert [r["n_narrative"] for r in rows] == [4, 2, 3, 2, 5]
    # pillar 三 states only two levels: 1件以内 (line 266) and 不低于10% (line 279)
    assert rows[2]["n_quantities"] == 2


def test_comparators(run):
    rows = run("comparators")
    assert list(rows[0]) == ["doc", "comparator", "meaning", "n_quantities", "n_goal_quantities", "n_tasks", "tasks"]
    by = {r["comparator"]: r for r in rows}
    assert set(by) == {">=", "<=", "~", "="}
    # at most: 控制在1件以内 (266), 控制在35%以下 (455), 30日内办结 (554)
    assert (by["<="]["n_quantities"], by["<="]["tasks"]) == (3, "12,24,29")
    # about: 3.2%左右 and 13%左右 (line 20, goal), 3.2%左右 (line 222, task 8)
    assert (by["~"]["n_quantities"], by["~"]["n_goal_quantities"], by["~"]["tasks"]) == (3, 2, "8")
    # goals: line 19 has five at-least levels (以上 ×4, 超10%), line 20 突破24万户
    assert by[">="]["n_goal_quantities"] == 6 and by["="]["n_goal_quantities"] == 0
    assert [r["meaning"] for r in rows if r["comparator"] == ">="] == ["不低于"]
    assert sum(r["n_quantities"] for r in rows) == sum(r["n_quantities"] for r in run("pillar_summary")) + 8


def test_tasks_without_quantities(run):
    rows = run("tasks_without_quantities")
    assert list(rows[0]) == ["doc", "no", "title", "pillar", "n_targets", "targets"]
    # no number states a level in: 10 (247), 14 (294), 15 (304-305), 16 (319), 26 (507-511), 28 (541),
    # 31 (587-588: years only)
    assert [(r["no"], r["n_targets"]) for r in rows] == [(10, 1), (14, 1), (15, 2), (16, 1), (26, 5), (28, 1),
                                                         (31, 2)]
    assert rows[0]["targets"] == "推动民间投资项目开展基础设施REITs工作。"


def test_topic_coverage(run):
    rows = run("topic_coverage")
    assert list(rows[0]) == ["doc", "topic_zh", "topic_en", "notation", "n_tasks", "n_measures", "n_narrative", "tasks"]
    assert len(rows) == 19                         # the 19 top concepts of lexicon/topics.ttl
    by = {r["notation"]: r for r in rows}
    # the obvious ones, by title: 强化财税政策保障 (1), 保障合理用地需求 (3), 强化用能保障 (4),
    # 强化金融保障 (5), 强化人才和用工需求保障 (6), 完善拖欠账款… (29)
    for notation, task in [("fiscal-tax", 1), ("land", 3), ("energy", 4), ("finance", 5), ("talent", 6),
                           ("arrears", 29), ("fair-competition", 15), ("market-access", 16)]:
        assert str(task) in by[notation]["tasks"].split(","), notation
    assert by["finance"]["topic_zh"] == "金融"
    counts = [r["n_measures"] for r in rows]
    assert counts == sorted(counts, reverse=True)


@pytest.mark.parametrize("path", ALL_QUERY_FILES, ids=lambda p: p.stem)
def test_stored_query_passes_the_endpoint_guard(path):
    """``policykg query NAME`` skips the guard for the library's own files: they must pass it."""
    guard = pytest.importorskip("policykg.kg.sparql_guard")
    guard.check_query(parse_query_file(path).text)


def test_a_query_s_own_values_blocks_get_the_value_given():
    """A parameter the query writes as ``VALUES ?unit { "default" }`` is bound in every such block (sub-selects
    too), lines kept; a parameter it does not write gets a VALUES line at the top of the outer WHERE."""
    from policykg.kg.query import bound_text, with_values
    text = ('SELECT ?u WHERE {\n  VALUES ?unit { "省发展改革委"\n  }\n'
            '  { SELECT ?u WHERE { VALUES ?unit { "省发展改革委" } ?u ?p ?unit } }\n}\n')
    bound = with_values(text, {"unit": ("市财政局", "财政局")})
    assert bound.count('VALUES ?unit { "市财政局" "财政局" ') == 2 and "省发展改革委" not in bound
    assert bound.count("\n") == text.count("\n")
    assert bound_text(text, {"unit": "市财政局"}).values == 0           # no line added: the user's lines map as they are
    both = bound_text(text, {"unit": "市财政局", "as_of": "2025-06-30"})
    assert both.text.startswith('SELECT ?u WHERE {\n  VALUES ?as_of { "2025-06-30" }\n') and both.values == 1
    assert both.user_line(2) is None and both.user_line(3) == 2
    # a VALUES of another variable, or in a comment or string, is not the parameter's
    other = 'SELECT * WHERE {\n  # VALUES ?unit { "x" }\n  VALUES ?units { "y" } ?s ?p "VALUES ?unit { }" }'
    assert with_values(other, {"unit": "z"}).startswith('SELECT * WHERE {\n  VALUES ?unit { "z" }\n  # VALUES ?unit { "x" }')
