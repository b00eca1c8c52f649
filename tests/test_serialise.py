"""A document's graph files, written from sorted triples, are rdflib's bytes (issue 18, item 1).

:func:`policykg.kg.publish.serialise` writes Turtle, N-Triples and JSON-LD with
:mod:`policykg.kg.serialise` (rdflib's writers reading a plain index instead of a store);
:func:`policykg.kg.publish.rdflib_serialise` is the reference, rdflib on a sorted copy. They must
agree byte for byte: on the seed as built, on the seed's committed files, and on a graph made of
the terms that rdflib writes in unusual ways.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from policykg.kg.publish import rdflib_serialise, serialise
from policykg.kg.serialise import serialisable

EX = Namespace("https://example.org/ns#")


def test_seed_files_are_rdflibs(built):
    fast, reference = serialise(built.graph), rdflib_serialise(built.graph)
    assert sorted(fast) == ["policykg.jsonld", "policykg.nt", "policykg.ttl"]
    for name in reference:
        assert fast[name] == reference[name], name


def test_seed_files_are_the_committed_ones(built):
    from conftest import SEED_DIR
    fast = serialise(built.graph)
    for name in ("policykg.ttl", "policykg.nt", "policykg.jsonld"):
        assert fast[name] == (SEED_DIR / name).read_bytes(), name


def awkward_graph() -> Graph:
    """Terms rdflib writes specially: multi-line and quoted strings, languages, numbers, booleans, a
    local name with parentheses or ending in a dot, an IRI of no bound namespace, a class
    (written first), a predicate needing a generated prefix, a subject referred to often."""
    g = Graph()
    g.bind("ex", EX)
    a, b, c = EX.a, EX["b(1)"], EX["end."]
    g.add((EX.Thing, RDF.type, RDFS.Class))
    g.add((a, RDF.type, EX.Thing))
    g.add((a, RDFS.label, Literal('two\nlines with "quotes" and \\ back')))
    g.add((a, RDFS.label, Literal("标签", lang="zh")))
    g.add((a, EX["count"], Literal(3)))
    g.add((a, EX.share, Literal("0.50", datatype=XSD.decimal)))
    g.add((a, EX.ratio, Literal(1.5e3)))
    g.add((a, EX.ok, Literal(True)))
    g.add((a, EX.year, Literal("2024", datatype=XSD.gYear)))
    g.add((a, EX.odd, Literal("x", datatype=URIRef("https://other.example/dt"))))
    g.add((a, URIRef("https://nowhere.example/p/q"), b))
    g.add((b, EX.next, c))
    g.add((c, EX.next, a))
    g.add((URIRef("https://nowhere.example/s"), EX.next, a))
    g.add((a, EX.text, Literal("line\u2028sep\x0bvt")))
    return g


def test_awkward_terms_are_written_as_rdflib_writes_them():
    graph = awkward_graph()
    fast, reference = serialise(graph), rdflib_serialise(graph)
    for name in reference:
        assert fast[name] == reference[name], name
    assert b"ex:Thing a rdfs:Class" in fast["policykg.ttl"]            # the class first, as rdflib puts it


def test_the_callers_graph_is_not_touched():
    graph = awkward_graph()
    before = sorted(graph.namespaces())
    serialise(graph)
    assert sorted(graph.namespaces()) == before and len(graph) == 15


def test_a_graph_with_blank_nodes_is_written_by_rdflib():
    graph = awkward_graph()
    node = BNode()
    graph.add((EX.a, EX.part, node))
    graph.add((node, RDFS.label, Literal("nested")))
    assert not serialisable(graph) and serialisable(awkward_graph())
    assert serialise(graph) == rdflib_serialise(graph)
