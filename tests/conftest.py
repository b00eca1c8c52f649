"""Shared fixtures: the bundled document, one build of it, the committed graph."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", category=DeprecationWarning, module="jieba")

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "sources" / "000_4cdbba2a142b4d11.txt"
GRAPH_TTL = ROOT / "graph" / "policykg.ttl"


@pytest.fixture(scope="session")
def source_path() -> Path:
    return SOURCE


@pytest.fixture(scope="session")
def source_lines() -> list[str]:
    return SOURCE.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="session")
def built():
    """One full build of the bundled document (read → … → validate)."""
    from policykg.pipeline import build
    return build(SOURCE)


@pytest.fixture(scope="session")
def extraction(built):
    return built.linked.extraction


@pytest.fixture(scope="session")
def tasks(extraction):
    return {t.number: t for t in extraction.tasks}


@pytest.fixture(scope="session")
def committed_graph():
    from policykg.query import load_graph
    return load_graph(str(GRAPH_TTL))


@pytest.fixture(scope="session")
def run_stored(committed_graph):
    """Run a stored query on the committed graph: name → list of row dicts."""
    from policykg.query import find_query, run_query

    def run(name: str, **params):
        columns, rows = run_query(committed_graph, find_query(name), {k: str(v) for k, v in params.items()})
        return [dict(zip(columns, row)) for row in rows]
    return run
