"""The closed vocabulary and ontology.ttl agree; every term is labelled in zh and en."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from policykg.kg.terms import PKG

ROOT = Path(__file__).resolve().parents[1]
NS = str(PKG._NS)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ROOT / "ontology.ttl")


def declared(g: Graph) -> set[str]:
    return {str(s)[len(NS):] for s in set(g.subjects()) if str(s).startswith(NS)}


def test_vocab_matches_the_ontology(ontology):
    assert set(PKG.__annotations__) == declared(ontology)


def test_vocab_is_closed():
    with pytest.raises(AttributeError):
        PKG.NoSuchTerm  # noqa: B018


@pytest.mark.parametrize("predicate", [RDFS.label, SKOS.definition])
def test_every_term_has_chinese_and_english(ontology, predicate):
    for name in declared(ontology):
        langs = {lit.language for lit in ontology.objects(URIRef(NS + name), predicate)}
        assert {"zh", "en"} <= langs, (name, predicate)


def test_every_term_used_in_the_graph_is_declared(built):
    used = {str(t) for triple in built.graph for t in triple if isinstance(t, URIRef) and str(t).startswith(NS)}
    assert {u[len(NS):] for u in used} <= declared(Graph().parse(ROOT / "ontology.ttl"))


def test_ontology_is_owl(ontology):
    assert (URIRef("https://w3id.org/policykg/ontology"), RDF.type, OWL.Ontology) in ontology
