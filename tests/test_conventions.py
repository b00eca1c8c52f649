"""The literal convention and the super-properties of ontology.ttl hold in the built graphs.

Convention (ontology.ttl's comment, docs/querying.md): document data carries plain strings
and typed values, never a language tag — except a unit's English name (rdfs:label @en);
the vocabulary (ontology, unit types, topics) is bilingual @zh/@en. Every pkg property
states its literal in an rdfs:comment ("literal: plain string", "literal: xsd:integer" …).
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
from corpus_build import corpus_store
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, OWL, RDF, RDFS, SKOS, XSD

from policykg.kg.store import execute
from policykg.kg.terms import PKG

ROOT = Path(__file__).resolve().parents[1]
NS = str(PKG._NS)
#: Vocabulary nodes: bilingual, tagged @zh/@en.
VOCABULARY = ("https://w3id.org/policykg/id/unit-type", "https://w3id.org/policykg/id/topic", NS)
#: Text properties of the vocabulary, always tagged.
VOCABULARY_TEXT = {RDFS.label, RDFS.comment, SKOS.prefLabel, SKOS.altLabel, SKOS.definition, DCTERMS.title}
KINDS = {"plain string": XSD.string, "xsd:integer": XSD.integer, "xsd:decimal": XSD.decimal,
         "xsd:boolean": XSD.boolean, "xsd:date": XSD.date, "xsd:gYear": XSD.gYear}
#: Declared properties that may have no rows on the bundled corpus, with the reason.
NO_ROWS: dict[str, str] = {}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ROOT / "ontology.ttl")


def declared_properties(g: Graph) -> dict[str, str]:
    """pkg property → its literal kind as the ontology's rdfs:comment states it."""
    out = {}
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in g.subjects(RDF.type, kind):
            comments = [str(c) for c in g.objects(prop, RDFS.comment)]
            found = [m.group(1) for c in comments if (m := re.match(r"literal: ([^.]+)\.", c))]
            out[str(prop)[len(NS):]] = found[0] if found else ""
    return out


def literal_kind(lit: Literal) -> str:
    if lit.language:
        return "@" + lit.language
    return next((k for k, dt in KINDS.items() if (lit.datatype or XSD.string) == dt), str(lit.datatype))


def test_every_property_states_its_literal(ontology):
    props = declared_properties(ontology)
    assert props and all(props.values()), [p for p, k in props.items() if not k]
    for prop, kind in props.items():
        assert kind in KINDS or kind.startswith("none"), (prop, kind)
        is_datatype = (URIRef(NS + prop), RDF.type, OWL.DatatypeProperty) in ontology
        assert is_datatype == (kind in KINDS), prop


def test_the_ontology_states_the_convention(ontology):
    text = " ".join(str(c) for c in ontology.objects(URIRef("https://w3id.org/policykg/ontology"), RDFS.comment))
    assert "Literal convention" in text and "plain strings" in text and "@en" in text


def test_every_literal_of_the_seed_follows_the_convention(built, ontology):
    declared = declared_properties(ontology)
    units = set(built.graph.subjects(RDF.type, ORG.Organization))
    seen: dict[str, set[str]] = defaultdict(set)
    bad = []
    for s, p, o in built.graph:
        if not isinstance(o, Literal):
            continue
        kind = literal_kind(o)
        if str(s).startswith(VOCABULARY):
            if kind not in ("@zh", "@en") and p in VOCABULARY_TEXT:
                bad.append((s, p, o))
            continue
        if kind.startswith("@") and not (kind == "@en" and p == RDFS.label and s in units):
            bad.append((s, p, o))
        seen[str(p)].add(kind)
    assert not bad, bad[:5]
    for prop, kinds in seen.items():
        if prop.startswith(NS):
            assert kinds == {declared[prop[len(NS):]]}, (prop, kinds)
        else:   # reused properties: one kind each (rdfs:label of units also @en)
            assert len(kinds - {"@en"}) == 1, (prop, kinds)


@pytest.mark.parametrize("pattern", [
    'SELECT ?u WHERE { ?u skos:prefLabel "市财政局" }',
    'SELECT ?p WHERE { ?p foaf:name "杨光飞" }',
    'SELECT ?t WHERE { ?t dcterms:title "强化财税政策保障" }',
    'SELECT ?t WHERE { ?t rdfs:label "强化财税政策保障" }',
    'SELECT ?q WHERE { ?q pkg:surface "达到70%以上" }',
    'SELECT ?r WHERE { ?r pkg:writtenName "市财政局" }',
])
def test_names_match_as_written(pattern):
    prefixes = ("PREFIX pkg: <%s> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
                "PREFIX foaf: <http://xmlns.com/foaf/0.1/> PREFIX dcterms: <http://purl.org/dc/terms/> "
                "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> " % NS)
    _, _, rows = execute(corpus_store(), prefixes + pattern)
    assert rows, pattern


def test_every_declared_super_property_is_materialised(built, ontology):
    pairs = list(ontology.subject_objects(RDFS.subPropertyOf))
    assert (PKG.leadUnit, PKG.assignedUnit) in pairs
    for child, parent in pairs:
        for s, o in built.graph.subject_objects(child):
            assert (s, parent, o) in built.graph, (s, child, parent, o)


def test_assigned_unit_is_every_role():
    q = ("PREFIX pkg: <%s> SELECT (COUNT(*) AS ?n) WHERE { ?r pkg:assignedUnit ?u }" % NS,
         "PREFIX pkg: <%s> SELECT (COUNT(*) AS ?n) WHERE { ?r pkg:leadUnit|pkg:coUnit|pkg:jointUnit ?u }" % NS)
    counts = [int(execute(corpus_store(), text)[2][0][0].value) for text in q]
    assert counts[0] == counts[1] > 0


def test_every_declared_property_has_rows_on_the_corpus(ontology):
    store = corpus_store()
    empty = []
    for prop in sorted(declared_properties(ontology)):
        _, _, rows = execute(store, f"ASK {{ ?s <{NS}{prop}> ?o }}".replace("ASK", "SELECT ?s WHERE", 1) + " LIMIT 1")
        if not rows and prop not in NO_ROWS:
            empty.append(prop)
    assert not empty, f"declared but never stated: {empty} (materialise, drop, or list in NO_ROWS with the reason)"
