"""The task–unit network and its analytics, checked against the document and the query library.

Expected values were read off the task table of
sources/000_4cdbba2a142b4d11.txt (the 责任单位 cell right after each 实施阶段
cell; ``*`` marks the lead, a lone unit leads), not copied from output.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policykg.use.analyze import (
    analysis_report,
    centralities,
    communities,
    modularity,
    strongest_pairs,
    task_node,
    task_unit_graph,
    unit_node,
    unit_projection,
    write_network_files,
)

#: Every distinct unit of the 32 责任单位 cells (tasks 1–32), as written.
TABLE_UNITS = {
    "市税务局", "市财政局", "市发改局", "市经信局", "市科技局", "市国资办", "市国有资本运营集团",
    "市自然资源和规划局", "市住建局", "市金融工作服务中心", "市人行", "市银保监组", "市人力社保局",
    "市委组织部", "市教育局", "市交通运输局", "市水利局", "市公安局", "市审计局", "市检察院", "市法院",
    "市市场监管局", "市信访局", "市商务局", "市外办", "乐清湾临港经济开发区管委会", "乐清海关办事处",
    "市统计局", "市委依法治市办", "市社会治理中心", "市工商联", "市委统战部", "市“两个健康”办",
    "市委改革办", "市政务服务中心", "市大数据管理中心", "市综合行政执法局", "市司法局",
    "各行政执法监管单位", "市委宣传部", "市委网信办", "市融媒体中心",
}
#: Tasks whose cell names 市发改局 (as lead: 4 7 9 10 12 13 14 16 28; as co-unit: the rest).
NDRC_TASKS = {2, 4, 5, 6, 7, 9, 10, 12, 13, 14, 16, 18, 23, 25, 26, 28, 32}
NDRC_LEADS = {4, 7, 9, 10, 12, 13, 14, 16, 28}
#: Tasks with a single unit, which therefore leads: 1 税务 4 发改 8 科技 11 财政 15 市场监管 21 经信.
SOLE_UNIT_TASKS = {1: "市税务局", 4: "市发改局", 8: "市科技局", 11: "市财政局", 15: "市市场监管局", 21: "市经信局"}


@pytest.fixture(scope="module")
def bipartite(committed_graph):
    return task_unit_graph(committed_graph)


@pytest.fixture(scope="module")
def units(bipartite):
    return unit_projection(bipartite)


def _kind(g, kind):
    return {n for n, k in g.nodes(data="kind") if k == kind}


# ---------------------------------------------------------------- bipartite graph


def test_bipartite_has_the_32_tasks_and_the_42_units_of_the_table(bipartite):
    assert len(TABLE_UNITS) == 42
    assert _kind(bipartite, "task") == {task_node(i) for i in range(1, 33)}
    assert {bipartite.nodes[n]["label"] for n in _kind(bipartite, "unit")} == TABLE_UNITS
    assert _kind(bipartite, "unit") == {unit_node(u) for u in TABLE_UNITS}
    assert nx.is_bipartite(bipartite)
    assert all(bipartite.nodes[n]["bipartite"] == (0 if k == "task" else 1) for n, k in bipartite.nodes(data="kind"))


def test_bipartite_node_attributes(bipartite):
    t7 = bipartite.nodes[task_node(7)]
    assert (t7["label"], t7["number"], t7["pillar"], t7["pillar_number"], t7["phase"]) == (
        "向民营企业推介三张项目清单", 7, "降门槛扩领域", 2, "长期实施")
    assert bipartite.nodes[task_node(17)]["phase"] == "2023-2027年"
    tax = bipartite.nodes[unit_node("市税务局")]
    assert tax["kind"] == "unit" and tax["full_name"] == "国家税务总局乐清市税务局"
    assert tax["unit_type"] == "垂直管理及派驻机构"


def test_every_task_has_exactly_one_lead(bipartite):
    for t in _kind(bipartite, "task"):
        roles = [bipartite.edges[t, u]["role"] for u in bipartite.neighbors(t)]
        assert roles.count("lead") == 1, t
    # 32 leads + the co-units of the cells (the table lists 139 unit entries in all)
    assert bipartite.number_of_edges() == 139
    assert all(d["kind"] == d["role"] and d["weight"] == 1 for *_, d in bipartite.edges(data=True))


def test_sole_unit_tasks_are_led_by_that_unit(bipartite):
    for no, unit in SOLE_UNIT_TASKS.items():
        assert list(bipartite.neighbors(task_node(no))) == [unit_node(unit)]
        assert bipartite.edges[task_node(no), unit_node(unit)]["role"] == "lead"


def test_task_13_has_nine_units_led_by_ndrc(bipartite):
    # *市发改局、市公安局、市审计局、市财政局、市检察院、市法院、市住建局、市交通运输局、市水利局
    t = task_node(13)
    assert {bipartite.nodes[u]["label"] for u in bipartite.neighbors(t)} == {
        "市发改局", "市公安局", "市审计局", "市财政局", "市检察院", "市法院", "市住建局", "市交通运输局", "市水利局"}
    assert [u for u in bipartite.neighbors(t) if bipartite.edges[t, u]["role"] == "lead"] == [unit_node("市发改局")]


def test_ndrc_is_in_the_most_tasks(bipartite):
    ndrc = unit_node("市发改局")
    tasks = {bipartite.nodes[t]["number"] for t in bipartite.neighbors(ndrc)}
    assert tasks == NDRC_TASKS
    assert {bipartite.nodes[t]["number"] for t in bipartite.neighbors(ndrc)
            if bipartite.edges[ndrc, t]["role"] == "lead"} == NDRC_LEADS
    others = [bipartite.degree(u) for u in _kind(bipartite, "unit") if u != ndrc]
    assert bipartite.degree(ndrc) == 17 > max(others)


# ---------------------------------------------------------------- projection


def test_projection_weights_equal_the_stored_query_pair_by_pair(units, run_stored):
    rows = run_stored("shared_responsibilities")
    label = {n: units.nodes[n]["label"] for n in units.nodes}
    # query → projection
    for r in rows:
        a, b = unit_node(r["unit_a"]), unit_node(r["unit_b"])
        assert units.has_edge(a, b), (r["unit_a"], r["unit_b"])
        assert units.edges[a, b]["weight"] == r["shared"], (r["unit_a"], r["unit_b"])
    # projection → query
    expected = {(r["unit_a"], r["unit_b"]): r["shared"] for r in rows}
    for a, b, w in units.edges(data="weight"):
        pair = tuple(sorted((label[a], label[b])))
        assert expected.get(pair) == w, pair
    assert units.number_of_edges() == len(rows)


def test_projection_hand_checked_pairs(units):
    # 市住建局 and 市发改局 are both in the cells of tasks 7, 10, 12, 13, 14 and 32
    edge = units.edges[unit_node("市住建局"), unit_node("市发改局")]
    assert edge["weight"] == 6 and edge["tasks"] == (7, 10, 12, 13, 14, 32)
    # 市经信局 and 市财政局: tasks 2, 3, 9, 22, 23, 29
    edge = units.edges[unit_node("市经信局"), unit_node("市财政局")]
    assert edge["weight"] == 6 and edge["tasks"] == (2, 3, 9, 22, 23, 29)
    # 乐清海关办事处 appears only in task 17, next to 7 other units
    customs = unit_node("乐清海关办事处")
    assert units.degree(customs) == 7
    assert all(units.edges[customs, n]["tasks"] == (17,) for n in units.neighbors(customs))
    assert strongest_pairs(units, 2) == [("市住建局", "市发改局", 6), ("市经信局", "市财政局", 6)]


def test_projection_unit_workloads(units):
    ndrc = units.nodes[unit_node("市发改局")]
    assert (ndrc["n_lead"], ndrc["n_co"], ndrc["n_tasks"]) == (9, 8, 17)
    assert set(units.nodes) == {unit_node(u) for u in TABLE_UNITS}


# ---------------------------------------------------------------- centralities


def test_centralities_cover_every_unit(units):
    cent = centralities(units)
    assert set(cent) == set(units.nodes)
    assert all(set(v) == {"degree", "weighted_degree", "betweenness", "eigenvector"} for v in cent.values())
    for n, v in cent.items():
        assert v["degree"] == units.degree(n)
        assert v["weighted_degree"] == sum(w for *_, w in units.edges(n, data="weight"))
        assert 0 <= v["betweenness"] <= 1 and v["eigenvector"] >= 0


def test_ndrc_is_the_most_central_unit(units):
    cent = centralities(units)
    for key in ("degree", "weighted_degree", "betweenness", "eigenvector"):
        assert max(cent, key=lambda n: cent[n][key]) == unit_node("市发改局"), key


def test_eigenvector_of_a_connected_graph_is_networkx(units):
    assert nx.is_connected(units)
    ref = nx.eigenvector_centrality(units, weight="weight", max_iter=10_000, tol=1e-12)
    cent = centralities(units)
    assert all(math.isclose(cent[n]["eigenvector"], ref[n], abs_tol=1e-9) for n in units)


def test_eigenvector_handles_a_disconnected_graph():
    g = nx.Graph()
    g.add_edge("a", "b", weight=2)
    g.add_edge("b", "c", weight=1)
    g.add_edge("x", "y", weight=1)
    g.add_node("lonely")
    cent = centralities(g)
    assert cent["lonely"]["eigenvector"] == 0.0
    # each component has unit length scaled by sqrt(its share): 3/6 + 2/6 of the units
    assert math.isclose(sum(cent[n]["eigenvector"] ** 2 for n in "abc"), 3 / 6)
    assert math.isclose(sum(cent[n]["eigenvector"] ** 2 for n in "xy"), 2 / 6)
    assert cent["b"]["eigenvector"] > cent["a"]["eigenvector"] > cent["c"]["eigenvector"]
    assert math.isclose(cent["x"]["eigenvector"], cent["y"]["eigenvector"])


def test_betweenness_uses_inverse_weight_with_exact_ties():
    # a–b–c with weight 2 each (distance 1/2 + 1/2) ties the direct a–c edge of weight 1
    g = nx.Graph()
    g.add_edge("a", "b", weight=2)
    g.add_edge("b", "c", weight=2)
    g.add_edge("a", "c", weight=1)
    assert centralities(g)["b"]["betweenness"] == pytest.approx(0.5)
    g.edges["a", "c"]["weight"] = 3  # now the direct edge is shorter
    assert centralities(g)["b"]["betweenness"] == 0.0


# ---------------------------------------------------------------- communities


def test_communities_partition_all_units(units):
    parts = communities(units)
    assert set().union(*parts) == set(units.nodes)
    assert sum(len(p) for p in parts) == units.number_of_nodes()
    assert [len(p) for p in parts] == sorted((len(p) for p in parts), reverse=True)
    assert nx.community.is_partition(units, parts)
    assert communities(units) == parts
    assert 0 < modularity(units, parts) < 1


def test_communities_keep_the_construction_bureaus_together(units):
    # tasks 7, 12, 13 and 14 all put 市发改局 with 市住建局, 市交通运输局 and 市水利局
    parts = communities(units)
    home = {n: i for i, p in enumerate(parts) for n in p}
    assert len({home[unit_node(u)] for u in ("市发改局", "市住建局", "市交通运输局", "市水利局")}) == 1


# ---------------------------------------------------------------- report and files


def test_report_names_the_top_units_and_every_community(committed_graph, units):
    text = analysis_report(committed_graph, top=5)
    assert "市发改局" in text and "modularity" in text
    for part in communities(units):
        for n in part:
            assert units.nodes[n]["label"] in text
    assert "重点工作 32 项，责任单位 42 个" in text


def test_network_files_are_byte_identical_and_graphml_safe(committed_graph, tmp_path):
    first = write_network_files(committed_graph, tmp_path / "one")
    second = write_network_files(committed_graph, tmp_path / "two")
    names = ["task_units.graphml", "task_units.gexf", "unit_network.graphml", "unit_network.gexf"]
    assert [p.name for p in first] == names
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert not list((tmp_path / "one").glob("*.tmp"))
    for path in first:
        text = path.read_text(encoding="utf-8")
        assert "lastmodifieddate" not in text and "市发改局" in text  # UTF-8, not &#...; escapes
    g = nx.read_graphml(tmp_path / "one" / "unit_network.graphml")
    assert g.number_of_nodes() == 42
    assert g.edges["unit:市住建局", "unit:市发改局"]["tasks"] == "7,10,12,13,14,32"
    for _, attrs in list(g.nodes(data=True)) + [(None, d) for *_, d in g.edges(data=True)]:
        assert all(isinstance(v, (str, int, float, bool)) for v in attrs.values())
    assert {"community", "betweenness", "eigenvector", "weighted_degree"} <= set(g.nodes["unit:市发改局"])
    b = nx.read_gexf(tmp_path / "one" / "task_units.gexf")
    assert (b.number_of_nodes(), b.number_of_edges()) == (32 + 42, 139)


def test_no_sparql_in_the_module():
    import policykg.use.analyze as module
    source = open(module.__file__, encoding="utf-8").read()
    assert not re.search(r"\bSELECT\b|\bPREFIX\b|\bWHERE\s*\{", source)


# ---------------------------------------------------------------- exact distances, whole numbers


def _betweenness_with_fractions(g: nx.Graph) -> dict:
    """The reference: distance 1/weight as exact fractions (what centralities() computed before)."""
    distance = nx.Graph()
    distance.add_nodes_from(sorted(g.nodes))
    for a, b, w in sorted(g.edges(data="weight", default=1)):
        distance.add_edge(a, b, distance=Fraction(1) / Fraction(w))
    return nx.betweenness_centrality(distance, weight="distance", normalized=True)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(1, 12)), max_size=30))
def test_whole_number_distances_give_the_betweenness_of_exact_fractions(edges):
    """Ties matter: 1/3+1/3+1/3 must tie with 1, and L/3·3 ties with L/1 exactly."""
    g = nx.Graph()
    for a, b, w in edges:
        if a != b:
            g.add_edge(f"u{a}", f"u{b}", weight=w)
    expected = _betweenness_with_fractions(g)
    got = centralities(g)
    assert {n: got[n]["betweenness"] for n in g} == {n: float(v) for n, v in expected.items()}


def test_fractional_weights_still_use_exact_fractions():
    g = nx.Graph()
    g.add_edge("a", "b", weight=0.5)
    g.add_edge("b", "c", weight=2)
    g.add_edge("a", "c", weight=Fraction(1, 3))
    assert centralities(g)["b"]["betweenness"] == float(_betweenness_with_fractions(g)["b"])
