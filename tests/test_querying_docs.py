"""Every example of docs/querying.md runs on the bundled corpus and returns rows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from corpus_build import corpus_store

from policykg.kg.store import execute

DOC = Path(__file__).resolve().parents[1] / "docs" / "querying.md"
PREFIXES = re.search(r"```\n(PREFIX[\s\S]*?)```", DOC.read_text(encoding="utf-8")).group(1)
EXAMPLES = re.findall(r"```sparql\n([\s\S]*?)```", DOC.read_text(encoding="utf-8"))


def test_the_page_has_three_patterns_at_least():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("text", EXAMPLES, ids=[f"example{i + 1}" for i in range(len(EXAMPLES))])
def test_example_returns_rows(text):
    kind, columns, rows = execute(corpus_store(), PREFIXES + text)
    assert kind == "select" and rows, text
    assert all(any(v is not None for v in row) for row in rows)


def test_every_role_is_documented_with_its_iri_and_labels():
    """Issue 17, item 7: the role IRIs had to be guessed (failed before: no pkg:CoRole in the page)."""
    import rdflib
    from rdflib.namespace import RDF, RDFS
    ontology = rdflib.Graph().parse(DOC.parents[1] / "ontology.ttl", format="turtle")
    pkg = rdflib.Namespace("https://w3id.org/policykg/ontology#")
    roles = sorted(ontology.subjects(RDF.type, pkg.ResponsibilityRole))
    assert len(roles) == 3
    page = DOC.read_text(encoding="utf-8")
    for role in roles:
        assert f"`pkg:{role.removeprefix(str(pkg))}`" in page and f"<{role}>" in page, role
        for label in ontology.objects(role, RDFS.label):
            assert str(label) in page, (role, label)
