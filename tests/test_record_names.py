"""A record's unit lists as the build writes them (pkg:leadNames, pkg:coNames, pkg:jointNames): the names as
written, in the written order, joined with 、 — read by responsibilities and record_progress instead of
grouping every record's responsibilities at question time."""

from __future__ import annotations

from pathlib import Path

import pytest

from policykg.kg.query import find_query, run_query

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "sources" / "dev" / "03_anhui_rcep_opening_2022.txt"
PKG = "https://w3id.org/policykg/ontology#"


@pytest.fixture(scope="module")
def rcep():
    """The RCEP document (sources/dev) built alone."""
    from policykg.kg.pipeline import build
    return build(DEV).graph


def _lists(graph, fragment: str) -> dict[str, str]:
    rows = graph.query(f"""PREFIX pkg: <{PKG}>
        SELECT ?p ?v WHERE {{ ?r pkg:text ?t FILTER(CONTAINS(?t, "{fragment}"))
          ?r ?p ?v FILTER(?p IN (pkg:leadNames, pkg:coNames, pkg:jointNames)) }}""")
    return {str(p).rsplit("#", 1)[1]: str(v) for p, v in rows}


def test_record_names_as_the_note_writes_them(rcep):
    """「（省商务厅牵头，省发展改革委、省经济和信息化厅、省外汇管理局、省教育厅按职责分工配合）」 (line 34)."""
    assert _lists(rcep, "推进与其他RCEP国家高等教育机构合作") == {
        "leadNames": "省商务厅", "coNames": "省发展改革委、省经济和信息化厅、省外汇管理局、省教育厅"}


def test_record_names_a_record_with_one_lead_has_no_other_list(rcep):
    """「（合肥海关负责）」 (line 24): one unit, no co-operating list written."""
    assert _lists(rcep, "深化企业对RCEP重点国别关税减让的理解掌握") == {"leadNames": "合肥海关"}


def test_record_names_agree_with_the_responsibilities_everywhere(committed_graph):
    """Each list is its role's pkg:writtenName in pkg:position order, on every record of the seed document."""
    rows = committed_graph.query(f"""PREFIX pkg: <{PKG}>
        SELECT ?r ?role ?pos ?name WHERE {{ ?r pkg:hasResponsibility ?x .
          ?x pkg:role ?role ; pkg:position ?pos ; pkg:writtenName ?name }}""")
    expected: dict[tuple[str, str], list] = {}
    for r, role, pos, name in rows:
        expected.setdefault((r.value, role.value.rsplit("#", 1)[1]), []).append((int(pos.value), name.value))
    written = {(r.value, {"leadNames": "LeadRole", "coNames": "CoRole", "jointNames": "JointRole"}[
        p.value.rsplit("#", 1)[1]]): v.value for r, p, v in committed_graph.query(f"""PREFIX pkg: <{PKG}>
        SELECT ?r ?p ?v WHERE {{ ?r ?p ?v FILTER(?p IN (pkg:leadNames, pkg:coNames, pkg:jointNames)) }}""")}
    assert len(expected) > 50
    assert written == {key: "、".join(n for _, n in sorted(names)) for key, names in expected.items()}


def test_record_names_responsibilities_lists_them(committed_graph):
    """The stored question reads the lists: the seed's key task 1 as its task list writes it."""
    columns, rows = run_query(committed_graph, find_query("responsibilities"))
    rows = [dict(zip(columns, row)) for row in rows]
    assert len(rows) > 20 and all(set(r) >= {"lead_units", "co_units", "joint_units"} for r in rows)
    assert any(r["lead_units"] and r["co_units"] for r in rows)


def test_record_names_place_and_first_line_as_the_document_reads(rcep):
    """The measure closed by 「（省商务厅牵头，省发展改革委…按职责分工配合）」 stands on line 34 of the source."""
    rows = list(rcep.query(f"""PREFIX pkg: <{PKG}>
        SELECT ?r ?place ?first WHERE {{ ?r pkg:text ?t FILTER(CONTAINS(?t, "推进与其他RCEP国家高等教育机构合作"))
          ?r pkg:recordPlace ?place ; pkg:firstLine ?first }}"""))
    assert len(rows) == 1
    r, place, first = rows[0]
    assert int(first) == 34 and str(r).endswith("/" + str(place)) and str(place).startswith("record/")


def test_record_names_place_and_first_line_everywhere(committed_graph):
    """Every record of the seed: its place is its IRI after its document's, its first line the least start line
    of its source spans."""
    rows = committed_graph.query(f"""PREFIX pkg: <{PKG}> PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?r ?d ?place ?first (MIN(?line) AS ?least) WHERE {{ ?r a pkg:ResponsibilityRecord ; pkg:inDocument ?d ;
          prov:wasDerivedFrom/pkg:startLine ?line .
          OPTIONAL {{ ?r pkg:recordPlace ?place }} OPTIONAL {{ ?r pkg:firstLine ?first }} }}
        GROUP BY ?r ?d ?place ?first""")
    seen = 0
    for r, d, place, first, least in rows:
        assert place is not None and r.value == d.value + "/" + place.value
        assert first is not None and int(first.value) == int(least.value)
        seen += 1
    assert seen > 40
