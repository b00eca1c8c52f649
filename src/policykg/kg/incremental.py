"""A rebuild that costs what changed: the no-op rebuild, blocks of ``corpus.nq`` reused, the store updated.

Every build leaves a stamp in its store folder (``store/policykg-build.json``): the builder's
fingerprint, the build's options, the SHA-256 of the manifest it wrote and the *blocks* of
``corpus.nq`` — for each named graph (and each document's part of the analysis graph) where its
sorted N-Quads start, how long they are and their SHA-256. With it a rebuild

* **stops at once** when it would write the same manifest with the same builder and options
  (:func:`unchanged`): nothing is re-parsed, staged or swapped;
* **copies** an unchanged document's block out of the last ``corpus.nq`` (:class:`Blocks`), byte for
  byte, instead of parsing its Turtle again;
* **updates a copy of the last store** (:func:`update_store`): a checkpoint of it (hard links, as
  RocksDB makes them) gets the quads a changed block lost removed and those it gained added (its lines
  compared with the last build's), and the merged default graph is derived again for their subjects
  only; the staged folder is then swapped in whole, so the change is atomic. The result is the store a
  full build makes (a test compares them).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from policykg.kg.layout import CORPUS_NQ, MANIFEST, STORE_DIR
from policykg.vocab import ANALYSIS_GRAPH, LINEAGE_GRAPH, PROGRESS_GRAPH, SHARED_GRAPH

#: The stamp a build leaves in its store folder (RocksDB leaves files it does not name alone).
STAMP = "policykg-build.json"
#: More changed blocks than this share of the last build's: a full load is cheaper than an update.
UPDATE_SHARE = 0.3


def read_stamp(out: Path, fingerprint: str) -> dict | None:
    """The last build's stamp, when that build was made by this builder and its files are all there."""
    try:
        stamp = json.loads((out / STORE_DIR / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or stamp.get("builder") != fingerprint or not (out / CORPUS_NQ).is_file():
        return None
    return stamp


def store_describes(store: Path, corpus_nq: Path) -> bool:
    """Was ``store`` built with ``corpus_nq`` as it is now? (Its stamp names corpus.nq's size; a store left
    from an older build — copied, checked out, or stamped by no build — is not trusted to stand for it.)"""
    try:
        stamp = json.loads((Path(store) / STAMP).read_text(encoding="utf-8"))
        return isinstance(stamp, dict) and stamp.get("nq_size") == os.stat(corpus_nq).st_size
    except (OSError, ValueError):
        return False


def write_stamp(stage: Path, fingerprint: str, options: dict, manifest: bytes, blocks: dict,
                written: bytes | None = None) -> None:
    """``manifest``: the documents' manifest (what a no-op compares); ``written``: the manifest on disk
    (with the progress reports), by default the same; ``nq_size``: corpus.nq as written (progress appended)."""
    stamp = {"builder": fingerprint, "options": options, "manifest": hashlib.sha256(manifest).hexdigest(),
             "written": hashlib.sha256(manifest if written is None else written).hexdigest(),
             "nq_size": (stage / CORPUS_NQ).stat().st_size, "blocks": blocks}
    (stage / STORE_DIR / STAMP).write_text(json.dumps(stamp, sort_keys=True), encoding="utf-8")


def unchanged(out: Path, stamp: dict | None, options: dict, entries: list[dict], manifest: bytes) -> bool:
    """Would this build write what the last one wrote? Same builder and options (the stamp),
    the same manifest (every document reused, none added, refused or gone), still on disk."""
    if stamp is None or stamp.get("options") != options or \
            any(e.get("status") not in ("built", "duplicate") for e in entries):
        return False
    digest = hashlib.sha256(manifest).hexdigest()
    try:
        on_disk = hashlib.sha256((out / MANIFEST).read_bytes()).hexdigest()
    except OSError:
        return False
    return stamp.get("manifest") == digest and stamp.get("written") == on_disk


def is_progress(line: bytes) -> bool:
    """Is this line of ``corpus.nq`` a progress report's (:mod:`policykg.kg.progress`)?"""
    return line.rstrip().endswith(b"> .") and (b" <" + PROGRESS_GRAPH.encode()) in line


#: A line of a progress graph, as this module writes it: its graph's IRI, the line's end.
PROGRESS_END = re.compile(rb' <(' + re.escape(PROGRESS_GRAPH.encode()) + rb'[^<>"\s]*)> \.\n')


def progress_start(corpus_nq: Path) -> int:
    """Where ``corpus.nq``'s progress graphs start: they end the file (:func:`policykg.kg.progress.write_progress` puts them
    after every other graph), so it is read backwards from its end to the last line of another graph —
    the progress graphs' megabytes, not the corpus."""
    with open(corpus_nq, "rb") as fh:
        start = pos = fh.seek(0, os.SEEK_END)
        carry = b""
        while pos > 0:
            step = min(1 << 20, pos)
            pos -= step
            fh.seek(pos)
            data = fh.read(step) + carry
            cut = 0 if pos == 0 else data.find(b"\n") + 1
            if pos and not cut:                         # no line break in it: part of a long line, read on
                carry = data
                continue
            carry, whole = data[:cut], data[cut:]
            if whole.endswith(b"\n") and len(PROGRESS_END.findall(whole)) == whole.count(b"\n"):
                start = pos + cut                       # every line of it a progress graph's
                continue
            lines, offset = [], pos + cut               # whole lines, each with where it starts
            for line in whole.split(b"\n"):
                lines.append((offset, line))
                offset += len(line) + 1
            if not lines[-1][1]:
                lines.pop()                             # the nothing after the last line break
            for offset, line in reversed(lines):
                if not is_progress(line):
                    return start
                start = offset
    return start


def analysis_key(iri: str) -> str:
    """The key of a document's part of the analysis graph among the blocks."""
    return f"{ANALYSIS_GRAPH} {iri}"


class Blocks:
    """``corpus.nq`` written block by block, each block's place, length and SHA-256 recorded."""

    def __init__(self, target, old_nq: Path | None, old_blocks: dict | None):
        self.target, self.index = target, {}
        self.old_blocks = old_blocks or {}
        self.old = open(old_nq, "rb") if old_nq is not None and self.old_blocks else None
        ends = [start + length for start, length, _ in self.old_blocks.values()]
        self._consistent = self.old is not None and self._covers(old_nq, max(ends, default=0)) \
            and sum(length for _, length, _ in self.old_blocks.values()) == max(ends, default=0)

    def _covers(self, old_nq: Path, end: int) -> bool:
        """Do the blocks end where the last ``corpus.nq`` does, or where its progress graphs start (a ledger
        import writes them after the blocks, :func:`policykg.kg.progress.write_progress`)?"""
        size = os.fstat(self.old.fileno()).st_size
        return end == size or (end < size and progress_start(old_nq) == end)

    def write(self, key: str, data: bytes) -> None:
        if data:
            self.index[key] = [self.target.tell(), len(data), hashlib.sha256(data).hexdigest()]
            self.target.write(data)

    def copy_old(self, key: str) -> bool:
        """Copy the last build's block ``key`` as it is (in the kernel, without reading it here); False
        when there is none. The last ``corpus.nq`` is the one the stamp describes: same size, and each
        copied block starts and ends a line."""
        block = self.old_blocks.get(key)
        if self.old is None or block is None or not self._consistent:
            return False
        self.old.seek(block[0] + block[1] - 1)
        if self.old.read(1) != b"\n" or (block[0] and (self.old.seek(block[0] - 1), self.old.read(1))[1] != b"\n"):
            return False
        self.target.flush()
        offset = self.target.tell()
        copied, source, target = 0, self.old.fileno(), self.target.fileno()
        while copied < block[1]:
            try:
                done = os.copy_file_range(source, target, block[1] - copied, block[0] + copied, offset + copied)
            except (OSError, AttributeError):   # no copy_file_range here (or across file systems): by hand
                self.old.seek(block[0] + copied)
                done = os.pwrite(target, self.old.read(block[1] - copied), offset + copied)
            if done <= 0:
                raise OSError(f"corpus.nq: copy stopped at {copied} of {block[1]} bytes")
            copied += done
        self.target.seek(offset + copied)
        self.index[key] = [offset, block[1], block[2]]
        return True

    def close(self) -> None:
        if self.old is not None:
            self.old.close()


def _graph_of(key: str):
    import pyoxigraph as ox
    return ox.NamedNode(key.split(" ", 1)[0])


def _read(path: Path, block: list) -> bytes:
    with open(path, "rb") as f:
        f.seek(block[0])
        return f.read(block[1])


def update_store(out: Path, stage: Path, old: dict | None, blocks: dict) -> bool:
    """Make ``stage/store`` the last build's store with the changed blocks replaced; False when a full
    load is the way (no usable last store, the shared graph changed, or too much changed)."""
    import pyoxigraph as ox

    if old is None or not (out / STORE_DIR).is_dir():
        return False
    before = old.get("blocks") or {}
    changed = sorted(k for k in blocks if (before.get(k) or [None, None, None])[2] != blocks[k][2])
    gone = sorted(set(before) - set(blocks))
    if not before or SHARED_GRAPH in changed or len(changed) + len(gone) > UPDATE_SHARE * max(len(before), 1):
        return False
    if (out / CORPUS_NQ).stat().st_size != old.get("nq_size"):
        return False                                 # not the corpus.nq the stamp describes: load it whole
    if not checkpoint(out, stage):
        return False
    store = ox.Store(str(stage / STORE_DIR))
    drop_progress(store)                             # the build applies the ledgers again after this
    subjects = set()
    # of every block that changed, the lines it lost and the lines it gained (an edit leaves most of a
    # document's graph, and most of its jurisdiction's unit pairs, as they were): the lost quads out of
    # every block first, then the gained ones in (a quad may move from one block of a graph to another)
    moved = [_changed_lines(_read(out / CORPUS_NQ, before[key]) if key in before else b"",
                            _read(stage / CORPUS_NQ, blocks[key]) if key in blocks else b"")
             for key in changed + gone]
    for lost, _ in moved:
        for quad in ox.parse(lost, format=ox.RdfFormat.N_QUADS):
            subjects.add(quad.subject)
            store.remove(quad)
    for _, gained in moved:
        quads = list(ox.parse(gained, format=ox.RdfFormat.N_QUADS))
        subjects.update(q.subject for q in quads)
        store.extend(quads)
    _merge_again(store, subjects)
    from policykg.kg.store import one_preferred_label
    one_preferred_label(store)
    store.flush()
    del store
    (stage / STORE_DIR / STAMP).unlink(missing_ok=True)
    return True


def _changed_lines(old: bytes, new: bytes) -> tuple[bytes, bytes]:
    """``(lines of old not in new, lines of new not in old)`` of two blocks of N-Quads lines, as N-Quads.
    Only those quads change: the default graph is derived again for their subjects alone (a subject
    whose quads in every named graph are as they were keeps its merged triples)."""
    before, after = set(old.splitlines()) - {b""}, set(new.splitlines()) - {b""}
    return (b"".join(line + b"\n" for line in sorted(before - after)),
            b"".join(line + b"\n" for line in sorted(after - before)))


def _merge_again(store, subjects: set) -> None:
    """The default graph (the merge of the named graphs) again for ``subjects``: everything the named
    graphs state of them, once; then :func:`policykg.kg.store.one_preferred_label` as a full build does."""
    import pyoxigraph as ox
    default = ox.DefaultGraph()
    for subject in subjects:
        for quad in list(store.quads_for_pattern(subject, None, None, default)):
            store.remove(quad)
        merged = {(q.predicate, q.object) for q in store.quads_for_pattern(subject, None, None, None)
                  if q.graph_name != default}
        store.extend(ox.Quad(subject, p, o, default) for p, o in merged)


def drop_progress(store) -> None:
    """Take every progress graph out of an open store, with its copy in the merged default graph."""
    import pyoxigraph as ox
    for graph in [g for g in store.named_graphs() if isinstance(g, ox.NamedNode)
                  and g.value.startswith(PROGRESS_GRAPH)]:
        drop_own_graph(store, graph)


def drop_own_graph(store, graph) -> None:
    """Take named graph ``graph`` out of an open store, with its copy in the merged default graph. Only for a
    graph whose subjects no other graph states — a progress graph (its report and status updates, named
    by the report's SHA-256): a default-graph triple it shares with no graph can go with it."""
    # one update, one transaction (a quad removed at a time: a transaction each, seconds for a large report)
    store.update(f"DELETE {{ ?s ?p ?o . GRAPH {graph} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
    store.remove_graph(graph)


def checkpoint(out: Path, stage: Path) -> bool:
    """``stage/store`` a checkpoint of ``out/store`` (hard links to its files, as RocksDB makes them): a copy
    to update, the last output left as it is. False when there is no store to copy."""
    import pyoxigraph as ox
    if not (out / STORE_DIR).is_dir():
        return False
    try:   # opened for writing: a read-only checkpoint would leave out what only the write-ahead log holds
        ox.Store(str(out / STORE_DIR)).backup(str(stage / STORE_DIR))
    except OSError:
        return False
    (stage / STORE_DIR / STAMP).unlink(missing_ok=True)
    return True


def restamp(out: Path, stage: Path, changed: str) -> None:
    """Carry the last build's stamp over to a store updated in place beside it (``stage``): its blocks stand,
    as the update rewrote only what follows them (the progress graphs) — corpus.nq's size and the manifest
    are the stage's. No stamp when the last one does not describe ``out`` (the next build loads whole);
    ``changed`` (what was imported) in its options, so the next build is no no-op: it reads the ledgers again."""
    try:
        stamp = json.loads((out / STORE_DIR / STAMP).read_text(encoding="utf-8"))
        if not isinstance(stamp, dict) or stamp.get("nq_size") != (out / CORPUS_NQ).stat().st_size:
            return
        written = (stage / MANIFEST).read_bytes()
    except (OSError, ValueError):
        return
    options = dict(stamp.get("options") or {})
    options["ledgers"] = [*(options.get("ledgers") or []), ["imported", changed]]
    stamp.update(options=options, nq_size=(stage / CORPUS_NQ).stat().st_size,
                 written=hashlib.sha256(written).hexdigest())
    (stage / STORE_DIR / STAMP).write_text(json.dumps(stamp, sort_keys=True), encoding="utf-8")


def copy_head(source: Path, target, length: int) -> None:
    """Write the first ``length`` bytes of file ``source`` to the open binary file ``target`` (at its
    position), copied in the kernel where it can."""
    with open(source, "rb") as old:
        target.flush()
        offset, copied = target.tell(), 0
        while copied < length:
            try:
                done = os.copy_file_range(old.fileno(), target.fileno(), length - copied, copied, offset + copied)
            except (OSError, AttributeError):            # no copy_file_range here: by hand
                old.seek(copied)
                done = os.pwrite(target.fileno(), old.read(min(length - copied, 64 << 20)), offset + copied)
            if done <= 0:
                raise OSError(f"{source}: copy stopped at {copied} of {length} bytes")
            copied += done
        target.seek(offset + copied)
