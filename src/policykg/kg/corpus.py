"""Many documents, one store: the corpus build.

``policykg build PATH…`` with folders or several files builds a *corpus*:

* each document is built and validated on its own (the pipeline, unchanged),
  in parallel worker processes, and becomes one **named graph** whose name is
  the document's IRI; what every document shares — the ontology, the unit-type
  and topic schemes — lives once, in the shared graph;
* each document's unit network is analysed (communities, centralities) and the
  results written back as the named graph ``id/graph/analysis`` (see
  :mod:`policykg.use.analysis_graph`), so SPARQL can ask for them (``--no-analysis``
  skips it);
* citations (《…》 titles and 文号) that name another document of the corpus
  become ``eli:implements`` / ``eli:cites`` links between the two documents, in
  the lineage graph, so 国务院 → 省 → 市 → 县 chains are queries;
* the output folder gets ``corpus.nq`` (sorted N-Quads), ``manifest.json``
  (per document: id, file, title, issuer, date, 文号, jurisdiction and level,
  hash, counts, status, warnings), a folder ``docs/<id>/`` per document laid out
  as a one-document build (``policykg.ttl``/``.nt``/``.jsonld`` — the document's
  whole graph, schemes included —, ``report.json``, and with ``--pages`` its
  pages), and the
  Oxigraph store, whose default graph is the merge of the named graphs (each
  triple once);
* a rebuild reuses every document whose bytes did not change (by SHA-256),
  rebuilds a changed one, and drops one whose file is gone. The folder is
  staged and swapped in whole (:func:`policykg.kg.publish.publish`).

A document that cannot be read (empty, binary, undecodable, a FIFO or a
folder named like one, a name that cannot be an id, an id another file already
has) or fails its shapes is listed in the manifest with its error and left out
of the store: one bad file does not stop a thousand good ones.

Any file name works. The id is the file name without its extension, as
written (bytes that are not UTF-8 shown ``\\xNN``); IRIs percent-encode what
IRIs cannot hold (:func:`policykg.kg.iri.segment`); the folder ``docs/<id>/`` is
the id itself when it is a plain name, else the id percent-encoded
(:func:`doc_folder`), so every document gets a folder of its own.

Two builds on one output folder: the second is refused, naming the first
(:func:`policykg.kg.publish.output_lock`); worker processes die with the build
that started them, even when it is killed (``kill -9``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import unicodedata
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path

from policykg.errors import InputError, InternalError, PolicyKGError, WorkerDied
from policykg.ingest.read import MAX_ID_BYTES, MAX_SOURCE_BYTES, read_capped, readable_name
from policykg.vocab import ELI_NS as ELI, LINEAGE_GRAPH, SHARED_GRAPH

GRAPH_STEM = "policykg"

MANIFEST = "manifest.json"
CORPUS_NQ = "corpus.nq"
DOCS_DIR = "docs"
STORE_DIR = "store"
#: Every entry a corpus build writes into its output folder.
CORPUS_OUTPUTS = (CORPUS_NQ, MANIFEST, DOCS_DIR, STORE_DIR, "units.html")
SOURCE_SUFFIXES = (".txt",)
_FLAT = re.compile(r"[\s《》〈〉“”\"'（）()·—–-]")
#: What a corpus writes into ``docs/<id>/``. ``full``: the files of a one-document build, byte for
#: byte (rdflib's Turtle, N-Triples and JSON-LD, report.json). ``lean``: ``policykg.ttl`` written by
#: Oxigraph (the same triples, sorted, other bytes) and report.json — no rdflib serialisation, which
#: costs more than the build itself; for large corpora (``bench/bench_corpus.py`` uses it).
DOC_FILES = {"full": (f"{GRAPH_STEM}.ttl", f"{GRAPH_STEM}.nt", f"{GRAPH_STEM}.jsonld", "report.json"),
             "lean": (f"{GRAPH_STEM}.ttl", "report.json")}
PARTS_DIR = ".parts"
#: Each document's analysis results (communities, centralities), kept with it for rebuilds.
ANALYSIS_FILE = "analysis.nq"


@dataclass(frozen=True)
class Built:
    """One document's build, as a worker returns it (plain data: it crosses processes).

    When the worker wrote its files itself (``build_document(path, dest)``), ``files`` is empty.
    """

    entry: dict
    files: dict[str, bytes]


def discover(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The documents named by ``paths``: files as given, folders searched for ``*.txt``.

    >>> [p.name for p in discover(["sources"])][:1]
    ['000_4cdbba2a142b4d11.txt']
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if os.path.isdir(path):
            # every entry named like a document: a FIFO or a folder so named is listed as failed
            found += sorted(p for p in path.rglob("*") if p.suffix in SOURCE_SUFFIXES)
        elif os.path.lexists(path):
            found.append(path)
        else:
            raise InputError("no such file or folder", path=str(path))
    unique: dict[str, Path] = {}
    for path in found:
        unique.setdefault(os.path.realpath(path), path)
    return list(unique.values())


def _display_path(path: Path) -> str:
    """The path relative to the working folder when inside it, so manifests do not name the machine."""
    try:
        shown = str(Path(os.path.realpath(path)).relative_to(os.path.realpath(Path.cwd())))
    except ValueError:
        shown = str(path)
    return readable_name(shown)


def document_id(path: Path) -> str:
    """A short, stable name for a document: its file name without the extension, as text."""
    return readable_name(path.stem)


#: What a plain id may not hold to be its own folder name: path syntax, the escape character,
#: and characters that break lines, act on a terminal or do not print.
_FOLDER_UNSAFE = frozenset("/\\%")
_UNPRINTABLE = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))


def doc_folder(doc_id: str) -> str:
    """The name of the folder ``docs/<id>/`` of document ``doc_id``: one of its own, safe to use.

    A plain id is its own folder name; any other has its unsafe characters percent-encoded
    (``%`` among them, so no two ids share a folder), and one too long for a file name is cut
    and ends ``%~`` and a hash of the whole id.

    >>> doc_folder("000_4cdbba2a142b4d11"), doc_folder("关于 印发（2023）"), doc_folder("a/b%\\n")
    ('000_4cdbba2a142b4d11', '关于 印发（2023）', 'a%2Fb%25%0A')
    """
    def unsafe(ch: str) -> bool:
        return ch in _FOLDER_UNSAFE or unicodedata.category(ch) in _UNPRINTABLE

    name = "".join("".join(f"%{b:02X}" for b in ch.encode("utf-8")) if unsafe(ch) else ch for ch in doc_id)
    if len(name.encode("utf-8")) <= MAX_ID_BYTES:
        return name
    head = name.encode("utf-8")[:MAX_ID_BYTES - 20].decode("utf-8", "ignore")
    return f"{head}%~{hashlib.sha256(doc_id.encode('utf-8')).hexdigest()[:16]}"


def sha256_of(path: Path) -> str:
    """The SHA-256 of a document's bytes, read as :func:`policykg.ingest.read.read_source` reads them."""
    return hashlib.sha256(read_capped(path, MAX_SOURCE_BYTES)).hexdigest()


# ---------------------------------------------------------------- one document (in a worker)


def build_document(path: str, dest: str | None = None, doc_files: str = "full", analysis: bool = False) -> Built:
    """Build one document and return its files and its manifest entry.

    With ``dest`` (a corpus's staged folder) the worker writes the files itself into
    ``dest/docs/<id>/`` and the document's named graph, as sorted N-Quads, into
    ``dest/.parts/<id>.nq``, and returns only the entry: nothing large crosses processes
    or waits in the parent's memory.
    """
    from policykg.ingest.normalize import document_jurisdiction, jurisdiction_info
    from policykg.kg.pipeline import build

    source = Path(path)
    entry = {"id": document_id(source), "file": _display_path(source), "sha256": None}
    try:
        entry["sha256"] = sha256_of(source)
        result = build(source)
    except PolicyKGError as exc:
        return Built(entry=failed(entry, exc), files={})
    except Exception as exc:      # a fault met on one document is that document's, not the corpus's
        return Built(entry=failed(entry, InternalError(f"{type(exc).__name__}: {exc}", path=entry["file"])),
                     files={})
    header = result.linked.extraction.header
    place = document_jurisdiction(header)
    doc = _doc_iri(result.graph)
    entry.update(
        status="built", iri=doc, title=header.title, issuer=header.issuer,
        issued=header.issued.isoformat() if header.issued else None, doc_number=header.doc_number,
        jurisdiction=place, level=jurisdiction_info(place).level if place else None,
        counts={k: result.report["counts"][k] for k in ("responsibility_records", "records", "key_tasks",
                                                          "narrative_measures", "units", "triples")},
        warnings=[w["reason"] for w in result.report["warnings"]],
        unmapped_lines=len(result.report["unmapped_lines"]),
        cites=_citations(result.linked.extraction))
    if dest is None:
        return Built(entry=entry, files=result.files())
    if doc_files == "full":
        files = result.files()
        ntriples = files[f"{GRAPH_STEM}.nt"]
    else:
        ntriples = result.graph.serialize(format="nt", encoding="utf-8")
        files = _lean_files(result, ntriples)
    folder = Path(dest) / DOCS_DIR / doc_folder(entry["id"])
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (Path(dest) / PARTS_DIR / f"{doc_folder(entry['id'])}.nq").write_bytes(named_graph(ntriples, doc, fmt="nt"))
    if analysis:
        (folder / ANALYSIS_FILE).write_bytes(document_analysis(ntriples, entry))
    return Built(entry=entry, files={})


def failed(entry: dict, error: PolicyKGError) -> dict:
    """``entry`` marked failed with ``error``, one line of at most 300 characters."""
    entry.update(status="failed", error=readable_name(str(error))[:300])
    return entry


def document_analysis(ntriples: bytes, entry: dict) -> bytes:
    """The document's communities and centralities as N-Quads of the analysis graph,
    computed on the document alone (in the worker that built it)."""
    from policykg.use.analysis_graph import analysis_quads
    from policykg.kg.store import memory_store
    return analysis_quads(memory_store(ntriples), [entry], builder_fingerprint())


def _lean_files(result, ntriples: bytes) -> dict[str, bytes]:
    """``policykg.ttl`` by Oxigraph (sorted triples, the graph's prefixes) and ``report.json``."""
    import pyoxigraph as ox

    from policykg.kg.publish import report_bytes
    triples = sorted(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES),
                     key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    from policykg.kg.store import PREFIXES
    prefixes = dict(sorted(PREFIXES.items()))
    return {f"{GRAPH_STEM}.ttl": ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes),
            "report.json": report_bytes(result.report)}


def _doc_iri(graph) -> str:
    from rdflib.namespace import RDF

    from policykg.kg.terms import PKG
    return str(next(iter(graph.subjects(RDF.type, PKG.PolicyDocument))))


def _citations(extraction) -> list[dict]:
    """Every 《…》 the document names, with its 文号 and what the sentence does with it."""
    refs = list(extraction.header.implements)
    for task in extraction.tasks:
        for item in task.targets + task.measures:
            refs += item.references
    for group in (extraction.narrative, extraction.provisions, extraction.records):
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


def named_graph(turtle: bytes, doc: str, fmt: str = "ttl") -> bytes:
    """A document's Turtle (or N-Triples), without the shared schemes, as sorted N-Quads in graph ``doc``."""
    import pyoxigraph as ox
    shared = _shared_subjects()
    graph = ox.NamedNode(doc)
    syntax = ox.RdfFormat.N_TRIPLES if fmt == "nt" else ox.RdfFormat.TURTLE
    quads = [ox.Quad(t.subject, t.predicate, t.object, graph)
             for t in ox.parse(turtle, format=syntax) if str(t.subject) not in shared]
    from policykg.kg.publish import ntriples_lines
    text = ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode("utf-8")
    return ("\n".join(sorted(ntriples_lines(text))) + "\n").encode("utf-8")


@lru_cache(maxsize=1)
def _shared_subjects() -> frozenset[str]:
    from policykg.ingest.lexicon import scheme_graph
    subjects = set()
    for name in ("unit_types.ttl", "topics.ttl"):
        subjects |= {s.n3() for s in scheme_graph(name).subjects()}
    return frozenset(subjects)


def shared_graph() -> bytes:
    """The ontology and the lexicon's schemes, as N-Quads in the shared graph."""
    from rdflib import Graph

    from policykg.ingest.lexicon import scheme_graph
    from policykg.resources import ontology_path
    from policykg.kg.publish import ntriples_lines
    graph = Graph().parse(ontology_path(), format="turtle")
    for name in ("unit_types.ttl", "topics.ttl"):
        graph += scheme_graph(name)
    lines = [f"{line[:-1].rstrip()} <{SHARED_GRAPH}> ."
             for line in ntriples_lines(graph.serialize(format="nt", encoding="utf-8").decode("utf-8"))]
    return ("\n".join(sorted(lines)) + "\n").encode("utf-8")


# ---------------------------------------------------------------- lineage


def flat_title(title: str) -> str:
    """A title without brackets, quotes and spaces, for matching citations to documents.

    >>> flat_title("《山东省服务业数字化转型行动方案（2021—2023）》") == flat_title("山东省服务业数字化转型行动方案(2021-2023)")
    True
    """
    return _FLAT.sub("", title)


def lineage(entries: list[dict]) -> list[tuple[str, str, str]]:
    """``(citing document, relation, cited document)`` for every citation that names a corpus document.

    A citation matches a document by its 文号, or by its title once brackets and
    spaces are set aside (a notice's title and the title of what it issues both count).
    """
    by_number: dict[str, str] = {}
    by_title: dict[str, str] = {}
    for entry in entries:
        if entry.get("status") != "built":
            continue
        if entry.get("doc_number"):
            by_number[entry["doc_number"]] = entry["iri"]
        for title in (entry.get("title"),):
            if title:
                by_title[flat_title(title)] = entry["iri"]
    links = set()
    for entry in entries:
        for cite in entry.get("cites", []) if entry.get("status") == "built" else []:
            target = by_number.get(cite.get("number") or "") or by_title.get(flat_title(cite["title"]))
            if target and target != entry["iri"]:
                links.add((entry["iri"], cite["relation"], target))
    implemented = {(a, b) for a, rel, b in links if rel == "implements"}
    return sorted(link for link in links if link[1] == "implements" or (link[0], link[2]) not in implemented)


def lineage_graph(links: list[tuple[str, str, str]]) -> bytes:
    lines = [f"<{a}> <{ELI}{'implements' if rel == 'implements' else 'cites'}> <{b}> <{LINEAGE_GRAPH}> ."
             for a, rel, b in links]
    return ("\n".join(sorted(lines)) + "\n").encode("utf-8") if lines else b""


# ---------------------------------------------------------------- the corpus


@dataclass(frozen=True)
class CorpusResult:
    entries: list[dict]
    rebuilt: int
    reused: int
    removed: int
    links: list[tuple[str, str, str]]


def build_corpus(paths: Iterable[str | os.PathLike[str]], out_dir: str | os.PathLike[str], *,
                 jobs: int | None = None, progress: bool = False,
                 extra: Callable[[Path, list[dict]], Iterable[str]] | None = None,
                 doc_files: str = "full", analysis: bool = True) -> CorpusResult:
    """Build every document of ``paths`` into the corpus at ``out_dir`` (see the module docstring).

    ``extra(stage, entries)`` may write more outputs (pages) into the staged folder.
    ``doc_files`` is ``"full"`` or ``"lean"`` (see :data:`DOC_FILES`). The workers write
    each document's files into the staged folder themselves, and ``corpus.nq`` is
    assembled part by part on disk, so the parent never holds the corpus in memory.
    The output folder is locked from the reading of the last build to the swap.
    """
    if doc_files not in DOC_FILES:
        raise ValueError(f"doc_files must be one of {sorted(DOC_FILES)}")
    from policykg.kg.publish import output_lock, publish

    out = Path(out_dir)
    with output_lock(out):
        sources = discover(paths)
        fingerprint = builder_fingerprint()
        old = _old_manifest(out, fingerprint)
        plan = _plan(sources, out, old, doc_files, analysis)
        built: dict[str, Built] = {}
        entries: list[dict] = []
        links: list[tuple[str, str, str]] = []

        def fill(stage: Path) -> list[str]:
            (stage / DOCS_DIR).mkdir()
            (stage / PARTS_DIR).mkdir()
            built.update((b.entry["id"], b) for b in _run(plan.todo, jobs, progress, stage, doc_files, analysis))
            entries.extend(plan.entry(path, built) for path in sources)
            for duplicate in mark_duplicates(entries):     # written by its worker, left out
                shutil.rmtree(stage / DOCS_DIR / doc_folder(duplicate["id"]), ignore_errors=True)
            links.extend(lineage(entries))
            _write_corpus_nq(stage, out, entries, built, links, analysis)
            shutil.rmtree(stage / PARTS_DIR)
            write_corpus_store(stage / STORE_DIR, stage / CORPUS_NQ)
            (stage / MANIFEST).write_bytes(manifest_bytes(entries, fingerprint))
            names = [CORPUS_NQ, MANIFEST, DOCS_DIR, STORE_DIR]
            if extra is not None:
                names += list(extra(stage, entries))
            return names

        publish(out, fill, replaces=CORPUS_OUTPUTS + _single_document_outputs())
    removed = len(set(old) - {e["id"] for e in entries})
    return CorpusResult(entries=entries, rebuilt=len(built), reused=len(plan.reused), removed=removed,
                        links=links)


@dataclass(frozen=True)
class _Plan:
    """What a corpus build does with each source: build it, reuse its last build, or refuse it at once."""

    todo: list[Path]
    #: id → the last build's entry, for a document whose bytes and builder are unchanged
    reused: dict[str, dict]
    #: path → failed entry, for a file whose id an earlier file already has
    refused: dict[str, dict]

    def entry(self, path: Path, built: dict[str, Built]) -> dict:
        doc_id = document_id(path)
        return self.refused.get(str(path)) or self.reused.get(doc_id) or built[doc_id].entry


def _plan(sources: list[Path], out: Path, old: dict[str, dict], doc_files: str, analysis: bool) -> _Plan:
    """Sort ``sources`` into documents to build, to reuse and to refuse (a taken id: named by file)."""
    plan = _Plan(todo=[], reused={}, refused={})
    first: dict[str, Path] = {}
    for path in sources:
        doc_id = document_id(path)
        if doc_id in first:
            error = InputError(f"another document has the id {doc_id!r} ({_display_path(first[doc_id])})",
                               path=_display_path(path), hint="ids are file names without the extension: "
                                                              "rename one of them")
            plan.refused[str(path)] = failed({"id": doc_id, "file": _display_path(path), "sha256": None}, error)
            continue
        first[doc_id] = path
        previous = old.get(doc_id)
        if previous and _reusable(previous, path, out / DOCS_DIR / doc_folder(doc_id), doc_files, analysis):
            plan.reused[doc_id] = dict(previous, file=_display_path(path))
        else:
            plan.todo.append(path)
    return plan


def _reusable(previous: dict, path: Path, folder: Path, doc_files: str, analysis: bool) -> bool:
    """Did the last build build this document from these same bytes, and are its files still there?"""
    if previous.get("status") != "built":
        return False
    try:
        digest = sha256_of(path)
    except InputError:                  # unreadable now: its worker says why
        return False
    return previous.get("sha256") == digest and all((folder / name).is_file() for name in DOC_FILES[doc_files]) \
        and (not analysis or (folder / ANALYSIS_FILE).is_file())


def _write_corpus_nq(stage: Path, out: Path, entries: list[dict], built: dict[str, Built],
                     links: list[tuple[str, str, str]], analysis: bool) -> None:
    """``corpus.nq``: the shared and lineage graphs, each built document's named graph (a new one's
    part, a reused one's Turtle, its folder linked over from the last build), the analysis graph."""
    docs, parts = stage / DOCS_DIR, stage / PARTS_DIR
    with open(stage / CORPUS_NQ, "wb") as nq:
        nq.write(shared_graph())
        nq.write(lineage_graph(links))
        for entry in entries:
            name = doc_folder(entry["id"])
            if entry["status"] != "built":
                continue
            if entry["id"] in built:
                with open(parts / f"{name}.nq", "rb") as part:
                    shutil.copyfileobj(part, nq, 1 << 20)
                continue
            shutil.copytree(out / DOCS_DIR / name, docs / name, copy_function=os.link)
            nq.write(named_graph((docs / name / f"{GRAPH_STEM}.ttl").read_bytes(), entry["iri"]))
        if analysis:                       # after every document: one graph, in input order
            for entry in entries:
                part = docs / doc_folder(entry["id"]) / ANALYSIS_FILE
                if entry["status"] == "built" and part.is_file():
                    nq.write(part.read_bytes())


def mark_duplicates(entries: list[dict]) -> list[dict]:
    """Mark every built entry that states a document already in ``entries`` (in input order); return them.

    A document's IRI comes from its issuer, title and date (stable when its text is
    corrected), so two files that agree on all three — two copies, two versions of one
    notice — would mint one IRI and pour two texts into one named graph. The first file
    is kept; each later one becomes ``status: "duplicate"`` with ``duplicate_of`` and a
    one-line reason, and its graph is left out of the corpus.
    """
    first: dict[str, dict] = {}
    marked = []
    for entry in entries:
        if entry.get("status") != "built":
            continue
        kept = first.setdefault(entry["iri"], entry)
        if kept is not entry:
            entry.update(status="duplicate", duplicate_of=kept["id"],
                         error=f"{entry['file']}: the same document as {kept['file']} (same issuer, title and "
                               f"date, hence one IRI {entry['iri']}); left out of the corpus")
            marked.append(entry)
    return marked


def _single_document_outputs() -> tuple[str, ...]:
    from policykg.kg.publish import BUILD_OUTPUTS
    return BUILD_OUTPUTS


def _old_manifest(out: Path, fingerprint: str) -> dict[str, dict]:
    """The previous build's entries, when it was made by this same builder (code and data)."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if data.get("builder") != fingerprint:
        return {}
    found: dict[str, dict] = {}
    for entry in data.get("documents", []):
        if isinstance(entry, dict) and "id" in entry and (entry["id"] not in found or entry.get("status") == "built"):
            found[entry["id"]] = entry          # a file refused for its taken id does not hide the one built
    return found


@lru_cache(maxsize=1)
def builder_fingerprint() -> str:
    """A hash of everything that shapes a document's graph: the package's code, the
    lexicon, the ontology and the shapes. A rebuild reuses a document only when
    both its bytes and this fingerprint are unchanged. Computed once per process:
    every worker's analysis of every document names it."""
    from policykg.resources import lexicon_path, ontology_path, shapes_path
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]   # the whole package, every layer
    files = sorted(package.rglob("*.py")) + sorted(lexicon_path("units.tsv").parent.iterdir())
    files += [ontology_path(), shapes_path()]
    for path in files:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def manifest_bytes(entries: list[dict], fingerprint: str = "") -> bytes:
    data = {"builder": fingerprint, "documents": entries,
            "counts": {"documents": len(entries),
                       "built": sum(1 for e in entries if e["status"] == "built"),
                       "failed": sum(1 for e in entries if e["status"] == "failed"),
                       "duplicate": sum(1 for e in entries if e["status"] == "duplicate")}}
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def merged_default_graph(nquads: Path, ntriples: Path) -> Path:
    """Write every triple of every named graph of ``nquads`` into ``ntriples``: the default graph.

    Queries that name no dataset read the default graph: the merge, where a unit or a
    jurisdiction that several documents describe is one set of triples. Asking
    Oxigraph for the union of the named graphs instead counts those triples once per
    graph (a multiset) and is slower; the named graphs stay for ``--doc`` and ``GRAPH``.

    Done on the text, line by line: ``corpus.nq`` is canonical N-Quads that this module
    writes, one quad per line ending in `` <graph> .``, so dropping the last term gives
    N-Triples, which Oxigraph then bulk-loads itself. (Parsing three million quads into
    Python objects and handing them back costs several times more.) A line of any other
    form is refused rather than guessed at.
    """
    with open(nquads, "rb") as source, open(ntriples, "wb") as target:
        for number, line in enumerate(source, 1):
            if not line.strip():
                continue
            head, mark, graph = line.rstrip(b"\r\n").rpartition(b" <")
            # subject and predicate hold no space, so a quad leaves three terms before the graph
            if not mark or not graph.endswith(b"> .") or b" " in graph[:-3] or len(head.split(b" ", 2)) < 3:
                raise ValueError(f"{nquads}:{number}: not a quad in a named graph")
            target.write(head + b" .\n")
    return ntriples


def write_corpus_store(target: Path, nquads: Path) -> Path:
    """The Oxigraph store of the corpus: every named graph, and their merge as the default
    graph, bulk-loaded from the N-Quads file; in the merge each unit keeps one preferred name
    (:func:`policykg.kg.store.one_preferred_label`)."""
    import pyoxigraph as ox

    from policykg.kg.store import one_preferred_label
    merged = merged_default_graph(nquads, nquads.with_name(nquads.name + ".default.nt"))
    try:
        store = ox.Store(str(target))
        store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        store.bulk_load(path=str(merged), format=ox.RdfFormat.N_TRIPLES)
        one_preferred_label(store)
        store.flush()
        store.optimize()
        del store
    finally:
        merged.unlink()
    return target


def _run(paths: list[Path], jobs: int | None, progress: bool, dest: Path | None = None,
         doc_files: str = "full", analysis: bool = False) -> list[Built]:
    """Build ``paths`` in worker processes (one per core by default), in input order.

    With ``dest`` the workers write each document's files there (see :func:`build_document`).
    """
    if not paths:
        return []
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(paths)))
    bar = _progress(len(paths)) if progress else None
    work = partial(build_document, dest=None if dest is None else str(dest), doc_files=doc_files,
                   analysis=analysis)
    try:
        if jobs == 1:
            results = []
            for path in paths:
                results.append(work(str(path)))
                bar and bar.update(1)
            return results
        with ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, initargs=(os.getpid(),)) as pool:
            results = []
            for result in pool.map(work, [str(p) for p in paths], chunksize=4):
                results.append(result)
                bar and bar.update(1)
            return results
    except BrokenProcessPool:
        raise WorkerDied("a worker process died while building (killed, or out of memory?); nothing was written",
                         hint="rebuild with --jobs 1 to see which document") from None
    finally:
        if bar is not None:
            bar.close()


def _start_worker(parent: int) -> None:
    """Tie the worker's life to the build's, then load jieba's dictionary (once per worker, not per document)."""
    _die_with_parent(parent)
    from policykg.ingest.nlp import tokenizer
    tokenizer()


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


# ---------------------------------------------------------------- pages and summary


def write_corpus_pages(stage: Path, entries: list[dict]) -> list[str]:
    """``--pages`` on a corpus: each document's pages and source view, and the corpus unit network."""
    from policykg.use.pages import write_corpus_pages as corpus_network
    from policykg.use.sourceview import write_source_views
    return write_document_pages(stage, entries) + write_source_views(stage, entries) + corpus_network(stage, entries)


def write_document_pages(stage: Path, entries: list[dict]) -> list[str]:
    """Each document's pages (graph.html, units.html, GraphML/GEXF) in its own folder."""
    import pyoxigraph as ox

    from policykg.use.pages import write_pages
    from policykg.resources import ontology_path
    for entry in entries:
        folder = stage / DOCS_DIR / doc_folder(entry["id"])
        if entry["status"] != "built" or (folder / "graph.html").exists():
            continue
        store = ox.Store()
        store.load(input=(folder / f"{GRAPH_STEM}.ttl").read_bytes(), format=ox.RdfFormat.TURTLE)
        store.load(input=ontology_path().read_bytes(), format=ox.RdfFormat.TURTLE)
        write_pages(store, folder)
    return []


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
