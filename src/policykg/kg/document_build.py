"""One document of a build, as a worker process builds it: its files, its named graph, its entry.

Each worker runs the pipeline (:func:`policykg.kg.pipeline.build`) on one document,
writes the document's files into ``docs/<folder>/`` of the staged output folder and its
named graph into ``.parts/``, and returns only the manifest entry — nothing large
crosses processes or waits in the parent's memory. What more the build computes per
document (its network analysis) comes in with the :class:`Job`, as a function the
command line chose: the build never imports a use.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from policykg.errors import InternalError, PolicyKGError
from policykg.model import TaskList
from policykg.kg.corpus_store import named_graph
from policykg.kg.layout import ANALYSIS_FILE, DOCS_DIR, DOCUMENT_FILES, GRAPH_STEM, PARTS_DIR, REPORT, TURTLE, \
    doc_folder
from policykg.kg.manifest import builder_fingerprint, display_path, document_id, failed, sha256_of, sidecar_sha256_of

#: What the build writes into ``docs/<folder>/``. ``full``: the files of the one layout, byte
#: for byte (rdflib's Turtle, N-Triples and JSON-LD, report.json). ``lean``: ``policykg.ttl``
#: written by Oxigraph (the same triples, sorted, other bytes) and report.json — no rdflib
#: serialisation (written directly now, :mod:`policykg.kg.serialise`, so the time saved is small) and
#: a fifth of the disk for a large corpus (1,000 generated documents: 241 MB against 1.2 GB).
DOC_FILES = {"full": DOCUMENT_FILES, "lean": (TURTLE, REPORT)}
#: ``analyse(store, entries, builder)``: N-Quads of the analysis graph of the built documents
#: ``entries`` held in ``store`` (:func:`policykg.use.analysis_graph.analysis_quads`).
Analyse = Callable[[object, list, str], bytes]


@dataclass(frozen=True)
class Job:
    """How each worker builds its document. Plain data and a module-level function (pickled by
    reference): it crosses into the worker processes."""

    #: the staged output folder; ``None``: return the files instead of writing them
    dest: str | None = None
    doc_files: str = "full"
    #: the document's network analysis, written to ``docs/<folder>/analysis.nq``; ``None``: none
    analyse: Analyse | None = None
    #: a one-document build: the document's error is the build's (raised), not an entry of the manifest
    alone: bool = False


@dataclass(frozen=True)
class Built:
    """One document's build, as a worker returns it (plain data: it crosses processes).

    When the worker wrote its files itself (``Job.dest``), ``files`` is empty.
    """

    entry: dict
    files: dict[str, bytes]


#: Documents between two full collections of the process's cycles (:func:`_collected_after`).
FULL_COLLECTION_EVERY = 32
_SINCE_FULL = [0]


@contextmanager
def _collected_after():
    """Python's cyclic garbage collector off while one document is built, its cycles collected after.

    A document allocates some millions of objects, nearly all freed by reference counting; the
    collector, run every 700 allocations, kept walking what was alive — the document's terms and
    rows, and at each full pass jieba's dictionary and every module — a sixth of a document's CPU.
    Here it runs once per document, on what the document left alive (the two young generations:
    ``gc.collect(1)``), and a full pass every :data:`FULL_COLLECTION_EVERY` documents catches a
    cycle that reaches older objects. Memory held by a document's cycles is returned at its end.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        _SINCE_FULL[0] += 1
        if _SINCE_FULL[0] >= FULL_COLLECTION_EVERY:
            _SINCE_FULL[0] = 0
            gc.collect()
        else:
            gc.collect(1)
        if enabled:
            gc.enable()


def build_document(path: str, job: Job = Job()) -> Built:
    """Build one document and return its manifest entry (and its files, without ``job.dest``).

    With ``job.dest`` (the staged output folder) the files go to ``dest/docs/<folder>/`` and
    the document's named graph, as sorted N-Quads, to ``dest/.parts/<folder>.nq``.
    """
    with _collected_after():
        return _build_document(path, job)


def _build_document(path: str, job: Job) -> Built:
    from policykg.kg.pipeline import build

    source = Path(path)
    entry = {"id": document_id(source), "file": display_path(source), "sha256": None}
    try:
        entry["sha256"] = sha256_of(source)
        entry["sidecar_sha256"] = sidecar_sha256_of(source)       # what the next build's reuse compares
        result = build(source)
    except PolicyKGError as exc:
        if job.alone:
            raise
        return Built(entry=failed(entry, exc), files={})
    except Exception as exc:      # a fault met on one document is that document's, not the corpus's
        error = InternalError(f"{type(exc).__name__}: {exc}", path=entry["file"])
        if job.alone:
            raise error from exc
        return Built(entry=failed(entry, error), files={})
    entry.update(describe(result))
    if job.dest is None:
        return Built(entry=entry, files=result.files())
    _write_document(result, entry, Path(job.dest), job)
    return Built(entry=entry, files={})


def describe(result) -> dict:
    """What the manifest says of a built document: its IRI, how it was read, header, jurisdiction,
    counts, warnings, citations.

    How it was read — ``format`` (what the bytes are: ``text``, ``html``, ``docx``, ``pdf``,
    ``doc`` …, not what the name claims), ``reader``, ``pages`` (a PDF's, else ``None``) and
    ``reader_notes`` (what reading noticed: page numbers dropped, numbers rendered from Word's
    lists, a page without a text layer) — is what an analyst checks first when a document
    built from a portal page or a PDF says less than expected. ``warnings`` stay what the
    build understood only in part (what ``--strict`` refuses): a dropped page number is no
    reason to refuse a document.
    """
    from policykg.ingest.normalize import document_jurisdiction, jurisdiction_info

    header = result.linked.extraction.header
    source = result.linked.extraction.source
    place = document_jurisdiction(header)
    return dict(
        status="built", iri=_doc_iri(result.triples), format=source.format, reader=source.reader,
        pages=source.pages, reader_notes=list(source.notes), title=header.title, issuer=header.issuer,
        issued=header.issued.isoformat() if header.issued else None, doc_number=header.doc_number,
        jurisdiction=place, level=jurisdiction_info(place).level if place else None,
        counts={k: result.report["counts"][k] for k in ("responsibility_records", "records", "key_tasks",
                                                          "narrative_measures", "units", "triples")},
        warnings=[w["reason"] for w in result.report["warnings"]],
        unmapped_lines=len(result.report["unmapped_lines"]),
        cites=_citations(result.linked.extraction))


def _write_document(result, entry: dict, dest: Path, job: Job) -> None:
    """The document's files into ``docs/<folder>/``, its named graph into ``.parts/``, its analysis."""
    from policykg.kg.publish import ntriples_bytes
    from policykg.kg.store import memory_store

    if job.doc_files == "full":
        files = result.files()
        ntriples = files[f"{GRAPH_STEM}.nt"]
    else:
        ntriples = ntriples_bytes(result.triples)
        files = _lean_files(result, ntriples)
    folder = dest / DOCS_DIR / doc_folder(entry["id"])
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (dest / PARTS_DIR / f"{doc_folder(entry['id'])}.nq").write_bytes(named_graph(ntriples, entry["iri"], fmt="nt"))
    if job.analyse is not None:        # computed on the document alone, in the worker that built it
        store = memory_store(ntriples, trusted=True)             # the build's own N-Triples
        (folder / ANALYSIS_FILE).write_bytes(job.analyse(store, [entry], builder_fingerprint()))


def _lean_files(result, ntriples: bytes) -> dict[str, bytes]:
    """``policykg.ttl`` by Oxigraph (sorted triples, the graph's prefixes) and ``report.json``."""
    import pyoxigraph as ox

    from policykg.kg.publish import report_bytes
    from policykg.kg.store import PREFIXES
    triples = sorted(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES),
                     key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    prefixes = dict(sorted(PREFIXES.items()))
    return {TURTLE: ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes),
            REPORT: report_bytes(result.report)}


def _doc_iri(graph) -> str:
    from rdflib.namespace import RDF

    from policykg.kg.terms import PKG
    return str(next(iter(graph.subjects(RDF.type, PKG.PolicyDocument))))


def _citations(extraction) -> list[dict]:
    """Every 《…》 the document names, with its 文号 and what the sentence does with it."""
    refs = list(extraction.header.implements)
    task_list = extraction.task_list or TaskList()
    for task in task_list.tasks:
        for item in task.targets + task.measures:
            refs += item.references
    for group in (task_list.narrative, extraction.provisions, extraction.records):
        for node in group:
            refs += node.references
    seen, out = set(), []
    relation = {ref.title: "implements" for ref in extraction.header.implements}
    for ref in refs:
        key = (ref.title, ref.number)
        if key not in seen:
            seen.add(key)
            out.append({"title": ref.title, "number": ref.number,
                        "relation": relation.get(ref.title, "cites")})
    return out
