"""The graphs behind graph.html and units.html, and writing the pages.

Expected counts come from the RDF graph through rdflib's triple API (no
SPARQL, so not through the queries under test, which Oxigraph answers) and from
reading the document.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest
from rdflib import RDF, Namespace
from rdflib.namespace import DCTERMS

from policykg.use.pages import full_graph, unit_network, write_pages

PKG = Namespace("https://w3id.org/policykg/ontology#")
PILLARS = ["提信心增预期", "降门槛扩领域", "真公平破隐性", "拓市场促升级", "优氛围增服务"]
HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z!]|&[A-Za-z#][A-Za-z0-9]*;")


@pytest.fixture(scope="module")
def whole(committed_graph):
    return full_graph(committed_graph)


@pytest.fixture(scope="module")
def units(committed_graph):
    return unit_network(committed_graph)


def _objects(rdf, predicate):
    """(record, object) pairs of ``predicate`` over the responsibility records (key tasks and narrative measures)."""
    records = set(rdf.subjects(RDF.type, PKG.ResponsibilityRecord))
    return {(s, o) for s, o in rdf.subject_objects(predicate) if s in records}


# ---------------------------------------------------------------- whole graph


def test_full_graph_counts_match_the_rdf_graph(whole, committed_rdflib):
    rdf = committed_rdflib
    tasks = set(rdf.subjects(RDF.type, PKG.KeyTask))
    records = set(rdf.subjects(RDF.type, PKG.ResponsibilityRecord)) - tasks    # the narrative measures
    rel = {p: _objects(rdf, p) for p in (PKG.hasPillar, PKG.leadUnit, PKG.coUnit, PKG.jointUnit, PKG.leaderInCharge,
                                         PKG.liaison, PKG.phase, DCTERMS.subject, PKG.carriedOutBy)}
    distinct = {p: {o for _, o in pairs} for p, pairs in rel.items()}
    kinds = Counter(k for _, k in whole.nodes(data="kind"))
    assert kinds == {
        "pillar": len(distinct[PKG.hasPillar]),
        "task": len(tasks),
        "record": len(records),
        "unit": len(distinct[PKG.leadUnit] | distinct[PKG.coUnit] | distinct[PKG.jointUnit]),
        "person": len(distinct[PKG.leaderInCharge] | distinct[PKG.liaison]),
        "phase": len(distinct[PKG.phase]),
        "topic": len(distinct[DCTERMS.subject]),
    }
    edge_kinds = Counter(k for *_, k in whole.edges(data="kind"))
    assert edge_kinds == {
        "pillar": len(rel[PKG.hasPillar]), "lead": len(rel[PKG.leadUnit]), "co": len(rel[PKG.coUnit]),
        "joint": len(rel[PKG.jointUnit]), "carries": len(rel[PKG.carriedOutBy]),
        "leader": len(rel[PKG.leaderInCharge]), "liaison": len(rel[PKG.liaison]),
        "phase": len(rel[PKG.phase]),
        "topic": sum(1 for s, _ in rel[DCTERMS.subject] if s in tasks),   # the page links topics to key tasks only
    }


def test_full_graph_counts_read_from_the_document(whole):
    # 5 pillars, 32 tasks, 42 units; 26 leaders and 27 liaisons, no one is both;
    # phases 2023-2027年, 2023-2025年 and 长期实施
    kinds = Counter(k for _, k in whole.nodes(data="kind"))
    assert (kinds["pillar"], kinds["task"], kinds["unit"], kinds["person"], kinds["phase"]) == (5, 32, 42, 53, 3)
    assert sorted(whole.nodes[n]["label"] for n in whole if n.startswith("phase:")) == [
        "2023-2025年", "2023-2027年", "长期实施"]
    # every task has one pillar, one phase, one leader, one liaison: 4 × 32, plus 139 unit entries;
    # and the 16 narrative measures of 主要举措, each under its pillar: 11 name one unit (it leads),
    # 5 name two (jointly: 10 entries)
    assert kinds["record"] == 16
    counts = Counter(k for *_, k in whole.edges(data="kind"))
    assert counts["phase"] == counts["leader"] == counts["liaison"] == 32
    assert counts["pillar"] == 32 + 16
    assert counts["lead"] == 32 + 11 and counts["joint"] == 10
    assert counts["lead"] + counts["co"] == 139 + 11


def test_full_graph_hand_checked_neighbourhoods(whole):
    # task 12: *市发改局、市住建局、市交通运输局、市水利局; 杨光飞 / 张章; 长期实施; pillar 3
    nbrs = {n: whole.edges["task:12", n]["kind"] for n in whole.neighbors("task:12")}
    assert {n for n, k in nbrs.items() if k == "lead"} == {"unit:市发改局"}
    assert {n for n, k in nbrs.items() if k == "co"} == {"unit:市住建局", "unit:市交通运输局", "unit:市水利局"}
    assert nbrs["person:杨光飞"] == "leader" and nbrs["person:张章"] == "liaison"
    assert nbrs["phase:长期实施"] == "phase" and nbrs["pillar:3"] == "pillar"
    # 杨光飞 is the leader in charge of tasks 12, 13 and 14
    assert sorted(whole.neighbors("person:杨光飞")) == ["task:12", "task:13", "task:14"]
    assert whole.nodes["person:杨光飞"]["pillars"] == ["真公平破隐性"]


def test_full_graph_node_attributes(whole):
    for n, attrs in whole.nodes(data=True):
        assert attrs["label"] and attrs["kind"] and attrs["title"], n
        assert attrs["pillars"] and set(attrs["pillars"]) <= set(PILLARS), n
        assert attrs["pillars"] == sorted(attrs["pillars"], key=PILLARS.index), n
    for a, b, attrs in whole.edges(data=True):
        assert attrs["weight"] > 0 and attrs["kind"], (a, b)
    # pillar nodes in the document's order, so the page's pillar filter lists them that way
    assert [whole.nodes[n]["label"] for n in whole if n.startswith("pillar:")] == PILLARS
    assert whole.nodes["task:7"]["pillars"] == ["降门槛扩领域"]
    assert whole.nodes["unit:市发改局"]["pillars"] == PILLARS


def test_titles_are_full_plain_text(whole, units):
    for g in (whole, units):
        for n, attrs in g.nodes(data=True):
            assert not HTML_TAG.search(attrs["title"]), n
        for a, b, attrs in g.edges(data=True):
            assert not HTML_TAG.search(attrs.get("title", "")), (a, b)
    task = whole.nodes["task:3"]["title"]
    assert task.startswith("（三）保障合理用地需求")
    assert "1. 2023年度全市工业用地供地中民企占比达到70%以上。" in task  # its first target, in full
    assert "落实举措：16 项" in task
    unit = whole.nodes["unit:市税务局"]["title"]
    assert "国家税务总局乐清市税务局" in unit and "垂直管理及派驻机构" in unit
    assert len(whole.nodes["task:13"]["label"]) < len(task)


# ---------------------------------------------------------------- unit network


def test_unit_network_matches_the_stored_query(units, run_stored):
    rows = run_stored("shared_responsibilities")
    assert units.number_of_nodes() == 42
    assert units.number_of_edges() == len(rows)
    for r in rows:
        assert units.edges[f"unit:{r['unit_a']}", f"unit:{r['unit_b']}"]["weight"] == r["shared"]
    assert all(k == "shared" for *_, k in units.edges(data="kind"))


def test_unit_network_attributes(units):
    assert all(k == "unit" for _, k in units.nodes(data="kind"))
    for n, attrs in units.nodes(data=True):
        assert attrs["pillars"] and set(attrs["pillars"]) <= set(PILLARS), n
        assert attrs["group"].startswith("社区 "), n
    ndrc = units.nodes["unit:市发改局"]["title"]
    assert "牵头 9 项" in ndrc and "配合 8 项" in ndrc and "（二十八）完善社会信用激励约束机制" in ndrc
    # 乐清海关办事处 is only in task 17, under 拓市场促升级
    assert units.nodes["unit:乐清海关办事处"]["pillars"] == ["拓市场促升级"]
    edge = units.edges["unit:市住建局", "unit:市发改局"]["title"]
    assert "共同承担 6 项" in edge and "（三十二）建立健全“四个定期”调度评估工作机制" in edge
    assert nx.is_connected(units)


# ---------------------------------------------------------------- pages on disk


def test_write_pages_writes_offline_pages_and_network_files(committed_graph, tmp_path):
    written = write_pages(committed_graph, tmp_path)
    assert [p.name for p in written] == ["graph.html", "units.html", "task_units.graphml", "task_units.gexf",
                                         "unit_network.graphml", "unit_network.gexf"]
    assert all(p.parent == tmp_path and p.stat().st_size > 0 for p in written)
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind
    for name in ("graph.html", "units.html"):
        html = (tmp_path / name).read_text(encoding="utf-8")
        assert not re.search(r"https?://|//cdn", html, re.I), name
        assert "乐清市促进民营经济高质量发展若干举措" in html
    again = write_pages(committed_graph, tmp_path / "again")
    for a, b in zip(written, again):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_no_sparql_in_the_module():
    import policykg.use.pages as module
    source = open(module.__file__, encoding="utf-8").read()
    assert not re.search(r"\bSELECT\b|\bPREFIX\b|\bWHERE\s*\{", source)


def test_committed_pages_equal_a_fresh_rendering(committed_graph, tmp_path):
    """graph/*.html, *.graphml, *.gexf are what `make graph` writes today."""
    root = Path(__file__).resolve().parents[1] / "graph" / "docs" / "000_4cdbba2a142b4d11"
    for path in write_pages(committed_graph, tmp_path):
        assert (root / path.name).read_bytes() == path.read_bytes(), f"graph/{path.name} is stale: run 'make graph'"
