"""One build, one output layout (issue 15): a document built alone is a corpus of one.

``policykg build FILE`` and ``policykg build FILE FILE…`` take the same code path and lay
their folders out the same way (``docs/output-layout.md``); the one-document build adds
the document's files at the top, as links to ``docs/<folder>/``. Every command that is
given a path asks :func:`policykg.kg.layout.resolve` what it is.
"""

from __future__ import annotations

import ast
import os
import shutil
from pathlib import Path

import pytest

from policykg.cli import main
from policykg.kg.layout import (CORPUS_NQ, DOCS_DIR, DOCUMENT_FILES, MANIFEST, ONE_DOCUMENT_FILES, REPORT, STORE_DIR,
                                doc_folder, resolve)

ROOT = Path(__file__).resolve().parents[1]
SEED = "000_4cdbba2a142b4d11"
OTHER = ROOT / "sources" / "dev" / "05_guofa_2018_39_employment.txt"


def tree(folder: Path) -> set[str]:
    """Every path below ``folder`` but inside the store (RocksDB's own file names)."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if STORE_DIR not in p.relative_to(folder).parts}


@pytest.fixture(scope="module")
def builds(tmp_path_factory, source_path):
    """The seed built alone, and the seed in a corpus of two; both with pages."""
    base = tmp_path_factory.mktemp("layout")
    assert main(["build", str(source_path), "--out", str(base / "alone"), "--pages"]) == 0
    assert main(["build", str(source_path), str(OTHER), "--out", str(base / "corpus"), "--pages"]) == 0
    return base / "alone", base / "corpus"


def test_layout_one_document_is_laid_out_as_a_corpus(builds):
    alone, corpus = builds
    seed = Path(DOCS_DIR) / doc_folder(SEED)
    for folder in (alone, corpus):
        assert {MANIFEST, CORPUS_NQ, DOCS_DIR, STORE_DIR} <= {p.name for p in folder.iterdir()}
        assert resolve(folder).store == str(folder / STORE_DIR)
    # the seed's folder: the same names, the same bytes (analysis and pages included)
    mine = {p.name: p.read_bytes() for p in (alone / seed).iterdir()}
    assert mine == {p.name: p.read_bytes() for p in (corpus / seed).iterdir()}
    assert set(DOCUMENT_FILES) | {"analysis.nq", "graph.html", "source.html"} <= set(mine)
    # below docs/ and at the top, the corpus has nothing the one document lacks but its other document
    other = Path(DOCS_DIR) / doc_folder(OTHER.stem)
    # … and the follow-up dashboard, a page of the corpus (a document alone has its own pages only)
    assert tree(corpus) - tree(alone) == ({str(other)} | {str(other / n) for n in os.listdir(corpus / other)}
                                          | {"dashboard.html"})


def test_layout_one_document_adds_its_files_at_the_top_as_links(builds):
    alone, corpus = builds
    extras = {p.name for p in alone.iterdir()} - {p.name for p in corpus.iterdir()}
    assert extras == set(ONE_DOCUMENT_FILES) - {"units.html"}          # units.html: the corpus's own page there
    inside = alone / DOCS_DIR / doc_folder(SEED)
    for name in ONE_DOCUMENT_FILES:
        assert os.path.samefile(alone / name, inside / name) or \
            (alone / name).read_bytes() == (inside / name).read_bytes(), name


def test_layout_resolve_knows_every_path(builds, tmp_path):
    alone, _ = builds
    assert (resolve(alone).kind, resolve(alone).folder) == ("output", str(alone))
    store = resolve(alone / STORE_DIR)
    assert (store.kind, store.folder, store.corpus_nq) == ("store", str(alone), str(alone / CORPUS_NQ))
    ttl = resolve(alone / "policykg.ttl")
    assert (ttl.kind, ttl.graph, ttl.folder) == ("file", str(alone / "policykg.ttl"), str(alone))
    assert ttl.document_file(SEED, REPORT) == str(alone / DOCS_DIR / doc_folder(SEED) / REPORT)
    assert resolve(tmp_path).kind == "empty" and resolve(tmp_path / "nothing").kind == "missing"
    copied = tmp_path / "copied"                       # an output folder without its store: its corpus.nq
    shutil.copytree(alone, copied, ignore=shutil.ignore_patterns(STORE_DIR))
    assert (resolve(copied).store, resolve(copied).graph) == (None, str(copied / CORPUS_NQ))


def test_layout_every_command_opens_every_output(builds, capsys):
    """query on the folder, its store, its Turtle and a copy without the store; push finds the corpus from the store."""
    from policykg.use.push import corpus_file
    alone, _ = builds
    answers = []
    for graph in (alone, alone / STORE_DIR, alone / "policykg.ttl", alone / CORPUS_NQ):
        assert main(["query", "unit_workload", "--format", "csv", "--graph", str(graph)]) == 0
        answers.append(capsys.readouterr().out)
    assert answers[0].count("\n") == 43 and all(a == answers[0] for a in answers)
    assert corpus_file(alone / STORE_DIR) == alone / CORPUS_NQ


def _imports(module: str) -> set[str]:
    """The policykg modules ``module`` imports anywhere in its text (lazy imports inside functions too)."""
    path = ROOT / "src" / Path(*module.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    src = ROOT / "src"
    return {m for m in found if m.startswith("policykg.") and
            ((src / Path(*m.split("."))).with_suffix(".py").is_file() or (src / Path(*m.split("."))).is_dir())}


def test_layout_the_build_imports_no_use():
    """The build — kg.corpus and everything it imports, lazily or not — reaches nothing of use/: the
    analysis and the pages come in as functions from the command line."""
    seen, todo = set(), ["policykg.kg.corpus"]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo += sorted(_imports(module) - seen)
    assert "policykg.kg.pipeline" in seen and "policykg.kg.document_build" in seen
    assert sorted(m for m in seen if m.startswith("policykg.use")) == []
