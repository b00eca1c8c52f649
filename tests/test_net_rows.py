"""The record–unit network's rows (queries/net_record_units.rq, queries/net_records.rq) on a small graph written
by hand: a unit named twice on one record, once as lead and once as co-operating, is one row with the
strongest role (lead, as both queries' headers say) at its first place in the written list; reading a big
answer leaves Python's collector as it was.
"""

from __future__ import annotations

import gc

import pyoxigraph as ox

from policykg.kg import store as kgstore
from policykg.kg.query import execute_query, library

PKG = "https://w3id.org/policykg/ontology#"
ID = "https://w3id.org/policykg/id/"
_TTL = f"""
@prefix pkg: <{PKG}> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix org: <http://www.w3.org/ns/org#> .
<{ID}doc/d1> pkg:shortId "d1" .
<{ID}doc/d1/record/1> a pkg:ResponsibilityRecord ; pkg:inDocument <{ID}doc/d1> ; pkg:firstLine 7 ;
    pkg:recordPlace "record/1" ; pkg:text "加快建设。" ;
    pkg:leadUnit <{ID}org/a> ; pkg:coUnit <{ID}org/a> , <{ID}org/b> ;
    pkg:hasResponsibility <{ID}x/1> , <{ID}x/2> , <{ID}x/3> .
<{ID}x/1> pkg:unit <{ID}org/b> ; pkg:role pkg:CoRole ; pkg:position 1 .
<{ID}x/2> pkg:unit <{ID}org/a> ; pkg:role pkg:CoRole ; pkg:position 2 .
<{ID}x/3> pkg:unit <{ID}org/a> ; pkg:role pkg:LeadRole ; pkg:position 3 .
<{ID}org/a> a org:Organization ; skos:prefLabel "甲局" .
<{ID}org/b> a org:Organization ; skos:prefLabel "乙局" .
"""


def _store() -> ox.Store:
    store = ox.Store()
    store.load(_TTL.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    return store


def test_a_unit_named_twice_is_one_row_with_its_strongest_role():
    result = execute_query(_store(), library()["net_record_units"])
    rows = [dict(zip(result.columns, row)) for row in result.rows]
    assert [(r["unit"], r["role"]) for r in rows] == [("甲局", "lead"), ("乙局", "co")]   # org/a < org/b
    assert {r["record"] for r in rows} == {ID + "doc/d1/record/1"} and {r["doc"] for r in rows} == {"d1"}


def test_net_records_keeps_the_strongest_role_at_the_first_place():
    result = execute_query(_store(), library()["net_records"])
    rows = [dict(zip(result.columns, row)) for row in result.rows]
    # by place in the written list: 乙局 first (1), then 甲局 (first named at 2, lead at 3)
    assert [(r["unit"], r["role"], r["position"]) for r in rows] == [("乙局", "co", 1), ("甲局", "lead", 2)]
    assert {(r["record"], r["text"], r["kind"]) for r in rows} == {("record/1", "加快建设。", "record")}


def test_reading_an_answer_leaves_the_collector_as_it_was():
    store = _store()
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            kgstore.answer(store, f"SELECT ?s ?o WHERE {{ ?s <{PKG}position> ?o }} ORDER BY ?o")
            assert gc.isenabled() is enabled
        finally:
            gc.enable()
