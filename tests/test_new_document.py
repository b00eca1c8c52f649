"""Issue 17's done-when: a built corpus, then a new document and its sidecar dropped in ``sources/`` and
rebuilt, gives the document its jurisdiction and date without ``--force`` — through the command line, as an
analyst with a fresh clone does it (``make graph`` is ``policykg build``).

The new document is the bundled 青岛 plan: its text has no title, issuer or date line (its sidecar says the
title line is not in the source text), so its jurisdiction and date can come from ``NAME.src.json`` alone:
issuer 青岛市人民政府办公厅, date 2024-06-06.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from policykg.cli import main

DEV = Path(__file__).resolve().parents[1] / "sources" / "dev"
BASE = "05_guofa_2018_39_employment"          # the smallest bundled document: the corpus of the clone
NEW = "22_qingdao_ocean_ai_models_2024"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def docs(capsys, graph: Path) -> dict[str, dict]:
    code, out, err = run(capsys, "docs", "--graph", graph, "--format", "csv")
    assert code == 0, err
    return {row["doc"]: row for row in csv.DictReader(io.StringIO(out))}


def drop(sources: Path, name: str, *suffixes: str) -> None:
    for suffix in suffixes:
        shutil.copyfile(DEV / f"{name}{suffix}", sources / f"{name}{suffix}")


@pytest.fixture
def clone(tmp_path, capsys):
    """A corpus of one bundled document, built: ``(sources, graph)``."""
    sources, graph = tmp_path / "sources", tmp_path / "graph"
    sources.mkdir()
    drop(sources, BASE, ".txt", ".src.json")
    code, _, err = run(capsys, "build", sources, "--out", graph, "--jobs", "1")
    assert code == 0, err
    return sources, graph


def test_a_new_document_and_its_sidecar_build_with_their_metadata(clone, capsys):
    sources, graph = clone
    drop(sources, NEW, ".txt", ".src.json")
    code, out, err = run(capsys, "build", sources, "--out", graph, "--jobs", "1")   # no --force
    assert code == 0, err
    assert "(1 rebuilt, 1 unchanged)" in out and f"new 1 ({NEW})" in out
    row = docs(capsys, graph)[NEW]
    assert (row["jurisdiction"], row["issued"], row["level"]) == ("青岛市", "2024-06-06", "市")


def test_a_sidecar_added_after_its_document_is_read_on_the_next_build(clone, capsys):
    """The analyst's path in issue 17: the text first (built with no jurisdiction, no date), then its sidecar;
    the rebuild printed '0 rebuilt' and kept '?' before the reuse keyed on the sidecar."""
    sources, graph = clone
    drop(sources, NEW, ".txt")
    assert run(capsys, "build", sources, "--out", graph, "--jobs", "1")[0] == 0
    row = docs(capsys, graph)[NEW]
    assert (row["jurisdiction"], row["issued"]) in {("", ""), ("?", "?")}
    drop(sources, NEW, ".src.json")
    code, out, err = run(capsys, "build", sources, "--out", graph, "--jobs", "1")   # no --force
    assert code == 0 and "(1 rebuilt, 1 unchanged)" in out and "changed sidecar" in out, out + err
    row = docs(capsys, graph)[NEW]
    assert (row["jurisdiction"], row["issued"]) == ("青岛市", "2024-06-06")
    # its units are units of 青岛市 now, not of no jurisdiction (grep: the text writes 市发展改革委 9 times)
    code, out, _ = run(capsys, "query", "unit_duties", "--param", "unit=市发改委", "--graph", graph, "--format", "csv")
    assert code == 0 and [line.split(",")[:2] for line in out.splitlines()[1:]] == [[NEW, "青岛市"]]
