"""A document's named graph as corpus.nq holds it (kg/corpus_store.py named_graph): Oxigraph's N-Quads,
sorted, without the shared schemes. Most lines are kept as the build wrote them and only the others sent
through Oxigraph; the result must be Oxigraph's text for every line, whatever it holds (the terms
Oxigraph rewrites: ^^xsd:string dropped, language tags in lower case, escapes)."""

from __future__ import annotations

import pyoxigraph as ox

DOC = "https://w3id.org/policykg/id/doc/2024-01-01-abc"
XSD = "http://www.w3.org/2001/XMLSchema#"

LINES = [
    '<https://w3id.org/policykg/id/unit/a> <http://www.w3.org/2004/02/skos/core#prefLabel> "市财政局"@zh .',
    '<https://w3id.org/policykg/id/unit/a> <http://www.w3.org/2000/01/rdf-schema#label> "Finance"@EN .',
    '<https://w3id.org/policykg/id/unit/a> <http://www.w3.org/2000/01/rdf-schema#label> "Finance"@en-GB .',
    f'<https://w3id.org/policykg/id/unit/a> <https://w3id.org/policykg/ontology#text> "x"^^<{XSD}string> .',
    f'<https://w3id.org/policykg/id/unit/a> <https://w3id.org/policykg/ontology#position> "3"^^<{XSD}integer> .',
    f'<https://w3id.org/policykg/id/unit/a> <https://w3id.org/policykg/ontology#share> "0.50"^^<{XSD}decimal> .',
    f'<https://w3id.org/policykg/id/unit/a> <https://w3id.org/policykg/ontology#when> "2024-01-01"^^<{XSD}date> .',
    f'<https://w3id.org/policykg/id/unit/a> <https://w3id.org/policykg/ontology#other> "1"^^<{XSD}byte> .',
    '<https://w3id.org/policykg/id/unit/a> <https://w3id.org/policykg/ontology#text> "a\\tb\\nc \\"q\\" \\\\ d" .',
    '<https://w3id.org/policykg/id/unit/a> <https://w3id.org/policykg/ontology#text> "e\\u2028f\\u0085g\\u000Bh" .',
    '<https://w3id.org/policykg/id/unit/a> <https://w3id.org/policykg/ontology#text> "“引号”，全角。©" .',
    '<https://w3id.org/policykg/id/unit/%E5%B8%82> <https://w3id.org/policykg/ontology#unit> <https://w3id.org/policykg/id/unit/a> .',
    '<https://w3id.org/policykg/id/unit/a> <https://w3id.org/policykg/ontology#see> <https://w3id.org/policykg/id/unit/b?x=1#y> .',
    '<https://w3id.org/policykg/id/unit/a> <https://w3id.org/policykg/ontology#text> "\\u00e9t\\u00E9" .',
]


def oxigraph_text(lines: list[str]) -> bytes:
    """What Oxigraph writes for these N-Triples in graph DOC, line by line (with the line breaks of text
    escaped as the build escapes them: kg/publish.py ntriples_lines), sorted."""
    from policykg.kg.publish import ntriples_lines
    quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(DOC))
             for t in ox.parse("\n".join(lines).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)]
    text = ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode("utf-8")
    return ("\n".join(sorted(ntriples_lines(text))) + "\n").encode("utf-8")


def test_each_line_is_written_as_oxigraph_writes_it():
    from policykg.kg.corpus_store import named_graph
    for line in LINES:                       # one at a time: a line kept as it is must be Oxigraph's
        assert named_graph((line + "\n").encode("utf-8"), DOC, fmt="nt") == oxigraph_text([line]), line
    assert named_graph(("\n".join(LINES) + "\n").encode("utf-8"), DOC, fmt="nt") == oxigraph_text(LINES)


def test_the_shared_schemes_are_left_out():
    from policykg.kg.corpus_store import _shared_subjects, named_graph
    scheme = sorted(_shared_subjects())[0]
    lines = LINES[:2] + [f'{scheme} <http://www.w3.org/2004/02/skos/core#prefLabel> "类型"@zh .']
    assert named_graph(("\n".join(lines) + "\n").encode("utf-8"), DOC, fmt="nt") == oxigraph_text(LINES[:2])
