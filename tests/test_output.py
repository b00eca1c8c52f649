"""What ``policykg build`` leaves on disk: the whole output folder, old or new, never a mix (issues 7, 10).

The store (``OUT/store``) is written with the other outputs and swapped in with
them; a failing ``--pages``, an unwritable ``--out`` or a kill at any moment
leaves the previous outputs exactly as they were.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from policykg.cli import main
from policykg.kg.publish import publish

ROOT = Path(__file__).resolve().parents[1]
OTHER = ROOT / "tests" / "fixtures" / "columns_layout.txt"


def snapshot(folder: Path) -> dict[str, str]:
    """Hash of every regular file (the store by its triple count: RocksDB's bytes are not deterministic)."""
    out = {}
    for path in sorted(folder.iterdir()):
        if path.name == "store":
            import pyoxigraph
            out["store"] = str(len(pyoxigraph.Store.read_only(str(path))))
        elif path.is_file():
            out[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def build(source, out, *extra, check=True):
    result = subprocess.run([sys.executable, "-m", "policykg.cli", "build", str(source), "--out", str(out), *extra],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory, source_path):
    """Reference outputs of two different documents, with pages: A (second layout) and B (the seed)."""
    base = tmp_path_factory.mktemp("builds")
    build(OTHER, base / "A", "--pages")
    build(source_path, base / "B", "--pages")
    return base / "A", base / "B"


def test_build_writes_the_store_with_the_graph_and_the_ontology(two_builds):
    """A document built alone is a corpus of one: the default graph its queries read is the merge of the
    document's graph, the shared graph (the ontology and the schemes), the analysis graph and the unit pairs
    (corpus_shared_responsibilities' rows, kg/unit_pairs.py)."""
    import pyoxigraph
    _, b = two_builds
    store = pyoxigraph.Store.read_only(str(b / "store"))
    data = pyoxigraph.Store()
    data.load(path=str(b / "policykg.nt"), format=pyoxigraph.RdfFormat.N_TRIPLES)
    onto = pyoxigraph.Store()
    onto.load(path=str(ROOT / "ontology.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    analysis = pyoxigraph.NamedNode("https://w3id.org/policykg/id/graph/analysis")
    pairs = pyoxigraph.NamedNode("https://w3id.org/policykg/id/graph/unit-pairs")

    def triples(quads):
        return {(q.subject, q.predicate, q.object) for q in quads}
    default = triples(store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph()))
    assert triples(store.quads_for_pattern(None, None, None, pairs))       # the document counted, its rows
    assert default == triples(data) | triples(onto) | triples(store.quads_for_pattern(None, None, None, analysis)) \
        | triples(store.quads_for_pattern(None, None, None, pairs))
    assert not [p.name for p in b.parent.iterdir() if ".staging-" in p.name]


def test_query_reads_the_store_folder_and_the_output_folder(two_builds, capsys):
    _, b = two_builds
    answers = []
    for graph in (b, b / "store", b / "policykg.ttl"):
        assert main(["query", "unit_workload", "--format", "csv", "--graph", str(graph)]) == 0
        answers.append(capsys.readouterr().out)
    assert answers[0] == answers[1] == answers[2] and answers[0].count("\n") == 43


def test_a_failing_pages_step_leaves_every_old_output(two_builds, tmp_path, source_path, monkeypatch, capsys):
    a, _ = two_builds
    out = tmp_path / "out"
    subprocess.run(["cp", "-a", str(a), str(out)], check=True)
    before = snapshot(out)
    import policykg.use.pages as pages
    real = pages.write_pages

    def half_then_fail(graph, folder):
        real(graph, folder)                   # the new pages are written … then something breaks
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(pages, "write_pages", half_then_fail)
    code = main(["build", str(source_path), "--out", str(out), "--pages"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]      # no staging folder left behind


def test_a_kill_at_any_moment_leaves_old_or_new_never_a_mix(two_builds, tmp_path, source_path):
    a, b = two_builds
    old, new = snapshot(a), snapshot(b)
    start = time.monotonic()
    build(source_path, tmp_path / "timing", "--pages")
    duration = time.monotonic() - start
    seen = set()
    for i, fraction in enumerate((0.4, 0.8, 0.92, 0.98, 1.1)):
        out = tmp_path / f"out{i}"
        subprocess.run(["cp", "-a", str(a), str(out)], check=True)
        proc = subprocess.Popen([sys.executable, "-m", "policykg.cli", "build", str(source_path), "--out", str(out),
                                 "--pages"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = snapshot(out)
        assert now in (old, new), (fraction, sorted(k for k in now if now.get(k) != old.get(k)))
        seen.add("new" if now == new else "old")
    assert "old" in seen                      # the kill did land before the swap at least once


def test_a_later_build_removes_a_killed_builds_staging_folder(tmp_path, source_path):
    out = tmp_path / "graph"
    dead = tmp_path / ".graph.staging-999999999-abc"
    dead.mkdir()
    (dead / "policykg.ttl").write_text("half", encoding="utf-8")
    build(source_path, out)
    assert not dead.exists()


def test_foreign_files_are_kept_and_stale_pages_dropped(two_builds, tmp_path, source_path):
    a, _ = two_builds
    out = tmp_path / "out"
    subprocess.run(["cp", "-a", str(a), str(out)], check=True)
    (out / "notes.md").write_text("mine\n", encoding="utf-8")
    (out / "sub").mkdir()
    (out / "sub" / "keep.txt").write_text("also mine\n", encoding="utf-8")
    result = build(source_path, out)                       # no --pages: A's pages would show A's graph
    assert (out / "notes.md").read_text(encoding="utf-8") == "mine\n"
    assert (out / "sub" / "keep.txt").read_text(encoding="utf-8") == "also mine\n"
    assert not (out / "graph.html").exists() and not (out / "unit_network.gexf").exists()
    assert "store" in result.stdout


def test_out_is_an_existing_file(tmp_path, source_path, capsys):
    path = tmp_path / "file"
    path.write_text("keep me\n", encoding="utf-8")
    code = main(["build", str(source_path), "--out", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "is a file" in err, err
    assert path.read_text(encoding="utf-8") == "keep me\n"


def test_out_in_a_read_only_place(tmp_path, source_path, capsys):
    if os.geteuid() == 0:
        if not Path("/sys").is_dir():
            pytest.skip("root ignores permissions and there is no /sys here")
        out = Path("/sys/policykg-test-out")           # sysfs refuses new folders even to root
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        out = ro / "graph"
    code = main(["build", str(source_path), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and not out.exists()


def test_publish_keeps_the_folder_mode_and_returns_what_was_written(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o750)

    def fill(stage):
        (stage / "a.txt").write_text("a", encoding="utf-8")
        return ["a.txt"]
    assert publish(out, fill, replaces=["a.txt"]) == [out / "a.txt"]
    assert (out.stat().st_mode & 0o777) == 0o750 and (out / "a.txt").read_text(encoding="utf-8") == "a"
    fresh = tmp_path / "fresh" / "deeper"
    publish(fresh, fill, replaces=["a.txt"])
    assert (fresh / "a.txt").exists() and (fresh.stat().st_mode & 0o777) == 0o755


def test_without_syncfs_only_what_the_build_wrote_is_flushed(tmp_path, monkeypatch):
    """A file linked in from the last build (two links, written before the stage) is on disk already: its
    bytes are not flushed again; a file the build wrote and every folder are."""
    from policykg.kg import publish as pub
    flushed: list[str] = []
    monkeypatch.setattr(pub, "_syncfs", lambda root: False)
    monkeypatch.setattr(pub, "_fsync", lambda path, flags: flushed.append(os.path.basename(path)))
    old = tmp_path / "old.txt"
    old.write_text("last build")
    past = time.time_ns() - 10**9
    os.utime(old, ns=(past, past))

    def fill(stage: Path) -> list[str]:
        os.link(old, stage / "linked.txt")
        (stage / "new.txt").write_text("this build")
        (stage / "docs").mkdir()
        return ["linked.txt", "new.txt", "docs"]
    publish(tmp_path / "out", fill)
    assert "new.txt" in flushed and "linked.txt" not in flushed
    assert "docs" in flushed and any(name.startswith(".out.staging-") for name in flushed)
