"""The compiled shapes count what pySHACL reports (issue 18, item 1).

:func:`policykg.kg.validate.validate_graph` lets :mod:`policykg.kg.shape_check` decide that a graph
conforms with nothing to report; anything it finds goes to pySHACL. That is only right if the
compiled count is pySHACL's: here both count the results (violations, warnings) of the seed as
built, of graphs broken on purpose one constraint at a time, of the progress graphs with the
ontology, and of a document missing the fields a warning-severity shape asks for.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from policykg.kg.shape_check import compile_shapes, count_results
from policykg.kg.validate import _pyshacl, validate_graph
from policykg.resources import shapes_path

ROOT = Path(__file__).resolve().parents[1]
PKG = Namespace("https://w3id.org/policykg/ontology#")


@pytest.fixture(scope="module")
def compiled():
    shapes = compile_shapes(Graph().parse(shapes_path(), format="turtle"))
    assert shapes is not None, "shapes.ttl uses a constraint the compiler does not know"
    return shapes


def pyshacl_counts(graph) -> tuple[int, int]:
    result = _pyshacl(graph, Path(shapes_path()))
    return result.violations, result.warnings


def copy(graph) -> Graph:
    out = Graph()
    for prefix, ns in graph.namespaces():
        out.bind(prefix, ns)
    out += graph
    return out


def test_the_seed_conforms_as_pyshacl_says(built, compiled):
    assert count_results(built.graph, compiled) == pyshacl_counts(built.graph) == (0, 0)
    fast, slow = validate_graph(built.graph), _pyshacl(built.graph, Path(shapes_path()))
    assert (fast.conforms, fast.violations, fast.warnings) == (True, 0, 0)
    assert fast.text == slow.text and "Conforms: True" in fast.text      # pySHACL's text, when read


def broken_graphs(graph):
    """The seed broken one way at a time, for a sample of its predicates: values dropped, an extra
    literal or IRI, an ill-typed or empty value, a value node's class dropped."""
    rnd = random.Random(18)
    chosen = [PKG.taskNumber, PKG.deadlineKind, PKG.hasPillar, PKG.leadUnit, PKG.unit, PKG.role,
              PKG.comparator, URIRef("https://schema.org/value"), URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"),
              URIRef("http://www.w3.org/ns/org#classification"), DCTERMS.title, DCTERMS.issued, PKG.dueDate,
              PKG.startLine]
    for p in chosen:
        subjects = sorted(set(graph.subjects(p, None)))
        if not subjects:
            continue
        s = rnd.choice(subjects)
        o = next(iter(graph.objects(s, p)))
        for name, change in (("drop", lambda g: g.remove((s, p, None))),
                             ("extra literal", lambda g: g.add((s, p, Literal("x y")))),
                             ("extra IRI", lambda g: g.add((s, p, URIRef("https://example.org/other")))),
                             ("ill-typed", lambda g: (g.remove((s, p, o)), g.add((s, p, Literal("abc", datatype=XSD.integer))))),
                             ("empty", lambda g: (g.remove((s, p, o)), g.add((s, p, Literal(""))))),
                             ("class dropped", lambda g: g.remove((o, RDF.type, None)))):
            broken = copy(graph)
            change(broken)
            yield f"{p} {name}", broken


def test_broken_graphs_are_counted_as_pyshacl_counts_them(built, compiled):
    found = 0
    for label, graph in broken_graphs(built.graph):
        expected = pyshacl_counts(graph)
        assert count_results(graph, compiled) == expected, label
        found += expected != (0, 0)
    assert found >= 40          # the sample does break things: most changes are caught


def test_progress_graphs_with_the_ontology(compiled):
    lines = [line for line in (ROOT / "graph" / "corpus.nq").read_text(encoding="utf-8").splitlines()
             if "/graph/progress/" in line]
    graph = Graph()
    graph.parse(data="".join(line.rsplit(" ", 2)[0] + " .\n" for line in lines), format="nt")
    graph.parse(ROOT / "ontology.ttl")      # with rdfs:subClassOf: class targets reach subclasses
    assert count_results(graph, compiled) == pyshacl_counts(graph)
    update = next(graph.subjects(RDF.type, PKG.StatusUpdate))
    graph.remove((update, PKG.status, None))
    assert count_results(graph, compiled) == pyshacl_counts(graph) != (0, 0)


def test_a_warning_shape_reports_as_pyshacl_does(built, compiled):
    """DatedDocumentShape is of severity sh:Warning, its property shapes are not: pySHACL reports a missing
    date as a violation result, yet the graph conforms — so does validate_graph."""
    graph = copy(built.graph)
    doc = next(graph.subjects(RDF.type, PKG.PolicyDocument))
    graph.remove((doc, DCTERMS.issued, None))
    assert count_results(graph, compiled) == pyshacl_counts(graph) == (1, 0)
    result = validate_graph(graph)
    assert (result.conforms, result.violations) == (True, 1) and "issue date" in result.text


def test_shapes_beyond_the_compiler_go_to_pyshacl():
    shapes = Graph().parse(shapes_path(), format="turtle")
    shape = next(shapes.subjects(RDF.type, URIRef("http://www.w3.org/ns/shacl#NodeShape")))
    shapes.add((shape, URIRef("http://www.w3.org/ns/shacl#closed"), Literal(True)))
    assert compile_shapes(shapes) is None
