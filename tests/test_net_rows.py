"""The record–unit network's tables on a small graph written by hand: net_records (record nodes),
net_record_units (edges), net_units (unit nodes), and the pages' own query of each unit's written place
(use/templates/queries/record_unit_positions.rq). A unit named twice on one record, once as lead and once
as co-operating, is one edge with the strongest role (lead, as the headers say) at its first place in the
written list; reading a big answer leaves Python's collector as it was.
"""

from __future__ import annotations

import gc

import pyoxigraph as ox

from policykg.kg import store as kgstore
from policykg.kg.query import execute_query, find_query, library
from policykg.use import networks

PKG = "https://w3id.org/policykg/ontology#"
ID = "https://w3id.org/policykg/id/"
# as the build writes it: every role link also stated as pkg:assignedUnit (materialised super-property);
# record/2 names no unit, task/1 is a key task (not a record node of net_records, but an edge of net_record_units)
_TTL = f"""
@prefix pkg: <{PKG}> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix schema: <https://schema.org/> .
<{ID}doc/d1> pkg:shortId "d1" .
<{ID}doc/d1/record/1> a pkg:ResponsibilityRecord ; pkg:inDocument <{ID}doc/d1> ; pkg:firstLine 7 ;
    pkg:recordPlace "record/1" ; pkg:text "加快建设。" ; pkg:deadline "2024年底" ;
    pkg:leadUnit <{ID}org/a> ; pkg:coUnit <{ID}org/a> , <{ID}org/b> ;
    pkg:assignedUnit <{ID}org/a> , <{ID}org/b> ;
    pkg:hasResponsibility <{ID}x/1> , <{ID}x/2> , <{ID}x/3> .
<{ID}x/1> pkg:unit <{ID}org/b> ; pkg:role pkg:CoRole ; pkg:position 1 .
<{ID}x/2> pkg:unit <{ID}org/a> ; pkg:role pkg:CoRole ; pkg:position 2 .
<{ID}x/3> pkg:unit <{ID}org/a> ; pkg:role pkg:LeadRole ; pkg:position 3 .
<{ID}doc/d1/record/2> a pkg:ResponsibilityRecord ; pkg:inDocument <{ID}doc/d1> ; pkg:firstLine 3 ;
    pkg:recordPlace "record/2" ; pkg:text "完善机制。" .
<{ID}doc/d1/task/1> a pkg:ResponsibilityRecord , pkg:KeyTask ; pkg:inDocument <{ID}doc/d1> ; pkg:firstLine 20 ;
    pkg:recordPlace "task/1" ; pkg:jointUnit <{ID}org/b> ; pkg:assignedUnit <{ID}org/b> ;
    pkg:hasResponsibility <{ID}x/4> .
<{ID}x/4> pkg:unit <{ID}org/b> ; pkg:role pkg:JointRole ; pkg:position 1 .
<{ID}org/a> a org:Organization ; skos:prefLabel "甲局" ; pkg:fullName "某市甲管理局" .
<{ID}org/b> a org:Organization ; skos:prefLabel "乙局" ; schema:areaServed <{ID}place/p> .
<{ID}place/p> skos:prefLabel "某市" .
"""


def _store() -> ox.Store:
    store = ox.Store()
    store.load(_TTL.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    return store


def _rows(query) -> list[dict]:
    result = execute_query(_store(), query)
    return [dict(zip(result.columns, row)) for row in result.rows]


def test_an_edge_per_record_and_unit_with_its_strongest_role():
    rows = _rows(library()["net_record_units"])
    assert [(r["doc"], r["record"], r["unit_id"], r["role"]) for r in rows] == [
        ("d1", "record/1", ID + "org/a", "lead"),       # named as co (2) and as lead (3): lead
        ("d1", "record/1", ID + "org/b", "co"),
        ("d1", "task/1", ID + "org/b", "joint"),        # a key task's edge too
    ]


def test_a_record_node_per_record_in_reading_order_key_tasks_apart():
    rows = _rows(library()["net_records"])
    assert [(r["record"], r["kind"], r["text"], r["deadline"]) for r in rows] == [
        ("record/2", "record", "完善机制。", ""),         # first line 3: read first, names no unit
        ("record/1", "record", "加快建设。", "2024年底"),
    ]


def test_a_unit_node_per_assigned_unit():
    rows = _rows(library()["net_units"])
    assert [(r["unit_id"], r["unit"], r["jurisdiction"], r["full_name"]) for r in rows] == [
        (ID + "org/a", "甲局", "", "某市甲管理局"), (ID + "org/b", "乙局", "某市", "")]


def test_the_pages_places_are_each_units_first_place_in_the_written_list():
    rows = _rows(find_query(str(networks._POSITIONS)))
    # 乙局 named first (1); 甲局 named at 2 (co) and at 3 (lead): its first place, 2
    assert [(r["record"], r["unit_id"], r["position"]) for r in rows] == [
        ("record/1", ID + "org/b", 1), ("record/1", ID + "org/a", 2), ("task/1", ID + "org/b", 1)]


def test_the_document_network_lists_a_records_units_as_written():
    g = networks.document_record_graph(_store())
    assert [n for n, k in g.nodes(data="kind") if k == "record"] == ["record:2", "record:1"]
    assert list(g.neighbors("record:1")) == ["unit:乙局", "unit:甲局"]          # written order, not by name
    assert g.edges["record:1", "unit:甲局"]["role"] == "lead" and "record:2" in g     # an unassigned record kept
    assert g.nodes["unit:乙局"]["jurisdiction"] == "某市" and "task:1" not in g


def test_the_corpus_network_joins_edges_to_units():
    g = networks.record_unit_graph(_store())
    assert sorted(n for n, k in g.nodes(data="kind") if k == "record") == ["record:d1/record/1", "record:d1/task/1"]
    assert g.nodes["unit:" + ID + "org/b"]["name"] == "乙局" and g.nodes["record:d1/record/1"]["label"] == "1"
    assert g.edges["record:d1/task/1", "unit:" + ID + "org/b"]["role"] == "joint"


def test_reading_an_answer_leaves_the_collector_as_it_was():
    store = _store()
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            kgstore.answer(store, f"SELECT ?s ?o WHERE {{ ?s <{PKG}position> ?o }} ORDER BY ?o")
            assert gc.isenabled() is enabled
        finally:
            gc.enable()
