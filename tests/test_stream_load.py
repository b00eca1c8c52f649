"""The streaming load (policykg.kg.stream_load): a full build's store filled while the workers build holds
exactly the quads of the store loaded from ``corpus.nq`` afterwards, with a duplicate document, a failed one,
reused documents, and when the streamed load fails and the build falls back to the file."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from corpus_generator import generate  # noqa: E402

#: what the duplicate says that the document it copies does not: never in the store
ADDED = "，并压缩办理时限至三个工作日"


def build(src: Path, out: Path, jobs: int = 2):
    from policykg.kg.corpus import build_corpus
    from policykg.use.analysis_graph import analysis_quads
    return build_corpus([src], out, jobs=jobs, doc_files="lean", analysis=analysis_quads)


def store_lines(out: Path) -> list[bytes]:
    import pyoxigraph as ox
    store = ox.Store.read_only(str(out / "store"))
    try:
        return sorted(store.dump(format=ox.RdfFormat.N_QUADS).splitlines())
    finally:
        del store


def default_graph_size(out: Path) -> int:
    import pyoxigraph as ox
    store = ox.Store.read_only(str(out / "store"))
    try:
        return len(list(store.quads_for_pattern(None, None, None, ox.DefaultGraph())))
    finally:
        del store


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """Five generated documents, a later file of the second one's issuer, title and date with a sentence
    added (a duplicate: left out), and an empty file (failed)."""
    src = tmp_path_factory.mktemp("src")
    docs = generate(5, src, seed=11)
    text = docs[1].read_text(encoding="utf-8")
    last = text.rstrip().rfind("。")
    assert last > 0
    (src / "zz_copy.txt").write_text(text[:last] + ADDED + text[last:], encoding="utf-8")
    (src / "zz_empty.txt").write_bytes(b"")
    return src


@pytest.fixture(scope="module")
def loaded_from_file(source, tmp_path_factory) -> tuple[list[bytes], bytes]:
    """The store and corpus.nq of the build without streaming: the store loaded from corpus.nq."""
    import policykg.kg.corpus as corpus
    from policykg.kg.stream_load import StreamLoad
    out = tmp_path_factory.mktemp("from_file") / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(corpus, "stream_for", lambda out, stamp: StreamLoad(active=False))
        build(source, out)
    return store_lines(out), (out / "corpus.nq").read_bytes()


@pytest.fixture
def streams(monkeypatch) -> list:
    """Every StreamLoad a build makes, with pieces of 4 kB (so several are loaded while the workers run)."""
    import policykg.kg.corpus as corpus
    import policykg.kg.stream_load as stream_load
    made = []

    def stream_for(out, stamp):
        made.append(stream_load.stream_for(out, stamp))
        made[-1].piece = 4096
        return made[-1]
    monkeypatch.setattr(corpus, "stream_for", stream_for)
    return made


def no_full_load(*args, **kwargs):
    raise AssertionError("the store was loaded from corpus.nq, not streamed")


def test_streamed_store_is_the_store_loaded_from_corpus_nq(source, loaded_from_file, streams, tmp_path,
                                                           monkeypatch):
    import policykg.kg.corpus as corpus
    monkeypatch.setattr(corpus, "write_corpus_store", no_full_load)
    out = tmp_path / "out"
    result = build(source, out)
    status = sorted(e["status"] for e in result.entries)
    assert status == ["built"] * 5 + ["duplicate", "failed"]
    lines, nq = loaded_from_file
    assert (out / "corpus.nq").read_bytes() == nq
    streamed = store_lines(out)
    assert streamed == lines
    # the loader took every built document's graph and analysis part, the duplicate's never
    built = [e["iri"] for e in result.entries if e["status"] == "built"]
    (stream,) = streams
    assert stream.active and set(built) <= set(stream.loaded) and len(stream.loaded) == 2 * len(built)
    assert not any(ADDED.encode("utf-8") in line for line in streamed)
    assert default_graph_size(out) > 0      # the merge, as the load from the file makes it


def test_a_failed_streamed_load_falls_back_to_corpus_nq(source, loaded_from_file, streams, tmp_path, monkeypatch):
    import policykg.kg.corpus as corpus
    import policykg.kg.stream_load as stream_load
    loads = []

    def refused(piece, nquads, first):
        raise ValueError("refused, as a line that is no quad would be")

    def full_load(target, nquads, *args):
        loads.append(target)
        return write_corpus_store(target, nquads, *args)
    write_corpus_store = corpus.write_corpus_store
    monkeypatch.setattr(stream_load, "with_default_graph", refused)
    monkeypatch.setattr(corpus, "write_corpus_store", full_load)
    out = tmp_path / "out"
    build(source, out)
    assert len(loads) == 1 and streams[0].error is not None
    assert store_lines(out) == loaded_from_file[0]


def test_documents_reused_after_the_store_is_lost_are_loaded_from_corpus_nq(source, streams, tmp_path,
                                                                            monkeypatch):
    """No store to update: the build streams the documents it builds; the reused ones' graphs (and the shared
    and lineage graphs) are loaded from corpus.nq at the end — the store a build without streaming makes."""
    import policykg.kg.corpus as corpus
    from policykg.kg.stream_load import StreamLoad
    src = tmp_path / "src"
    shutil.copytree(source, src)
    out = tmp_path / "out"
    moved = src / "later_000.txt"
    first = sorted(src.glob("gen_*.txt"))[0]
    first.rename(moved)                    # built later, as a new document
    build(src, out, jobs=1)
    shutil.rmtree(out / "store")
    moved.rename(first)
    with monkeypatch.context() as patch:
        patch.setattr(corpus, "write_corpus_store", no_full_load)
        again = build(src, out)
    assert again.reused >= 3 and again.rebuilt >= 1 and streams[-1].active
    assert 0 < len(streams[-1].loaded) < 2 * 5
    fresh = tmp_path / "fresh"
    monkeypatch.setattr(corpus, "stream_for", lambda out, stamp: StreamLoad(active=False))
    build(src, fresh)
    assert store_lines(out) == store_lines(fresh)


def test_a_rebuild_with_a_store_does_not_stream(source, streams, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(source, src)
    out = tmp_path / "out"
    build(src, out, jobs=1)
    extra = sorted(src.glob("gen_*.txt"))[0]
    shutil.copy(extra, src / "yy_again.txt")     # a new file (a duplicate): the last store is updated
    build(src, out, jobs=1)
    assert [s.active for s in streams] == [True, False]


def test_corpus_nq_from_the_spool_is_the_one_written_from_the_parts(source, streams, tmp_path):
    """The built documents' blocks are spooled as the workers hand them over and copied into corpus.nq at
    the end (kg/corpus_store.py Spool): the same bytes and blocks as corpus.nq written the other way, from
    each document's part (its named graph, made again here from its Turtle) and its analysis file."""
    import json

    from policykg.kg.corpus_store import named_graph, write_corpus_nq
    from policykg.kg.layout import doc_folder
    from policykg.kg.lineage import lineage
    out = tmp_path / "out"
    result = build(source, out)
    stamp = json.loads((out / "store" / "policykg-build.json").read_text(encoding="utf-8"))
    stage = tmp_path / "stage"
    (stage / ".parts").mkdir(parents=True)
    shutil.copytree(out / "docs", stage / "docs")
    entries = result.entries
    built = {e["id"] for e in entries if e["status"] == "built"}
    for e in entries:
        if e["id"] in built:
            turtle = (out / "docs" / doc_folder(e["id"]) / "policykg.ttl").read_bytes()
            (stage / ".parts" / f"{doc_folder(e['id'])}.nq").write_bytes(named_graph(turtle, e["iri"]))
    assert len(built) == 5 and any(e["status"] == "duplicate" for e in entries)
    blocks = write_corpus_nq(stage, tmp_path / "none", entries, built, lineage(entries), True, None)
    assert (stage / "corpus.nq").read_bytes() == (out / "corpus.nq").read_bytes()
    links = lineage(entries)
    places = {e["jurisdiction"] for e in entries if e["id"] in built}      # unit pairs: a block per jurisdiction
    assert blocks == stamp["blocks"] and len(blocks) == 1 + bool(links) + 2 * 5 + len(places)   # shared, lineage,
    # docs, analysis, unit pairs (facts read back from corpus.nq here, from the spool in the build: the same)
    assert not list((out / "docs").glob("*/*.spool"))
