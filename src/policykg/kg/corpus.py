"""Many documents, one store: the build (a single document is a corpus of one).

``policykg build PATH…`` builds a *corpus*, whether of a thousand documents or of one:

* each document is built and validated on its own (the pipeline, unchanged), in
  parallel worker processes (:mod:`policykg.kg.workers`), and becomes one **named
  graph** whose name is the document's IRI; what every document shares — the
  ontology, the unit-type and topic schemes — lives once, in the shared graph;
* what the build also computes for each document — its network analysis
  (communities, centralities), written back as the named graph ``id/graph/analysis``
  — and the pages are functions the caller passes in (``analysis``, ``pages``): the
  command line passes :func:`policykg.use.analysis_graph.analysis_quads` and the page
  writers of :mod:`policykg.use.build_pages`; the build imports no use;
* citations that name another document of the corpus become lineage links
  (:mod:`policykg.kg.lineage`);
* the output folder is laid out one way (:mod:`policykg.kg.layout`,
  ``docs/output-layout.md``): ``corpus.nq`` (:mod:`policykg.kg.corpus_store`),
  ``manifest.json`` (:mod:`policykg.kg.manifest`), ``docs/<folder>/`` per document
  (:mod:`policykg.kg.document_build`) and the Oxigraph store, whose default graph is
  the merge of the named graphs; a one-document build (``alone``) also places the
  document's files at the top of the folder;
* a rebuild reuses every document whose bytes, sidecar and builder did not change
  (by SHA-256 and the builder's fingerprint), rebuilds any other — or every one named by
  ``force`` — saying why (:func:`policykg.kg.manifest.plan`), and drops one whose file
  is gone. The folder is staged and swapped in whole (:func:`policykg.kg.publish.publish`).

A document that cannot be read (empty, binary, undecodable, a FIFO or a
folder named like one, a name that cannot be an id, an id another file already
has) or fails its shapes is listed in the manifest with its error and left out
of the store: one bad file does not stop a thousand good ones. Built alone, its
error is the build's: raised, and nothing is written.

Any file name works. The id is the file name without its extension, as
written (bytes that are not UTF-8 shown ``\\xNN``); IRIs percent-encode what
IRIs cannot hold (:func:`policykg.kg.iri.segment`); the folder ``docs/<id>/`` is
the id itself when it is a plain name, else the id percent-encoded
(:func:`policykg.kg.layout.doc_folder`), so every document gets a folder of its own.

Two builds on one output folder: the second is refused, naming the first
(:func:`policykg.kg.publish.output_lock`); worker processes die with the build
that started them, even when it is killed (``kill -9``).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from policykg.errors import StructureError
from policykg.kg.corpus_store import SHARED_GRAPH, merged_default_graph, write_corpus_nq, write_corpus_store
from policykg.kg.document_build import DOC_FILES, Analyse, Job
from policykg.kg.incremental import read_stamp, unchanged, update_store, write_stamp
from policykg.kg.layout import (BUILD_OUTPUTS, CORPUS_NQ, DOCS_DIR, DOCUMENT_FILES, LEDGERS_DIR, MANIFEST,
                                ONE_DOCUMENT_FILES, PARTS_DIR, REPORT, STORE_DIR, doc_folder)
from policykg.kg.lineage import lineage
from policykg.kg.progress import Progress, apply_progress, ledger_folders, ledger_state
from policykg.kg.stream_load import stream_for
from policykg.vocab import LINEAGE_GRAPH
from policykg.kg.manifest import (REASONS, builder_fingerprint, discover, last_build, manifest_bytes, mark_duplicates,
                                  plan)
from policykg.kg.workers import run_workers

#: Names other modules and the tests have always imported from here (each defined where its job is).
__all__ = ["CorpusResult", "DOCS_DIR", "LINEAGE_GRAPH", "Pages", "SHARED_GRAPH", "build_corpus", "corpus_summary",
           "discover", "doc_folder", "merged_default_graph", "write_corpus_store"]

#: ``pages(stage, entries)``: write the pages into the staged output folder (each document's in
#: its ``docs/<folder>/``); return the names it adds at the folder's top.
Pages = Callable[[Path, list[dict]], Iterable[str]]


@dataclass(frozen=True)
class CorpusResult:
    entries: list[dict]
    rebuilt: int
    reused: int
    removed: int
    links: list[tuple[str, str, str]]
    #: the names written at the top of the output folder
    outputs: tuple[str, ...] = ()
    #: id → why each rebuilt document was built (:data:`policykg.kg.manifest.REASONS`)
    reasons: dict[str, str] = field(default_factory=dict)


def build_corpus(paths: Iterable[str | os.PathLike[str]], out_dir: str | os.PathLike[str], *,
                 jobs: int | None = None, progress: bool = False, analysis: Analyse | None = None,
                 pages: Pages | None = None, doc_files: str = "full", alone: bool = False,
                 strict: bool = False, force: bool | Iterable[str] = False,
                 ledgers: Progress | None = None) -> CorpusResult:
    """Build every document of ``paths`` into the output folder ``out_dir`` (see the module docstring).

    ``analysis(store, entries, builder)`` gives each document's analysis graph as N-Quads; it
    runs in the worker processes, so it must be a module-level function. ``pages(stage,
    entries)`` writes the pages into the staged folder. ``doc_files`` is ``"full"`` or
    ``"lean"`` (:data:`policykg.kg.document_build.DOC_FILES`). ``ledgers(store, folders)`` reads
    the progress ledgers kept beside the corpus against the built store; each becomes a named graph
    (:mod:`policykg.kg.progress`), so a build never loses reported progress. ``alone``: ``paths`` name one
    document, built as ``policykg build FILE`` builds it — its error raised, its files also
    at the top of the folder, and with ``strict`` refused when understood only in part.
    ``force``: True to build every document again, or the ids of those to build again.

    The workers write each document's files into the staged folder themselves, and
    ``corpus.nq`` is assembled part by part on disk, so the parent never holds the corpus
    in memory. The output folder is locked from the reading of the last build to the swap.
    """
    if doc_files not in DOC_FILES:
        raise ValueError(f"doc_files must be one of {sorted(DOC_FILES)}")
    from policykg.kg.publish import output_lock, publish

    out, analysis, paths = Path(out_dir), analysis or None, list(paths)   # analysis=False: none, as before
    with output_lock(out):
        sources = discover(paths)
        if alone and len(sources) != 1:
            raise ValueError(f"alone: one document, not {len(sources)}")
        fingerprint = builder_fingerprint()
        last = last_build(out)
        todo = plan(sources, out, last, DOC_FILES[doc_files], analysis is not None, fingerprint, force)
        # -- incremental rebuild (policykg.kg.incremental): a no-op stops here; else blocks and store reused
        options = dict(doc_files=doc_files, analysis=analysis is not None, pages=pages is not None,
                       alone=alone, strict=strict, ledgers=None if ledgers is None else ledger_state(paths, out))
        stamp = read_stamp(out, fingerprint)
        if not todo.todo and not todo.refused:
            same = [todo.entry(path, {}) for path in sources]
            if not mark_duplicates(same) and unchanged(out, stamp, options, same, manifest_bytes(same, fingerprint)):
                return CorpusResult(entries=same, rebuilt=0, reused=len(same), removed=0, links=lineage(same),
                                    outputs=tuple(n for n in sorted(os.listdir(out)) if n in BUILD_OUTPUTS))
        # -- end incremental
        job, stream = Job(doc_files=doc_files, analyse=analysis, alone=alone), stream_for(out, stamp)  # a full load
        built: dict[str, dict] = {}
        entries: list[dict] = []
        links: list[tuple[str, str, str]] = []

        def fill(stage: Path) -> list[str]:
            (stage / DOCS_DIR).mkdir()
            (stage / PARTS_DIR).mkdir()
            built.update((b.entry["id"], b.entry)
                         for b in run_workers(todo.todo, jobs, progress, replace(job, dest=str(stage)),
                                              stream.feeder(stage)))
            entries.extend(todo.entry(path, built) for path in sources)
            for duplicate in mark_duplicates(entries):     # written by its worker, left out
                shutil.rmtree(stage / DOCS_DIR / doc_folder(duplicate["id"]), ignore_errors=True)
            links.extend(lineage(entries))
            blocks = write_corpus_nq(stage, out, entries, set(built), links, analysis is not None,
                                     (stamp or {}).get("blocks"), stream.spool, last[1])
            shutil.rmtree(stage / PARTS_DIR)
            if alone and strict:
                refuse_partial(entries[0], stage, sources[0])
            if not stream.finish(stage / CORPUS_NQ, blocks) and not update_store(out, stage, stamp, blocks):
                write_corpus_store(stage / STORE_DIR, stage / CORPUS_NQ)
            documents = manifest_bytes(entries, fingerprint)           # what a no-op rebuild compares
            manifest = manifest_bytes(entries, fingerprint, progress_of(stage, paths, out, ledgers))
            (stage / MANIFEST).write_bytes(manifest)
            write_stamp(stage, fingerprint, options, documents, blocks, manifest)
            names = [CORPUS_NQ, MANIFEST, DOCS_DIR, STORE_DIR]
            if pages is not None:
                names += list(pages(stage, entries))
            if alone:
                names += place_on_top(stage, entries[0], with_pages=pages is not None)
            return names

        written = publish(out, stream.guarded(fill), replaces=BUILD_OUTPUTS)
    removed = len(set(last[1]) - {e["id"] for e in entries})
    return CorpusResult(entries=entries, rebuilt=len(built), reused=len(todo.reused), removed=removed,
                        links=links, outputs=tuple(p.name for p in written), reasons=todo.reasons)


def progress_of(stage: Path, paths: list, out: Path, ledgers: Progress | None) -> dict | None:
    """The staged corpus with every kept ledger applied (:func:`policykg.kg.progress.apply_progress`);
    the manifest's ``ledgers`` and ``ledger_folders``. None when the build reads no ledgers."""
    if ledgers is None:
        return None
    from policykg.kg.manifest import display_path
    folders = ledger_folders(paths, out)
    own = os.path.realpath(out / LEDGERS_DIR)

    def shown(path: str) -> str:
        """A path as the manifest shows it: the output folder's own ledgers relative to it (``ledgers/NAME``),
        so the same build into another folder writes the same manifest."""
        real = os.path.realpath(path)
        return f"{LEDGERS_DIR}/{os.path.relpath(real, own)}" if real.startswith(own + os.sep) or real == own else path
    entries = [{**e, "file": shown(e["file"])} for e in apply_progress(stage, ledgers, folders)]
    return {"ledgers": entries, "ledger_folders": [shown(display_path(f)) if os.path.realpath(f) != own
                                                   else LEDGERS_DIR for f in folders]}


def refuse_partial(entry: dict, stage: Path, source: Path) -> None:
    """``--strict`` on one document: a document understood only in part (warnings, unmapped lines)
    is refused before anything is written, naming the first line concerned."""
    if not (entry.get("warnings") or entry.get("unmapped_lines")):
        return
    report = json.loads((stage / DOCS_DIR / doc_folder(entry["id"]) / REPORT).read_text(encoding="utf-8"))
    where = (report["unmapped_lines"] or report["warnings"])[0]
    raise StructureError(f"--strict: {len(report['unmapped_lines'])} unmapped line(s), "
                         f"{len(report['warnings'])} warning(s); first: {where['reason'][:120]}",
                         path=str(source), line=where["line"])


def place_on_top(stage: Path, entry: dict, with_pages: bool) -> list[str]:
    """A one-document build: the document's files also at the top of the folder, as hard links to
    ``docs/<folder>/…`` (copies where links fail), so ``DIR/policykg.ttl`` is its graph — what
    tools that run ``policykg build FILE --out DIR`` read. Its pages too, when they were asked
    for (a name the pages already wrote at the top is left as they wrote it)."""
    from policykg.kg.publish import link_or_copy
    folder = stage / DOCS_DIR / doc_folder(entry["id"])
    placed = []
    for name in ONE_DOCUMENT_FILES if with_pages else DOCUMENT_FILES:
        if (folder / name).is_file() and not os.path.lexists(stage / name):
            link_or_copy(folder / name, stage / name)
            placed.append(name)
    return placed


def _read_as(entry: dict) -> str:
    """`` (pdf, 29 pages)`` for a document not read as plain text: the summary shows formats at work;
    a text says nothing (most corpora are texts, and their lines stay as they were)."""
    fmt = entry.get("format") or "text"
    if fmt == "text":
        return ""
    return f" ({fmt}, {entry['pages']} pages)" if entry.get("pages") else f" ({fmt})"


def corpus_summary(result: CorpusResult, out: Path) -> list[str]:
    """What the corpus build did, in a few lines (the manifest has the rest)."""
    built = [e for e in result.entries if e["status"] == "built"]
    duplicates = sum(1 for e in result.entries if e["status"] == "duplicate")
    lines = [f"corpus of {len(result.entries)} documents: {len(built)} built "
             f"({result.rebuilt} rebuilt, {result.reused} unchanged), "
             f"{len(result.entries) - len(built) - duplicates} failed, {duplicates} duplicate, "
             f"{result.removed} removed; {len(result.links)} lineage links"]
    if result.reasons:
        lines.append(f"  rebuilt: {rebuilt_why(result.reasons)}")
    for e in result.entries:
        if e["status"] == "built":
            c = e["counts"]
            lines.append(f"  {e['id']}{_read_as(e)}: {e['title'][:40]} ({e.get('jurisdiction') or '?'}, "
                         f"{e.get('issued') or '?'}) records {c['responsibility_records']}, units {c['units']}, "
                         f"triples {c['triples']}")
        elif e["status"] == "duplicate":
            lines.append(f"  {e['id']}: DUPLICATE of {e['duplicate_of']} (same issuer, title and date)")
        else:
            lines.append(f"  {e['id']}: FAILED {e.get('error', '')[:100]}")
    lines += progress_summary(out)
    lines.append(f"  wrote {out / CORPUS_NQ}, {out / MANIFEST}, {out / DOCS_DIR}/, {out / STORE_DIR}/")
    return lines


def progress_summary(out: Path) -> list[str]:
    """One line on the progress reports the build applied (the manifest's ``ledgers``), none when there are none."""
    try:
        ledgers = json.loads((out / MANIFEST).read_text(encoding="utf-8")).get("ledgers") or []
    except (OSError, ValueError):
        return []
    if not ledgers:
        return []
    dates = ", ".join(sorted({str(e.get("as_of")) for e in ledgers}))
    updates = sum(int(e.get("updates") or 0) for e in ledgers)
    left_out = sum(len(e.get("problems") or []) for e in ledgers)
    return [f"  progress: {len(ledgers)} reports ({dates}), {updates} status updates, {left_out} rows left out"]


def rebuilt_why(reasons: dict[str, str], shown: int = 4) -> str:
    """What was rebuilt and why, by reason: ``changed sidecar 1 (13_jinan), new 1 (99_x)``; at most
    ``shown`` ids per reason (a thousand documents of a new builder are one short line).

    >>> rebuilt_why({"a": "new", "b": "changed sidecar", "c": "new"})
    'new 2 (a, c); changed sidecar 1 (b)'
    """
    by_reason: dict[str, list[str]] = {}
    for doc_id, reason in reasons.items():
        by_reason.setdefault(reason, []).append(doc_id)
    parts = []
    for reason in sorted(by_reason, key=REASONS.index):
        ids = by_reason[reason]
        more = f", … {len(ids) - shown} more" if len(ids) > shown else ""
        parts.append(f"{reason} {len(ids)} ({', '.join(ids[:shown])}{more})")
    return "; ".join(parts)
