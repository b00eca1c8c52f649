"""The streaming load: a full build's store filled while the workers are still building.

A build that has no store to update (the first build into a folder, or one whose last store is gone
or of another builder: :func:`policykg.kg.incremental.update_store` could not be used) loads every
graph of ``corpus.nq`` into a new store. Done after the workers, that load runs on one core while the
other waits. :class:`StreamLoad` does it *during* the build instead: as each document's result reaches
the build (in input order, :func:`policykg.kg.workers.run_workers`), its N-Quads — its named graph
and its part of the analysis graph, as :class:`~policykg.kg.corpus_store.Spool` takes them for
``corpus.nq`` (read once, hashed once) — are gathered into pieces of
:data:`~policykg.kg.corpus_store.LOAD_PIECE` bytes, and a thread of the build bulk-loads each piece
with its copy in the default graph (:func:`~policykg.kg.corpus_store.with_default_graph`), as
:func:`~policykg.kg.corpus_store.write_corpus_store` does from the file. Oxigraph's ``bulk_load``
lets go of Python's lock, so the load overlaps the workers' parsing and serialising.

It loads what it is handed, by block key (the keys of :class:`policykg.kg.incremental.Blocks`); a
key handed twice keeps its first bytes — the first document with an IRI is the one the corpus keeps
(:func:`policykg.kg.manifest.mark_duplicates`, input order). When ``corpus.nq`` is written,
:meth:`StreamLoad.finish` holds what was loaded against its blocks: every block loaded must be in
``corpus.nq`` with the same SHA-256, and the blocks not loaded (the shared and lineage graphs, a
reused document, any graph written only at the end) are loaded from ``corpus.nq`` then; the labels
are settled and the store optimised as after a load from the file. The unit pairs
(:mod:`policykg.kg.unit_pairs`, counted once the workers are done) are among those blocks, loaded before the
store is optimised: loaded after it, into the compacted store, they cost half the CPU (3.0 against 5.6-6.2 s
at 1,000 documents) but lie uncompacted over every index, and every other question ran 20-75% slower (at
1,000 documents ``topic_coverage`` 0.53 -> 0.87 s, ``referenced_documents`` 0.78 -> 1.36 s); an optimise after
them cost 10 s more. Anything else — a block loaded
that ``corpus.nq`` does not hold as it was loaded, a failed load — and the streamed store is thrown
away and the build loads ``corpus.nq`` as it always did: the store holds exactly the quads of
``corpus.nq`` either way (a test compares the dumps).
"""

from __future__ import annotations

import hashlib
import queue
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

from policykg.kg.corpus_store import LOAD_PIECE, Spool, with_default_graph
from policykg.kg.timing import tick
from policykg.kg.layout import STORE_DIR


def stream_for(out: Path, stamp: dict | None) -> StreamLoad:
    """A streaming load when the build will load its store whole: no last store to update (no stamp of
    this builder, or no store folder), the cases where :func:`~policykg.kg.incremental.update_store`
    declines at once. Else one that does nothing (a rebuild that may update the last store in place)."""
    return StreamLoad(active=stamp is None or not (out / STORE_DIR).is_dir())


class StreamLoad:
    """Pieces of N-Quads bulk-loaded by a thread into the staged store as they fill (module docstring)."""

    def __init__(self, piece: int | None = None, active: bool = True):
        self.piece, self.active = piece or LOAD_PIECE, active
        self.target: Path | None = None
        self.spool: Spool | None = None           # the blocks corpus.nq takes from the documents built now
        self.loaded: dict[str, str] = {}          # block key → SHA-256 of the bytes loaded
        self._buffer: list[bytes] = []
        self._size = 0
        self._queue: queue.Queue = queue.Queue(maxsize=1)   # one piece waiting, one loading: memory stays flat
        self._thread: threading.Thread | None = None
        self._store = None
        self.error: BaseException | None = None

    def feeder(self, stage: Path) -> Callable[[object], None]:
        """What :func:`~policykg.kg.workers.run_workers` calls with each document's result: the
        :attr:`spool` (:class:`~policykg.kg.corpus_store.Spool`, made here) takes a built document's
        named graph and its analysis part, as the worker wrote them into ``stage``, and this load, when
        :attr:`active`, loads them."""
        if self.active:
            self.target = stage / STORE_DIR
        spool = self.spool = Spool(stage)
        if self.active:                          # the last piece loads while corpus.nq is written
            spool.on_close = self._send_started

        def feed(result) -> None:
            for key, data, digest in spool.take(result):
                if self.active:
                    self.add(key, data, digest)
        return feed

    def add(self, key: str, data: bytes, digest: str | None = None) -> None:
        """Load ``data`` (whole N-Quads lines, each in a named graph; its SHA-256 ``digest`` when known)
        as block ``key``; a key already loaded, or empty data, is passed over."""
        if not data or key in self.loaded:
            return
        self.loaded[key] = digest or hashlib.sha256(data).hexdigest()
        self._buffer.append(data if data.endswith(b"\n") else data + b"\n")
        self._size += len(data)
        if self._size >= self.piece:
            self._send()

    def _send(self) -> None:
        if not self._buffer:
            return
        piece, self._buffer, self._size = b"".join(self._buffer), [], 0
        if self._thread is None:                 # started with the first piece: after the workers' fork
            self._thread = threading.Thread(target=self._run, name="stream-load", daemon=True)
            self._thread.start()
        self._queue.put(piece)

    def _send_started(self) -> None:
        """The last piece to a loader already at work (a corpus smaller than a piece waits for :meth:`finish`)."""
        if self._thread is not None:
            self._send()

    def _run(self) -> None:
        import pyoxigraph as ox
        try:
            self._store = ox.Store(str(self.target))
        except Exception as exc:         # any failure: the build loads corpus.nq instead
            self.error = exc
        while (piece := self._queue.get()) is not None:
            if self.error is not None:
                continue                         # drained, so the build never waits on a dead loader
            try:
                self._store.bulk_load(input=with_default_graph(piece, Path("<streamed>"), 1),
                                      format=ox.RdfFormat.N_QUADS, lenient=True)
                tick(f"stream: a piece of {len(piece) >> 20} MB loaded")
            except Exception as exc:
                self.error = exc

    def _stop(self) -> None:
        """Send the last piece, wait for the loader; the store is then this thread's to use."""
        if self._thread is None:
            return
        self._send()
        self._queue.put(None)
        self._thread.join()
        self._thread = None

    def finish(self, nquads: Path, blocks: dict) -> bool:
        """Complete the store from ``corpus.nq`` (``nquads``) and its ``blocks``; True when it now holds
        what :func:`~policykg.kg.corpus_store.write_corpus_store` would load. False, the streamed store
        removed, when the build must load ``corpus.nq`` whole (module docstring), or when not active."""
        import pyoxigraph as ox

        from policykg.kg.store import one_preferred_label
        if self.target is None:
            return False
        if self._thread is None and self._buffer:
            self._send()                         # a corpus smaller than a piece: loaded now, on the thread
        self._stop()
        tick("stream: last piece loaded")
        covered = sum(length for _, length, _ in blocks.values()) == nquads.stat().st_size
        if self.error is not None or not covered or any((blocks.get(key) or [None, None, None])[2] != digest
                                                        for key, digest in self.loaded.items()):
            return self._discard()
        store = self._store if self._store is not None else ox.Store(str(self.target))
        self._store = None
        rest = sorted(block for key, block in blocks.items() if key not in self.loaded)
        try:
            with open(nquads, "rb") as source:
                for data in _gathered(source, rest, self.piece):
                    store.bulk_load(input=with_default_graph(data, nquads, 1), format=ox.RdfFormat.N_QUADS,
                                    lenient=True)
        except (ValueError, SyntaxError):        # a line that is no quad: the load from the file names it
            del store
            return self._discard()
        tick("stream: rest loaded")
        one_preferred_label(store)
        tick("stream: labels")
        store.flush()
        store.optimize()
        del store
        tick("stream: optimized")
        return True

    def guarded(self, fill: Callable[[Path], list[str]]) -> Callable[[Path], list[str]]:
        """``fill(stage)`` (:func:`policykg.kg.publish.publish`) with the loader stopped when it returns
        or raises: before a failed build's staged folder is removed, nothing writes into it any more."""
        def run(stage: Path) -> list[str]:
            try:
                return fill(stage)
            finally:
                self.close()
        return run

    def _discard(self) -> bool:
        self.close()
        shutil.rmtree(self.target, ignore_errors=True)
        return False

    def close(self) -> None:
        """Stop the loader (the build failed, or is done with it) and let go of the store."""
        if self._thread is not None:
            self._buffer, self._size = [], 0
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        self._store = None
        if self.spool is not None:
            self.spool.discard()


def _gathered(source, blocks: list, size: int):
    """The bytes of ``blocks`` (``[start, length, sha]``, in file order) of ``source``, about ``size``
    bytes at a time, whole blocks."""
    pieces, total = [], 0
    for start, length, _ in blocks:
        source.seek(start)
        pieces.append(source.read(length))
        total += length
        if total >= size:
            yield b"".join(pieces)
            pieces, total = [], 0
    if pieces:
        yield b"".join(pieces)
