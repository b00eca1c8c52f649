"""Shared fixtures: the bundled document, one build of it, the committed graph.

Questions are answered by Oxigraph: ``committed_graph`` is the committed
``graph/policykg.ttl`` (plus the ontology) in an in-memory pyoxigraph store, as
``policykg query --graph graph/policykg.ttl`` reads it; ``committed_store`` is a
persistent store written from it the way ``policykg build`` writes
``graph/store`` (which is not committed). rdflib readings of the same files
(``committed_rdflib``) are for tests that check the store against a second
engine or count triples without SPARQL.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", category=DeprecationWarning, module="jieba")

ROOT = Path(__file__).resolve().parents[1]
#: The seed document's folder in the built corpus (graph/docs/<id>/, laid out as a one-document build).
SEED_DIR = ROOT / "graph" / "docs" / "000_4cdbba2a142b4d11"
SOURCE = ROOT / "sources" / "000_4cdbba2a142b4d11.txt"
GRAPH_TTL = SEED_DIR / "policykg.ttl"
GRAPH_NT = SEED_DIR / "policykg.nt"
ONTOLOGY = ROOT / "ontology.ttl"


def pytest_configure(config) -> None:
    """Give the suite the store ``make graph`` writes, on a fresh clone too.

    ``graph/store`` is not committed (RocksDB's bytes are not deterministic), but
    ``graph/corpus.nq`` is: the store is built from it exactly as a corpus build
    builds it (:func:`policykg.kg.corpus.write_corpus_store`), before collection, so
    the tests of the store, the editor, the source view and the exports run in CI
    instead of skipping. An existing store is left as it is.
    """
    import os
    import shutil
    store, quads = ROOT / "graph" / "store", ROOT / "graph" / "corpus.nq"
    if (store / "CURRENT").is_file() or not quads.is_file():
        return
    from policykg.kg.corpus import write_corpus_store
    staging = store.with_name(f".store-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    write_corpus_store(staging, quads)
    os.replace(staging, store)


@pytest.fixture(scope="session")
def source_path() -> Path:
    return SOURCE


@pytest.fixture(scope="session")
def source_lines() -> list[str]:
    return SOURCE.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="session")
def built():
    """One full build of the bundled document (read → … → validate)."""
    from policykg.kg.pipeline import build
    return build(SOURCE)


@pytest.fixture(scope="session")
def extraction(built):
    return built.linked.extraction


@pytest.fixture(scope="session")
def tasks(extraction):
    return {t.number: t for t in extraction.task_list.tasks}


@pytest.fixture(scope="session")
def committed_graph():
    from policykg.kg.store import open_graph
    return open_graph(str(GRAPH_TTL))


@pytest.fixture(scope="session")
def committed_store(tmp_path_factory):
    """A persistent store of the committed graph, written as the build writes ``graph/store``."""
    from policykg.kg.store import open_graph, write_store
    folder = write_store(tmp_path_factory.mktemp("store") / "store", GRAPH_NT.read_bytes())
    return open_graph(str(folder))


@pytest.fixture(scope="session")
def committed_rdflib():
    """The committed graph and the ontology read by rdflib: the second engine of the agreement tests."""
    from rdflib import Graph
    graph = Graph()
    graph.parse(GRAPH_TTL, format="turtle")
    graph.parse(ONTOLOGY, format="turtle")
    return graph


@pytest.fixture(scope="session")
def run_stored(committed_graph):
    """Run a stored query on the committed graph: name → list of row dicts."""
    from policykg.kg.query import find_query, run_query

    def run(name: str, **params):
        columns, rows = run_query(committed_graph, find_query(name), {k: str(v) for k, v in params.items()})
        return [dict(zip(columns, row)) for row in rows]
    return run
