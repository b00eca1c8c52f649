"""The unit pairs the build counts per jurisdiction (policykg.kg.unit_pairs, the graph id/graph/unit-pairs) and
corpus_shared_responsibilities read from them.

The facts of a document are read from its block of corpus.nq; the rows below are counted by hand from the
blocks written here. On a built corpus the question answers as the text it replaces (kept in
tests/fixtures/queries_before/, which paired every record's units at question time), whole and with --doc,
and the pairs graph passes shapes.ttl.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from policykg.kg.unit_pairs import UNIT_PAIRS_GRAPH, affected, document_facts, names, pairs_block

ROOT = Path(__file__).resolve().parents[1]
PKG = "https://w3id.org/policykg/ontology#"
ID = "https://w3id.org/policykg/id/"
BEFORE = ROOT / "tests" / "fixtures" / "queries_before" / "corpus_shared_responsibilities.rq"
PLACE = ID + "place/p1"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def block(doc: str, short: str, records: dict[str, list[str]], labels: dict[str, str]) -> bytes:
    """A document's block as the build writes it: sorted N-Quads in its graph."""
    g = f"<{ID}doc/{doc}>"
    lines = [f"{g} <http://purl.org/dc/terms/spatial> <{PLACE}> {g} .",
             f'{g} <{PKG}shortId> "{short}" {g} .',
             f'<{PLACE}> <http://www.w3.org/2004/02/skos/core#prefLabel> "某省" {g} .']
    for record, units in records.items():
        r = f"<{ID}doc/{doc}/record/{record}>"
        lines.append(f"{r} <{PKG}inDocument> {g} {g} .")
        lines += [f"{r} <{PKG}assignedUnit> <{ID}org/{u}> {g} ." for u in units]
    for unit, label in labels.items():
        lines.append(f'<{ID}org/{unit}> <http://www.w3.org/2004/02/skos/core#prefLabel> "{label}" {g} .')
        lines.append(f"<{ID}org/{unit}> <https://schema.org/areaServed> <{PLACE}> {g} .")
    return ("\n".join(sorted(lines)) + "\n").encode()


def rows_of(nquads: bytes) -> set[tuple]:
    import pyoxigraph as ox
    nodes: dict[str, dict[str, str]] = {}
    for q in ox.parse(nquads, format=ox.RdfFormat.N_QUADS):
        assert q.graph_name.value == UNIT_PAIRS_GRAPH
        nodes.setdefault(q.subject.value, {})[q.predicate.value.removeprefix(PKG)] = q.object.value
    pairs = [n for n in nodes.values() if "sharedRecords" in n]
    # a typed node with a property per column, nothing else
    assert all(set(n) == {RDF_TYPE, "inJurisdiction", "firstPartnerName", "secondPartnerName", "sharedRecords",
                          "documentCount", "documentIds"} and n[RDF_TYPE] == PKG + "UnitPair" for n in pairs)
    return {(n["inJurisdiction"], n["firstPartnerName"], n["secondPartnerName"], int(n["sharedRecords"]),
             int(n["documentCount"]), n["documentIds"]) for n in pairs}


def test_a_document_s_facts_are_read_from_its_block():
    data = block("d1", "d_one", {"1": ["a", "b", "c"], "2": ["a"]}, {"a": "甲局", "b": "乙局", "c": "丙局"})
    places, ids, records, labels, served = document_facts(data, f"{ID}doc/d1")
    assert places == [PLACE] and ids == ["d_one"]
    # a record of one unit pairs nothing
    assert records == [(f"{ID}doc/d1/record/1", [f"{ID}org/a", f"{ID}org/b", f"{ID}org/c"])]
    assert labels[f"{ID}org/b"] == [("乙局", "")] and labels[PLACE] == [("某省", "")]
    assert served[f"{ID}org/c"] == [PLACE]


def test_pairs_are_summed_over_the_jurisdiction_s_documents_and_named_by_most_documents():
    docs = [(f"{ID}doc/{d}", document_facts(block(d, s, recs, labels), f"{ID}doc/{d}")) for d, s, recs, labels in (
        ("d1", "d_one", {"1": ["a", "b", "c"], "2": ["a", "b"]}, {"a": "甲局", "b": "乙局", "c": "丙局"}),
        ("d2", "d_two", {"1": ["a", "b"]}, {"a": "甲局", "b": "乙局"}),
        # b written 乙办 once: 乙局 (two documents) stays its name, though 乙办 sorts first
        ("d3", "d_three", {}, {"b": "乙办"}))]
    assert names([f for _, f in docs])[f"{ID}org/b"] == "乙局"
    # by hand: 丙 U+4E19 < 乙 U+4E59 < 甲 U+7532; 乙局–甲局 share records d1/1, d1/2, d2/1
    assert rows_of(pairs_block(docs)) == {(PLACE, "乙局", "甲局", 3, 2, "d_one,d_two"),
                                         (PLACE, "丙局", "乙局", 1, 1, "d_one"),
                                         (PLACE, "丙局", "甲局", 1, 1, "d_one")}
    # every document of the jurisdiction marked counted, d3 too (it has no pair)
    assert pairs_block(docs).count(f"{PKG}unitPairsCounted".encode()) == 3


def test_units_of_one_name_are_one_unit_of_the_answer():
    docs = [(f"{ID}doc/d1", document_facts(block("d1", "d_one", {"1": ["a", "a2", "b"]},
                                                     {"a": "甲局", "a2": "甲局", "b": "乙局"}), f"{ID}doc/d1"))]
    assert rows_of(pairs_block(docs)) == {(PLACE, "乙局", "甲局", 1, 1, "d_one")}


def test_the_blocks_written_again_are_those_of_what_changed():
    old = {"a": {"id": "a", "iri": "x:a", "status": "built", "jurisdiction": "甲"},
           "b": {"id": "b", "iri": "x:b", "status": "built", "jurisdiction": "乙"},
           "c": {"id": "c", "iri": "x:c", "status": "built", "jurisdiction": "丙"}}
    now = [old["a"], {**old["b"], "jurisdiction": "丁"}, {"id": "d", "iri": "x:d", "status": "built",
                                                           "jurisdiction": "戊"}]
    assert affected(old, now, set()) == {"乙", "丁", "丙", "戊"}       # moved, gone, came
    assert affected(old, [old["a"], old["b"], old["c"]], {"a"}) == {"甲"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Two documents of 安徽省 and one of 全国 (the bundled corpus's), built."""
    from policykg.kg.corpus import build_corpus
    from policykg.use.analysis_graph import analysis_quads
    src = tmp_path_factory.mktemp("src")
    for name in ("02_anhui_industrial_internet_2021.pdf", "03_anhui_rcep_opening_2022.txt",
                 "03_anhui_rcep_opening_2022.src.json", "05_guofa_2018_39_employment.txt",
                 "05_guofa_2018_39_employment.src.json"):
        shutil.copy(ROOT / "sources" / "dev" / name, src / name)
    out = tmp_path_factory.mktemp("out")
    result = build_corpus([src], out, jobs=1, doc_files="lean", analysis=analysis_quads)
    return result, out


def test_the_question_answers_as_the_text_it_replaces(built):
    from policykg.kg.query import find_query, parse_query_file, run_query
    from policykg.kg.store import open_graph
    result, out = built
    store = open_graph(str(out / "store"))
    before = parse_query_file(BEFORE)
    for doc in (None, *(e["id"] for e in result.entries)):
        new = run_query(store, find_query("corpus_shared_responsibilities"), doc=doc)
        assert new[1] and new == run_query(store, before, doc=doc), doc
    whole = run_query(store, find_query("corpus_shared_responsibilities"))[1]
    # 省发展改革委 and 省经济和信息化厅 share records in both 安徽省 documents (read in the sources)
    assert any(r[0] == "安徽省" and list(r[1:3]) == ["省发展改革委", "省经济和信息化厅"] and str(r[4]) == "2" for r in whole)
    assert {r[0] for r in whole} == {"安徽省", "全国"}


def test_the_pairs_graph_passes_the_shapes(built):
    import pyoxigraph as ox
    import pyshacl
    from rdflib import Graph, URIRef
    _, out = built
    store = ox.Store.read_only(str(out / "store"))
    data = ox.serialize(store.quads_for_pattern(None, None, None, ox.NamedNode(UNIT_PAIRS_GRAPH)),
                        format=ox.RdfFormat.N_QUADS)
    graph = Graph().parse(data=data.replace(f" <{UNIT_PAIRS_GRAPH}> .".encode(), b" ."), format="nt")
    assert len(graph) > 100
    assert pyshacl.validate(graph, shacl_graph=str(ROOT / "shapes.ttl"), inference="none")[0]
    assert len(set(graph.subjects(URIRef(PKG + "sharedRecords")))) > 10      # the shape's targets
    graph.remove((None, URIRef(PKG + "documentIds"), None))        # a pair without its documents: refused
    assert not pyshacl.validate(graph, shacl_graph=str(ROOT / "shapes.ttl"), inference="none")[0]


def test_a_unit_of_another_place_is_written_with_its_place():
    """As the question writes it: name（its place） when the unit serves another place than the documents."""
    elsewhere, a, c = ID + "place/p2", ID + "org/a", ID + "org/c"
    facts = ([PLACE], ["d_one"], [(ID + "doc/d1/record/1", [a, c])],
             {PLACE: [("某省", "")], elsewhere: [("某市", "")], a: [("甲局", "")], c: [("丙局", "")]},
             {a: [PLACE], c: [elsewhere]})
    # 丙 U+4E19 sorts before 甲 U+7532
    assert rows_of(pairs_block([(ID + "doc/d1", facts)])) == {(PLACE, "丙局（某市）", "甲局", 1, 1, "d_one")}
