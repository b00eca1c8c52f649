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
* a rebuild reuses every document whose bytes did not change (by SHA-256),
  rebuilds a changed one, and drops one whose file is gone. The folder is
  staged and swapped in whole (:func:`policykg.kg.publish.publish`).

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
from dataclasses import dataclass, replace
from pathlib import Path

from policykg.errors import StructureError
from policykg.kg.corpus_store import SHARED_GRAPH, merged_default_graph, write_corpus_nq, write_corpus_store
from policykg.kg.document_build import DOC_FILES, Analyse, Job
from policykg.kg.incremental import read_stamp, unchanged, update_store, write_stamp
from policykg.kg.layout import (BUILD_OUTPUTS, CORPUS_NQ, DOCS_DIR, DOCUMENT_FILES, MANIFEST, ONE_DOCUMENT_FILES,
                                PARTS_DIR, REPORT, STORE_DIR, doc_folder)
from policykg.kg.lineage import lineage
from policykg.vocab import LINEAGE_GRAPH
from policykg.kg.manifest import builder_fingerprint, discover, manifest_bytes, mark_duplicates, old_manifest, plan
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


def build_corpus(paths: Iterable[str | os.PathLike[str]], out_dir: str | os.PathLike[str], *,
                 jobs: int | None = None, progress: bool = False, analysis: Analyse | None = None,
                 pages: Pages | None = None, doc_files: str = "full", alone: bool = False,
                 strict: bool = False) -> CorpusResult:
    """Build every document of ``paths`` into the output folder ``out_dir`` (see the module docstring).

    ``analysis(store, entries, builder)`` gives each document's analysis graph as N-Quads; it
    runs in the worker processes, so it must be a module-level function. ``pages(stage,
    entries)`` writes the pages into the staged folder. ``doc_files`` is ``"full"`` or
    ``"lean"`` (:data:`policykg.kg.document_build.DOC_FILES`). ``alone``: ``paths`` name one
    document, built as ``policykg build FILE`` builds it — its error raised, its files also
    at the top of the folder, and with ``strict`` refused when understood only in part.

    The workers write each document's files into the staged folder themselves, and
    ``corpus.nq`` is assembled part by part on disk, so the parent never holds the corpus
    in memory. The output folder is locked from the reading of the last build to the swap.
    """
    if doc_files not in DOC_FILES:
        raise ValueError(f"doc_files must be one of {sorted(DOC_FILES)}")
    from policykg.kg.publish import output_lock, publish

    out, analysis = Path(out_dir), analysis or None          # analysis=False: none, as before
    with output_lock(out):
        sources = discover(paths)
        if alone and len(sources) != 1:
            raise ValueError(f"alone: one document, not {len(sources)}")
        fingerprint = builder_fingerprint()
        old = old_manifest(out, fingerprint)
        todo = plan(sources, out, old, DOC_FILES[doc_files], analysis is not None)
        # -- incremental rebuild (policykg.kg.incremental): a no-op stops here; else blocks and store reused
        options = dict(doc_files=doc_files, analysis=analysis is not None, pages=pages is not None,
                       alone=alone, strict=strict)
        stamp = read_stamp(out, fingerprint)
        if not todo.todo and not todo.refused:
            same = [todo.entry(path, {}) for path in sources]
            if not mark_duplicates(same) and unchanged(out, stamp, options, same, manifest_bytes(same, fingerprint)):
                return CorpusResult(entries=same, rebuilt=0, reused=len(same), removed=0, links=lineage(same),
                                    outputs=tuple(n for n in sorted(os.listdir(out)) if n in BUILD_OUTPUTS))
        # -- end incremental
        job = Job(doc_files=doc_files, analyse=analysis, alone=alone)
        built: dict[str, dict] = {}
        entries: list[dict] = []
        links: list[tuple[str, str, str]] = []

        def fill(stage: Path) -> list[str]:
            (stage / DOCS_DIR).mkdir()
            (stage / PARTS_DIR).mkdir()
            built.update((b.entry["id"], b.entry)
                         for b in run_workers(todo.todo, jobs, progress, replace(job, dest=str(stage))))
            entries.extend(todo.entry(path, built) for path in sources)
            for duplicate in mark_duplicates(entries):     # written by its worker, left out
                shutil.rmtree(stage / DOCS_DIR / doc_folder(duplicate["id"]), ignore_errors=True)
            links.extend(lineage(entries))
            blocks = write_corpus_nq(stage, out, entries, set(built), links, analysis is not None,
                                     (stamp or {}).get("blocks"))
            shutil.rmtree(stage / PARTS_DIR)
            if alone and strict:
                refuse_partial(entries[0], stage, sources[0])
            if not update_store(out, stage, stamp, blocks):
                write_corpus_store(stage / STORE_DIR, stage / CORPUS_NQ)
            manifest = manifest_bytes(entries, fingerprint)
            (stage / MANIFEST).write_bytes(manifest)
            write_stamp(stage, fingerprint, options, manifest, blocks)
            names = [CORPUS_NQ, MANIFEST, DOCS_DIR, STORE_DIR]
            if pages is not None:
                names += list(pages(stage, entries))
            if alone:
                names += place_on_top(stage, entries[0], with_pages=pages is not None)
            return names

        written = publish(out, fill, replaces=BUILD_OUTPUTS)
    removed = len(set(old) - {e["id"] for e in entries})
    return CorpusResult(entries=entries, rebuilt=len(built), reused=len(todo.reused), removed=removed,
                        links=links, outputs=tuple(p.name for p in written))


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


def corpus_summary(result: CorpusResult, out: Path) -> list[str]:
    """What the corpus build did, in a few lines (the manifest has the rest)."""
    built = [e for e in result.entries if e["status"] == "built"]
    duplicates = sum(1 for e in result.entries if e["status"] == "duplicate")
    lines = [f"corpus of {len(result.entries)} documents: {len(built)} built "
             f"({result.rebuilt} rebuilt, {result.reused} unchanged), "
             f"{len(result.entries) - len(built) - duplicates} failed, {duplicates} duplicate, "
             f"{result.removed} removed; {len(result.links)} lineage links"]
    for e in result.entries:
        if e["status"] == "built":
            c = e["counts"]
            lines.append(f"  {e['id']}: {e['title'][:40]} ({e.get('jurisdiction') or '?'}, {e.get('issued') or '?'}) "
                         f"records {c['responsibility_records']}, units {c['units']}, triples {c['triples']}")
        elif e["status"] == "duplicate":
            lines.append(f"  {e['id']}: DUPLICATE of {e['duplicate_of']} (same issuer, title and date)")
        else:
            lines.append(f"  {e['id']}: FAILED {e.get('error', '')[:100]}")
    lines.append(f"  wrote {out / CORPUS_NQ}, {out / MANIFEST}, {out / DOCS_DIR}/, {out / STORE_DIR}/")
    return lines
