"""The scale bench's smoke version: 20 generated documents built as a corpus, then queried.

Correctness only (all built, counts consistent, lineage resolved); never timing — the
figures are ``make bench``'s (``bench/bench_corpus.py``).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from corpus_generator import generate  # noqa: E402

N = 20
PKG = "https://w3id.org/policykg/ontology#"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> list[Path]:
    return generate(N, tmp_path_factory.mktemp("generated"), seed=8)


@pytest.fixture(scope="module")
def corpus(generated, tmp_path_factory):
    from policykg.kg.corpus import build_corpus
    from policykg.use.analysis_graph import analysis_quads
    out = tmp_path_factory.mktemp("corpus") / "out"
    return build_corpus([generated[0].parent], out, jobs=2, doc_files="lean", analysis=analysis_quads), out


def test_generator_is_deterministic_and_makes_no_copies(generated, tmp_path):
    again = generate(N, tmp_path, seed=8)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in generated]
    assert len({hashlib.sha256(p.read_bytes()).hexdigest() for p in generated}) == N
    originals = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (ROOT / "sources").rglob("*.txt")}
    assert not originals & {hashlib.sha256(p.read_bytes()).hexdigest() for p in generated}
    other = generate(3, tmp_path / "other", seed=9)
    assert [p.read_bytes() for p in other] != [p.read_bytes() for p in generated[:3]]


def test_every_generated_document_builds_with_its_own_identity(corpus):
    result, out = corpus
    entries = result.entries
    assert len(entries) == N and all(e["status"] == "built" for e in entries), \
        [(e["id"], e.get("error")) for e in entries if e["status"] != "built"]
    assert len({e["iri"] for e in entries}) == N and len({e["title"] for e in entries}) == N
    assert len({e["jurisdiction"] for e in entries}) >= 8                   # varied jurisdictions
    assert {e["level"] for e in entries} == {"国家", "省", "市", "县"}
    assert all(e["counts"]["responsibility_records"] > 0 for e in entries)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"] == {"documents": N, "built": N, "failed": 0, "duplicate": 0}
    for e in entries:                        # lean: no rdflib .nt/.jsonld per document
        names = {p.name for p in (out / "docs" / e["id"]).iterdir()}
        assert {"policykg.ttl", "report.json"} <= names and not names & {"policykg.nt", "policykg.jsonld"}


def test_corpus_counts_are_consistent(corpus):
    import pyoxigraph as ox

    from policykg.kg.corpus import LINEAGE_GRAPH, SHARED_GRAPH
    result, out = corpus
    per_graph = Counter(line.rstrip(" .").rsplit(" <", 1)[1].rstrip(">")
                        for line in (out / "corpus.nq").read_text(encoding="utf-8").splitlines() if line.strip())
    docs = {e["iri"] for e in result.entries}
    analysis = "https://w3id.org/policykg/id/graph/analysis"          # the analytics written back, when built
    pairs = "https://w3id.org/policykg/id/graph/unit-pairs"           # corpus_shared_responsibilities' rows
    assert per_graph[pairs] >= N                                      # every document marked counted, and rows
    assert set(per_graph) - {analysis, pairs} == docs | {SHARED_GRAPH} | ({LINEAGE_GRAPH} if result.links else set())
    assert per_graph.get(LINEAGE_GRAPH, 0) == len(result.links)
    store = ox.Store.read_only(str(out / "store"))
    in_store = Counter(q.graph_name.value for q in store if isinstance(q.graph_name, ox.NamedNode))
    assert in_store == per_graph                             # every named graph loaded whole
    for e in result.entries:                                 # a named graph is the document minus the schemes
        assert 0 < per_graph[e["iri"]] <= e["counts"]["triples"]


def test_generated_citations_resolve_to_corpus_documents(corpus):
    result, _ = corpus
    docs = {e["iri"] for e in result.entries}
    assert result.links, "the generator makes some documents cite others"
    assert all(a in docs and b in docs and a != b for a, _, b in result.links)


def test_one_query_on_the_corpus_store(corpus):
    from policykg.kg.store import execute, open_graph
    from policykg.kg.query import execute_query, library
    result, out = corpus
    store = open_graph(str(out / "store"))
    _, _, rows = execute(store, f"SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ ?d a <{PKG}PolicyDocument> }}")
    assert int(rows[0][0].value) == N
    answer = execute_query(store, library()["shared_responsibilities"])
    assert answer.kind == "select" and answer.rows


@pytest.mark.parametrize("name", ["cross_community_pairs", "corpus_shared_responsibilities"])
def test_a_precomputed_question_answers_as_the_text_it_replaces(corpus, name):
    """Read from the pairs the build counts (pkg:CrossCommunityPair per document's analysis; pkg:UnitPair per
    jurisdiction, kg/unit_pairs.py), the answer is that of the text that paired every record's units at question
    time (tests/fixtures/queries_before/), whole corpus and one document."""
    from policykg.kg.query import find_query, parse_query_file, run_query
    from policykg.kg.store import open_graph
    result, out = corpus
    store = open_graph(str(out / "store"))
    before = parse_query_file(ROOT / "tests" / "fixtures" / "queries_before" / f"{name}.rq")
    for doc in (None, result.entries[3]["id"]):
        new = run_query(store, find_query(name), doc=doc)
        assert new[1] and new == run_query(store, before, doc=doc), doc
