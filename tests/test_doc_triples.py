"""A document built without an rdflib store behind it states the same graph (issue 18, item 1).

The build keeps a document's triples in :class:`policykg.kg.doc_triples.DocumentTriples` and makes
the rdflib graph only when asked; the named graph's N-Quads are cut from the published N-Triples
lines. Both must say exactly what the store-backed build said: the same triples and prefixes, the
same count in the report, the same quads whichever file of the document they are made from.
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.compare import to_isomorphic

from policykg.kg.corpus_store import named_graph
from policykg.kg.doc_triples import DocumentTriples


def test_the_graph_holds_the_triples_and_prefixes(built):
    triples = built.triples
    graph = built.graph
    assert isinstance(graph, Graph) and isinstance(triples, DocumentTriples)
    assert set(graph) == set(triples) and len(graph) == len(triples)
    assert built.report["counts"]["triples"] == len(graph)
    assert dict(graph.namespaces())["pkg"] == URIRef("https://w3id.org/policykg/ontology#")
    assert sorted(graph.namespaces()) == sorted(triples.namespaces())


def test_the_graph_is_the_seeds_committed_turtle(built):
    from conftest import SEED_DIR
    committed = Graph().parse(SEED_DIR / "policykg.ttl", format="turtle")
    assert to_isomorphic(committed) == to_isomorphic(built.graph)


def test_duplicates_count_once_as_in_a_graph():
    triples = DocumentTriples()
    s, p = URIRef("https://example.org/s"), URIRef("https://example.org/p")
    for o in (Literal("x"), Literal("x"), URIRef("https://example.org/o"), URIRef("https://example.org/o")):
        triples.add((s, p, o))
    triples += [(s, p, Literal("x"))]
    assert len(triples) == 2 == len(triples.graph())
    triples.add((s, p, Literal("y")))              # added after the graph was made: in it too
    assert len(triples.graph()) == 3


def test_named_graph_from_the_ntriples_is_the_one_from_the_turtle(built):
    files = built.files()
    doc = str(next(iter(built.graph.subjects(
        URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        URIRef("https://w3id.org/policykg/ontology#PolicyDocument")))))
    from_nt = named_graph(files["policykg.nt"], doc, fmt="nt")
    assert from_nt == named_graph(files["policykg.ttl"], doc)
    assert from_nt.endswith(b"\n") and all(line.endswith(f" <{doc}> .".encode()) for line in from_nt.splitlines())


def test_named_graph_writes_oxigraphs_terms():
    """Oxigraph's N-Quads: ``^^xsd:string`` dropped, language tags lower-cased, tabs and control
    characters escaped; the line breaks of ``ntriples_lines`` escaped; sorted."""
    nt = ('<https://e.org/s> <https://e.org/p> "x"^^<http://www.w3.org/2001/XMLSchema#string> .\n'
          '<https://e.org/s> <https://e.org/p> "a\tb\u0085c"@EN-us .\n'
          '<https://e.org/a> <https://e.org/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n').encode()
    assert named_graph(nt, "https://e.org/g", fmt="nt").decode().splitlines() == [
        '<https://e.org/a> <https://e.org/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> <https://e.org/g> .',
        '<https://e.org/s> <https://e.org/p> "a\\tb\\u0085c"@en-us <https://e.org/g> .',
        '<https://e.org/s> <https://e.org/p> "x" <https://e.org/g> .',
    ]
