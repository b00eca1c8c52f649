"""The worker processes of a build: one document each, in input order, dying with the build.

A build with many documents runs them in a pool of processes (one per core by default);
each worker loads jieba's dictionary once, then builds document after document
(:func:`policykg.kg.document_build.build_document`). A worker that dies (killed, out of
memory) ends the build with one line and nothing written; a build that dies takes its
workers with it, even when it is killed with ``kill -9``.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from collections.abc import Callable
from functools import partial
from pathlib import Path

from policykg.errors import WorkerDied
from policykg.kg.document_build import Built, Job, build_document
from policykg.kg.timing import tick


def run_workers(paths: list[Path], jobs: int | None, progress: bool, job: Job,
                on_result: Callable[[Built], None] | None = None) -> list[Built]:
    """Build ``paths`` in worker processes (one per core by default), in input order, each as ``job`` says;
    ``on_result(built)`` is called in this process with each result as it arrives, in input order
    (the streaming load, :mod:`policykg.kg.stream_load`).

    One document, or ``jobs=1``, is built in this process: no pool to start, and an error
    raised by a document built alone (:attr:`Job.alone`) reaches the caller as it is.
    """
    if not paths:
        return []
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(paths)))
    tick("start")
    bar = _progress(len(paths)) if progress else None
    work = partial(build_document, job=job)
    try:
        if jobs == 1:
            results = []
            for path in paths:
                results.append(work(str(path)))
                on_result and on_result(results[-1])
                bar and bar.update(1)
            return results
        with ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, initargs=(os.getpid(),)) as pool:
            results = []
            for result in pool.map(work, [str(p) for p in paths], chunksize=4):
                results.append(result)
                on_result and on_result(result)
                bar and bar.update(1)
            tick("workers done")
            return results
    except BrokenProcessPool:
        raise WorkerDied("a worker process died while building (killed, or out of memory?); nothing was written",
                         hint="rebuild with --jobs 1 to see which document") from None
    finally:
        tick("workers gone")
        if bar is not None:
            bar.close()


def _start_worker(parent: int) -> None:
    """Tie the worker's life to the build's, then load jieba's dictionary (once per worker, not per document).

    What is loaded then — modules, jieba's dictionary — lives as long as the worker: it is moved out of
    the cyclic collector's sight (``gc.freeze``), so the full collections between documents
    (:func:`policykg.kg.document_build._collected_after`) walk only what the documents left.
    """
    import gc
    _die_with_parent(parent)
    from policykg.ingest.nlp import tokenizer
    tokenizer()
    gc.collect()
    gc.freeze()


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Make this worker die when the build that started it dies, even by ``kill -9``.

    A killed parent cannot shut its pool down; its workers would live on, holding memory and
    the staging folder. Linux delivers SIGKILL to a child whose parent dies once asked to
    (``PR_SET_PDEATHSIG``); the parent may have died before we asked, so the parent is then
    checked to be still the one that started us. Elsewhere a thread watches the parent instead.
    """
    import ctypes
    import signal
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        prctl = None
    if prctl is None or prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        import threading
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="watch-parent").start()
    if os.getppid() != parent:
        os._exit(1)


def _watch_parent(parent: int) -> None:
    import time
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _progress(total: int):
    from tqdm import tqdm
    return tqdm(total=total, unit="doc", desc="building", leave=False, dynamic_ncols=True)
