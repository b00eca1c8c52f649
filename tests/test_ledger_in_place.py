"""``policykg ledger import`` updates the built output in place (issue 18, item 2): the report's named graph and
its copy in the merged default graph put into a checkpoint of the store, nothing reloaded — and the result is
the store a full load of the same corpus.nq gives, the corpus.nq a fresh build with the same ledgers writes.
A killed import leaves the old output as it was, and the next one takes over."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "sources" / "000_4cdbba2a142b4d11.txt", ROOT / "sources/dev/01_baotou_digital_gov_assessment_2022.txt",
        ROOT / "sources/dev/01_baotou_digital_gov_assessment_2022.src.json"]
LEDGERS = sorted((ROOT / "sources" / "ledgers").glob("*.csv"))
# the first ledger's as-of date (its name and every filled row's as-of cell say 2025-06-30)
FIRST_AS_OF = "2025-06-30"


def build(src: Path, out: Path):
    from policykg.kg.corpus import build_corpus
    from policykg.use.analysis_graph import analysis_quads
    from policykg.use.ledger import build_progress
    return build_corpus([src], out, jobs=1, doc_files="lean", analysis=analysis_quads, ledgers=build_progress)


def store_lines(store: Path) -> list[bytes]:
    import pyoxigraph as ox
    opened = ox.Store.read_only(str(store))
    lines = sorted(opened.dump(format=ox.RdfFormat.N_QUADS).splitlines())
    del opened
    return lines


def reloaded(out: Path, tmp: Path) -> list[bytes]:
    """The store a full load of ``out/corpus.nq`` gives, dumped."""
    from policykg.kg.corpus_store import write_corpus_store
    shutil.rmtree(tmp, ignore_errors=True)
    return store_lines(write_corpus_store(tmp, out / "corpus.nq"))


@pytest.fixture()
def src(tmp_path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    for doc in DOCS:
        shutil.copy(doc, folder / doc.name)
    return folder


def test_import_replace_and_again_in_place_as_a_full_build(src, tmp_path, monkeypatch):
    import policykg.kg.corpus as corpus
    import policykg.kg.corpus_store as corpus_store
    from policykg.use.ledger import import_ledger
    assert len(LEDGERS) == 2 and LEDGERS[0].name.startswith(FIRST_AS_OF)
    out = tmp_path / "out"
    build(src, out)

    def no_full_load(*args, **kwargs):
        raise AssertionError("the store was loaded whole, not updated")
    monkeypatch.setattr(corpus_store, "write_corpus_store", no_full_load)
    monkeypatch.setattr(corpus, "write_corpus_store", no_full_load)
    for ledger in LEDGERS:                  # rows of the other bundled documents: left out (--partial)
        applied, changed = import_ledger(ledger, out, partial=True)
        assert changed and applied.problems and applied.report.updates
        assert applied.path == f"ledgers/{ledger.name}" and (out / "ledgers" / ledger.name).is_file()
    monkeypatch.undo()

    # a fresh build with the same two ledgers beside the documents: the same corpus.nq and store
    fresh_src = tmp_path / "fresh_src"
    shutil.copytree(src, fresh_src)
    shutil.copytree(ROOT / "sources" / "ledgers", fresh_src / "ledgers")
    fresh = tmp_path / "fresh"
    build(fresh_src, fresh)
    assert (out / "corpus.nq").read_bytes() == (fresh / "corpus.nq").read_bytes()
    assert store_lines(out / "store") == store_lines(fresh / "store")
    assert store_lines(out / "store") == reloaded(out, tmp_path / "reload")

    def listed(folder: Path) -> list[tuple]:
        ledgers = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["ledgers"]
        return [(e["graph"], e["sha256"], e["as_of"], e["updates"], len(e["problems"])) for e in ledgers]
    assert listed(out) == listed(fresh) and len(listed(out)) == 2

    # the same file with another --as-of: the same graph, replaced — the old report date gone from the merge too
    monkeypatch.setattr(corpus_store, "write_corpus_store", no_full_load)
    applied, changed = import_ledger(LEDGERS[0], out, as_of="2025-07-01", partial=True)
    monkeypatch.undo()
    assert changed and applied.report.as_of == "2025-07-01"
    lines = store_lines(out / "store")
    assert lines == reloaded(out, tmp_path / "reload")
    node = f"<https://w3id.org/policykg/id/progress/{applied.report.sha256[:16]}> <https://w3id.org/policykg/ontology#asOf>"
    as_of = [line for line in lines if line.startswith(node.encode())]
    assert len(as_of) == 2 and all(b'"2025-07-01"' in line for line in as_of)     # its graph's and the merge's
    assert json.loads((out / "ledgers" / (LEDGERS[0].name + ".import.json")).read_text()) == {"as_of": "2025-07-01"}

    # the same again: nothing written
    inodes = {n: os.stat(out / n).st_ino for n in ("store", "corpus.nq", "manifest.json")}
    applied, changed = import_ledger(LEDGERS[0], out, as_of="2025-07-01", partial=True)
    assert not changed and applied.path == f"ledgers/{LEDGERS[0].name}"
    assert {n: os.stat(out / n).st_ino for n in inodes} == inodes

    # a rebuild after the imports updates the store (the stamp carried over), reads the kept ledgers as imported,
    # and copies each document's block of corpus.nq (the progress graphs after them are no reason to parse again)
    def no_parse(*args, **kwargs):
        raise AssertionError("a document's Turtle parsed again")
    monkeypatch.setattr(corpus, "write_corpus_store", no_full_load)
    monkeypatch.setattr(corpus_store, "named_graph", no_parse)
    assert build(src, out).rebuilt == 0
    monkeypatch.undo()
    assert store_lines(out / "store") == lines


def test_a_killed_import_leaves_the_output_and_the_next_one_takes_over(src, tmp_path, capfd):
    from policykg.use.ledger import import_ledger
    out = tmp_path / "out"
    build(src, out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and "store" not in p.parts}
    started = tmp_path / "started"
    script = (f"import time; from pathlib import Path; from policykg.use.ledger import import_ledger\n"
              f"def pages(stage):\n    Path({str(started)!r}).touch(); time.sleep(120)\n"
              f"import_ledger(Path({str(LEDGERS[0])!r}), Path({str(out)!r}), partial=True, pages=pages)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    child = subprocess.Popen([sys.executable, "-c", script], env=env)
    try:
        for _ in range(1200):                   # staged: corpus.nq, the store, the manifest, the ledger kept
            if started.exists() or child.poll() is not None:
                break
            time.sleep(0.1)
        assert started.exists()
        child.send_signal(signal.SIGTERM)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
    stages = [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.staging-")]
    assert stages and (tmp_path / ".out.lock").exists()               # what the killed import left
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and "store" not in p.parts}
    assert after == before                                            # not the ledger's copy either
    assert not (out / "ledgers" / LEDGERS[0].name).exists()

    capfd.readouterr()
    applied, changed = import_ledger(LEDGERS[0], out, partial=True)
    assert changed and (out / "ledgers" / LEDGERS[0].name).is_file()
    assert f"pid {child.pid}" in capfd.readouterr().err               # the dead import's lock, taken over
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.staging-")]
    assert store_lines(out / "store") == reloaded(out, tmp_path / "reload")


def test_the_progress_graphs_are_read_and_written_at_the_end_of_corpus_nq(tmp_path):
    """Several megabytes each side (read backwards a megabyte at a time): the other graphs' lines stay as they were."""
    from policykg.kg.progress import progress_graphs, progress_start, write_progress
    from policykg.vocab import PROGRESS_GRAPH
    first, second = PROGRESS_GRAPH + "00aa", PROGRESS_GRAPH + "00bb"
    other = b"".join(b'<urn:x:s%d> <urn:x:p> "a line of another graph" <urn:x:doc> .\n' % n for n in range(60000))
    graphs = {iri: b"".join(b'<urn:x:r%d> <urn:x:p> "%d" <%s> .\n' % (n, n, iri.encode()) for n in range(50000))
              for iri in (first, second)}
    nq = tmp_path / "corpus.nq"
    nq.write_bytes(other + graphs[first] + graphs[second])
    assert len(other) > 2 << 20 and progress_start(nq) == len(other)
    assert progress_graphs(nq) == graphs
    replaced = {second: b'<urn:x:r1> <urn:x:p> "new" <%s> .\n' % second.encode()}
    target = tmp_path / "new.nq"
    write_progress(target, {**graphs, **replaced}, source=nq)
    assert target.read_bytes() == other + graphs[first] + replaced[second]
    write_progress(nq, replaced)                                 # its own file: cut and written on
    assert nq.read_bytes() == other + replaced[second]
    nq.write_bytes(other)                                         # none yet
    assert progress_start(nq) == len(other) and progress_graphs(nq) == {}


def test_a_row_finds_its_record_by_document_and_place(tmp_path):
    """The records looked up by key (27k rows against 38k records at 1,000 documents), with the same answers:
    a place two documents have needs the document; a document's own place is found either way it is written."""
    from policykg.use.ledger import read_ledger
    records = {("a", "record/1"): "urn:x:a/record/1", ("b", "record/1"): "urn:x:b/record/1",
               ("a", "record/2"): "urn:x:a/record/2"}
    ledger = tmp_path / "filled.csv"
    ledger.write_text("record id,document,status,as-of date\n"
                      "record/1,,done,2025-01-31\n"           # row 2: in a and in b
                      "a:record/1,,done,2025-01-31\n"         # row 3
                      "record/1,b,推进中,2025-01-31\n"         # row 4
                      "record/2,,done,2025-01-31\n"           # row 5: only a has it
                      "c:record/1,,done,2025-01-31\n"         # row 6: no document c
                      "record/2,b,done,2025-01-31\n",         # row 7: b has no record/2
                      encoding="utf-8")
    applied = read_ledger(ledger, None, records=records)
    assert [(u.row, u.record, u.status) for u in applied.report.updates] == [
        (3, "urn:x:a/record/1", "done"), (4, "urn:x:b/record/1", "in-progress"), (5, "urn:x:a/record/2", "done")]
    assert applied.problems == [
        "filled.csv: row 2: record id 'record/1' is in 2 documents: fill the document column",
        "filled.csv: row 6: unknown record id 'c:record/1'",
        "filled.csv: row 7: unknown record id 'b:record/2'"]
