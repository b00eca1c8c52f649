"""Progress reports (台账) in the graph: each imported ledger a named graph of its own, kept across builds.

Why this shape
--------------
Progress is not read from a document: units report it, again and again. So

* each imported ledger is a ``pkg:ProgressReport`` (its as-of date, file name and SHA-256) with
  one ``pkg:StatusUpdate`` per filled row, pointing at its record, in the named graph
  ``id/graph/progress/<first 16 hex of the SHA-256>``: a second report is a second graph, so
  history is kept and nothing is overwritten, and the same file imported twice is the same
  graph with the same triples — nothing changes;
* a build replaces the output folder whole (:mod:`policykg.kg.publish`), so progress must not
  live only in it. Ledger files are kept **beside the corpus**, in a ``ledgers/`` folder of
  each source folder the build is given (``sources/ledgers/`` for the bundled corpus), and in
  the output folder's own ``ledgers/`` (a build carries it over); every build re-applies every
  ledger it finds there (:func:`apply_progress`), and ``policykg ledger import`` keeps the file
  in the output folder's ``ledgers/`` in the same swap that adds its graph (:func:`add_reports`).
  ``make graph`` never loses progress;
* an import changes what it must, in place: the report's graph and its copy in the merged
  default graph go into a checkpoint of the last store (no reload: a report's subjects — its
  node and rows, named by its SHA-256 — are stated in no other graph, so replacing one takes
  out exactly its triples), ``corpus.nq``'s other graphs are copied as they are, and the
  build's stamp is carried over (:mod:`policykg.kg.incremental`). The result is the store a
  full load gives (``tests/test_ledger_in_place.py``).

A ledger's options at import (``--as-of``, ``--doc``) are kept beside its copy as
``NAME.import.json``, so a rebuild reads the file exactly as the import did. What a row
says is checked and turned into :class:`Update` by :mod:`policykg.use.ledger` (the build
receives that reader as a function: it imports no use); this module maps reports to RDF,
keeps them in ``corpus.nq`` after every other graph (sorted by graph, then line) and in the
store, and lists them in the manifest.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections import namedtuple
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

from policykg.errors import LexiconError
from policykg.kg.incremental import PROGRESS_END, is_progress, progress_start
from policykg.kg.layout import CORPUS_NQ, LEDGERS_DIR, MANIFEST, STORE_DIR
from policykg.resources import lexicon_path
from policykg.vocab import ID_NS, PKG_NS, PREFIXES, PROGRESS_GRAPH

#: Every progress report's named graph starts here.
#: The files a ledger folder holds, and the sidecar that keeps an import's options.
LEDGER_SUFFIXES = (".xlsx", ".csv")
SIDECAR = ".import.json"

#: A status a ledger may state (``lexicon/ledger.toml``): its code, ontology term, labels and aliases.
Status = namedtuple("Status", "code term zh en aliases")
#: One filled row: its row number, record IRI, status code, status as written, as-of date (ISO),
#: progress note, evidence, reported by (texts, possibly empty).
Update = namedtuple("Update", "row record status written as_of note evidence reported_by")
#: One ledger as read: the file's name, its SHA-256, the report's as-of date (ISO) and its updates.
Report = namedtuple("Report", "file sha256 as_of updates")
#: What a build or an import made of one ledger file: the report, its bad rows (one line each),
#: and the file's path as the manifest shows it.
Applied = namedtuple("Applied", "report problems path")

#: ``progress(store, folders)``: every ledger of ``folders`` read against the built store.
Progress = Callable[[object, list[Path]], list[Applied]]


@lru_cache(maxsize=1)
def statuses() -> tuple[Status, ...]:
    """The statuses of ``lexicon/ledger.toml``, in the order a form offers them."""
    path = lexicon_path("ledger.toml")
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        return tuple(Status(s["code"], s["term"], s["zh"], s["en"], tuple(s.get("aliases", ())))
                     for s in data["status"])
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError) as exc:
        raise LexiconError(f"cannot read the ledger's statuses: {exc}", path=str(path)) from None


def status_iri(code: str) -> str:
    """The ontology individual of status ``code`` (``done`` → ``pkg:Completed``)."""
    return PKG_NS + next(s.term for s in statuses() if s.code == code)


def graph_of(sha256: str) -> str:
    """The named graph of the report whose file has this SHA-256."""
    return PROGRESS_GRAPH + sha256[:16]


def report_node(sha256: str) -> str:
    return ID_NS + "progress/" + sha256[:16]


def report_quads(report: Report) -> bytes:
    """The report's named graph as sorted N-Quads (deterministic: the same file, the same bytes)."""
    import pyoxigraph as ox

    from policykg.kg.publish import ntriples_lines
    graph, node = ox.NamedNode(graph_of(report.sha256)), ox.NamedNode(report_node(report.sha256))
    pkg, rdf = (lambda n: ox.NamedNode(PKG_NS + n)), ox.NamedNode(PREFIXES["rdf"] + "type")
    date = ox.NamedNode(PREFIXES["xsd"] + "date")
    quads = [(node, rdf, pkg("ProgressReport")), (node, pkg("asOf"), ox.Literal(report.as_of, datatype=date)),
             (node, pkg("reportFile"), ox.Literal(report.file)),
             (node, ox.NamedNode(PREFIXES["rdfs"] + "label"), ox.Literal(f"{report.file} ({report.as_of})")),
             (node, ox.NamedNode(PREFIXES["dcterms"] + "identifier"), ox.Literal(f"sha256:{report.sha256}"))]
    for u in report.updates:
        row = ox.NamedNode(f"{report_node(report.sha256)}/row/{u.row}")
        quads += [(row, rdf, pkg("StatusUpdate")), (row, pkg("inReport"), node),
                  (row, pkg("statusOf"), ox.NamedNode(u.record)), (row, pkg("status"), ox.NamedNode(status_iri(u.status))),
                  (row, pkg("statusText"), ox.Literal(u.written)), (row, pkg("rowNumber"), ox.Literal(str(u.row), datatype=ox.NamedNode(PREFIXES["xsd"] + "integer"))),
                  (row, pkg("asOf"), ox.Literal(u.as_of, datatype=date))]
        quads += [(row, pkg(prop), ox.Literal(text)) for prop, text in
                  (("progressNote", u.note), ("evidence", u.evidence), ("reportedBy", u.reported_by)) if text]
    text = ox.serialize([ox.Quad(s, p, o, graph) for s, p, o in quads], format=ox.RdfFormat.N_QUADS).decode("utf-8")
    return ("\n".join(sorted(ntriples_lines(text))) + "\n").encode("utf-8")


# ---------------------------------------------------------------- where ledgers are kept


def ledger_folders(sources: Iterable[str | os.PathLike[str]], out: Path) -> list[Path]:
    """Where a build looks for ledgers: ``ledgers/`` of each source folder, then the output folder's own."""
    found: dict[str, Path] = {}
    for path in [*(Path(s) for s in sources if os.path.isdir(s)), Path(out)]:
        folder = path / LEDGERS_DIR
        found.setdefault(os.path.realpath(folder), folder)
    return list(found.values())


def ledger_files(folders: Iterable[Path]) -> list[Path]:
    """The ledger files of ``folders`` (``*.xlsx``, ``*.csv``; not Excel's ``~$`` lock files), sorted by name."""
    files = []
    for folder in folders:
        if folder.is_dir():
            files += sorted(p for p in folder.iterdir() if p.suffix.lower() in LEDGER_SUFFIXES
                            and not p.name.startswith(("~$", ".")) and p.is_file())
    return files


def ledger_state(sources: Iterable[str | os.PathLike[str]], out: Path) -> list[list[str]]:
    """What the ledgers a build would read are: each file and its import sidecar, by path and SHA-256.
    A rebuild whose ledgers are in this state (and whose documents did not change) is a no-op."""
    import hashlib
    state = []
    for path in ledger_files(ledger_folders(sources, out)):
        for part in (path, path.with_name(path.name + SIDECAR)):
            try:
                state.append([str(part), hashlib.sha256(part.read_bytes()).hexdigest()])
            except OSError:
                continue
    return state


def import_options(path: Path) -> dict:
    """What ``policykg ledger import`` was told of this file (``as_of``, ``documents``): its sidecar, or {}."""
    sidecar = path.with_name(path.name + SIDECAR)
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def keep_ledger(source: Path, folder: Path, sha256: str, options: dict) -> Path:
    """Copy a ledger into ``folder`` (a file with the same bytes already there is that copy) with its
    options beside it; a different file of the same name is kept too, under a name of its own."""
    import hashlib
    import shutil
    folder.mkdir(parents=True, exist_ok=True)
    for existing in ledger_files([folder]):
        if hashlib.sha256(existing.read_bytes()).hexdigest() == sha256:
            target = existing
            break
    else:
        target, n = folder / source.name, 1
        while target.exists():
            n += 1
            target = folder / f"{source.stem}~{n}{source.suffix}"
        shutil.copyfile(source, target)
    sidecar = target.with_name(target.name + SIDECAR)
    sidecar.unlink(missing_ok=True)                    # a new file, never written through a link to a kept one
    if options:
        sidecar.write_text(json.dumps(options, ensure_ascii=False, sort_keys=True, indent=1) + "\n", encoding="utf-8")
    return target


def kept_copy(folder: Path, sha256: str, options: dict) -> Path | None:
    """The copy of a ledger (by its SHA-256) that ``folder`` already keeps with these import options, or None."""
    import hashlib
    for existing in ledger_files([folder]):
        if hashlib.sha256(existing.read_bytes()).hexdigest() == sha256:
            return existing if import_options(existing) == json.loads(json.dumps(options or {})) else None
    return None


def ledger_entry(applied: Applied) -> dict:
    """A ledger as the manifest lists it."""
    r = applied.report
    return {"file": applied.path, "sha256": r.sha256, "graph": graph_of(r.sha256), "as_of": r.as_of,
            "updates": len(r.updates), "problems": list(applied.problems)}


# ---------------------------------------------------------------- corpus.nq and the store


def write_progress(corpus_nq: Path, graphs: dict[str, bytes], source: Path | None = None) -> None:
    """Write ``corpus.nq`` with exactly ``graphs`` (graph IRI → its N-Quads) as its progress graphs: every
    other line of ``source`` (by default ``corpus.nq`` itself) as it was, in order, then the progress graphs
    sorted by graph IRI. A file of its own (no hard link of another folder's) is cut and written on in
    place; else the lines before its progress graphs are copied (in the kernel) to a new file."""
    from policykg.kg.incremental import copy_head
    if source is None and os.stat(corpus_nq).st_nlink == 1:
        with open(corpus_nq, "r+b") as target:
            target.truncate(progress_start(corpus_nq))
            target.seek(0, os.SEEK_END)
            for iri in sorted(graphs):
                target.write(graphs[iri])
        return
    source = corpus_nq if source is None else source
    tmp = corpus_nq.with_name(corpus_nq.name + ".tmp")
    with open(tmp, "wb") as target:
        copy_head(source, target, progress_start(source))
        for iri in sorted(graphs):
            target.write(graphs[iri])
    os.replace(tmp, corpus_nq)


def progress_graphs(corpus_nq: Path) -> dict[str, bytes]:
    """The progress graphs ``corpus.nq`` holds (at its end): graph IRI → its N-Quads lines."""
    graphs: dict[str, list[bytes]] = {}
    with open(corpus_nq, "rb") as fh:
        fh.seek(progress_start(corpus_nq))
        data = fh.read()
        found, at = {}, 0                               # each graph's lines follow one another: cut by graph
        for match in PROGRESS_END.finditer(data):
            if match.start() < at or data.rfind(b"\n", at, match.start()) != -1:
                break                                   # not one line after another: read line by line
            iri = match[1].decode("utf-8")
            found.setdefault(iri, [at, at])[1] = at = match.end()
        else:
            if at == len(data) and len(found) == len({a for a, _ in found.values()}):
                ordered = sorted(found.values())
                if all(b == c for (_, b), (c, _) in zip(ordered, ordered[1:])):
                    return {iri: data[a:b] for iri, (a, b) in found.items()}
        fh.seek(progress_start(corpus_nq))
        for line in fh:
            if is_progress(line):
                iri = line.rstrip()[:-2].rpartition(b" <")[2].rstrip(b">").decode("utf-8")
                graphs.setdefault(iri, []).append(line if line.endswith(b"\n") else line + b"\n")
    return {iri: b"".join(lines) for iri, lines in graphs.items()}


def add_to_store(store, nquads: bytes) -> None:
    """Load progress N-Quads into an open, writable store: their named graphs and the merged default graph."""
    import pyoxigraph as ox

    from policykg.kg.corpus_store import with_default_graph
    # the bulk loader (no transaction): the store is a build's or an import's staged copy, swapped in once written
    store.bulk_load(input=with_default_graph(nquads, Path(CORPUS_NQ), 1), format=ox.RdfFormat.N_QUADS)


def apply_progress(stage: Path, progress: Progress, folders: list[Path]) -> list[dict]:
    """The build's last step before its pages: every ledger of ``folders`` read against the staged store
    (bad rows left out, listed in the manifest), its graph appended to ``corpus.nq`` and loaded into the
    store. Returns the manifest's ``ledgers`` entries."""
    import pyoxigraph as ox
    if not ledger_files(folders):                    # nothing to read: the store is not opened
        return []
    store = ox.Store(str(stage / STORE_DIR))
    try:
        applied = _unique(progress(store, folders))
        graphs = {graph_of(a.report.sha256): report_quads(a.report) for a in applied}
        if graphs:
            write_progress(stage / CORPUS_NQ, graphs)
            add_to_store(store, b"".join(graphs[iri] for iri in sorted(graphs)))
            store.flush()
    finally:
        del store
    return [ledger_entry(a) for a in applied]


def _unique(applied: list[Applied]) -> list[Applied]:
    """One report per file content (the same file in two folders is one report), ordered by as-of date and file."""
    seen: dict[str, Applied] = {}
    for a in applied:
        seen.setdefault(a.report.sha256, a)
    return sorted(seen.values(), key=lambda a: (a.report.as_of, a.path, a.report.sha256))


def add_reports(out: Path, applied: list[Applied], pages: Callable[[Path], Iterable[str]] | None = None,
                keep: dict[str, tuple[Path, dict]] | None = None) -> tuple[list[Applied], bool]:
    """Add (or replace, for the same file) reports in the built output folder ``out``, in place and all or
    nothing: ``keep`` (a report's SHA-256 → its file and the import's options) copied into ``out/ledgers/``;
    each report's named graph, and its copy in the merged default graph, put into a checkpoint of the store
    (:func:`put_graphs`: nothing reloaded); ``corpus.nq``'s other graphs copied as they are, then the progress
    graphs; the manifest's ``ledgers``; the pages ``pages(stage)`` writes (the dashboard). Staged and swapped
    in whole (:func:`policykg.kg.publish.publish`), under the output folder's lock. Returns the reports, each
    with its path as the manifest lists it, and whether anything changed (nothing is written when every
    report is already there as it is)."""
    from policykg.kg.corpus_store import write_corpus_store
    from policykg.kg.incremental import checkpoint, restamp
    from policykg.kg.manifest import json_bytes
    from policykg.kg.publish import link_or_copy, output_lock, publish
    keep = keep or {}
    with output_lock(out):
        graphs = progress_graphs(out / CORPUS_NQ)
        new = {graph_of(a.report.sha256): report_quads(a.report) for a in applied}
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        kept = {sha: kept_copy(out / LEDGERS_DIR, sha, options) for sha, (_, options) in keep.items()}
        if all(kept.values()):
            applied = [a._replace(path=f"{LEDGERS_DIR}/{kept[a.report.sha256].name}") if a.report.sha256 in kept
                       else a for a in applied]
            listed = {e.get("graph"): e for e in manifest.get("ledgers", [])}
            if all(graphs.get(graph_of(a.report.sha256)) == new[graph_of(a.report.sha256)]
                   and listed.get(graph_of(a.report.sha256)) == ledger_entry(a) for a in applied):
                return applied, False
        done: list[Applied] = []

        def fill(stage: Path) -> list[str]:
            import shutil
            names = [CORPUS_NQ, STORE_DIR, MANIFEST]
            if keep:
                if (out / LEDGERS_DIR).is_dir():
                    shutil.copytree(out / LEDGERS_DIR, stage / LEDGERS_DIR, copy_function=link_or_copy)
                for a in applied:
                    if a.report.sha256 in keep:
                        file, options = keep[a.report.sha256]
                        a = a._replace(path=f"{LEDGERS_DIR}/{keep_ledger(file, stage / LEDGERS_DIR, a.report.sha256, options).name}")
                    done.append(a)
                names.append(LEDGERS_DIR)
            else:
                done.extend(applied)
            write_progress(stage / CORPUS_NQ, {**graphs, **new}, source=out / CORPUS_NQ)
            ledgers = [e for e in manifest.get("ledgers", []) if e.get("graph") not in new]
            manifest["ledgers"] = sorted(ledgers + [ledger_entry(a) for a in done],
                                         key=lambda e: (e["as_of"], e["file"], e["sha256"]))
            (stage / MANIFEST).write_bytes(json_bytes(manifest))
            if checkpoint(out, stage):
                put_graphs(stage / STORE_DIR, new, replaced=set(graphs) & set(new))
                restamp(out, stage, ",".join(sorted(a.report.sha256 for a in done)))
            else:                                      # no store to update: loaded whole
                write_corpus_store(stage / STORE_DIR, stage / CORPUS_NQ)
            return names + (list(pages(stage)) if pages else [])
        publish(out, fill, replaces=(CORPUS_NQ, STORE_DIR, MANIFEST) + ((LEDGERS_DIR,) if keep else ()))
    return done, True


def put_graphs(store_dir: Path, graphs: dict[str, bytes], replaced: set[str]) -> None:
    """Put progress graphs (graph IRI → its N-Quads) into the store at ``store_dir``, in place: those
    ``replaced`` taken out first with their copy in the merged default graph
    (:func:`policykg.kg.incremental.drop_own_graph`), then each added with its copy — the store a full
    load of the same ``corpus.nq`` gives."""
    import pyoxigraph as ox

    from policykg.kg.incremental import drop_own_graph
    store = ox.Store(str(store_dir))
    try:
        for iri in sorted(replaced):
            drop_own_graph(store, ox.NamedNode(iri))
        add_to_store(store, b"".join(graphs[iri] for iri in sorted(graphs)))
        store.flush()
    finally:
        del store
