"""Which documents a build has, which it builds, which it reuses: sources, ids and the manifest.

A build is incremental: ``manifest.json`` lists every document of the last build (its
id, file, SHA-256, its sidecar's SHA-256, status, counts …) and the fingerprint of the
builder that made it. A document is reused as it is only when everything that shapes its
graph is unchanged — its bytes, its sidecar's bytes (``NAME.src.json``/``NAME.meta.json``:
title, issuer, date, hence its jurisdiction and IRI) and the builder — and its files are
still in ``docs/<folder>/``; any other is built again, and :func:`plan` says why
(:data:`REASONS`). ``policykg build --force [ID…]`` rebuilds the named documents, or all.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from policykg.errors import InputError, PolicyKGError, UsageError
from policykg.ingest.formats import READERS
from policykg.ingest.read import MAX_SIDECAR_BYTES, MAX_SOURCE_BYTES, read_capped, readable_name, sidecar_path
from policykg.kg.layout import ANALYSIS_FILE, DOCS_DIR, LEDGERS_DIR, MANIFEST, doc_folder

#: The files a folder search takes for documents: every extension a reader owns
#: (:data:`policykg.ingest.formats.READERS`: .txt, .html/.htm/.shtml, .docx, .pdf, .doc/.wps/.rtf/.odt …),
#: in any case (``.PDF``). The reader is still chosen by the bytes; the extension only says
#: "this is meant as a document", so sidecars (``.src.json``), notes and scripts beside the
#: documents are left alone. A file named on the command line is taken as it is.
SOURCE_SUFFIXES = tuple(ext for reader in READERS for ext in reader.extensions)


def discover(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The documents named by ``paths``: files as given, folders searched for every supported format.

    Sorted by path within a folder, so one document in two formats (``02.pdf`` and
    ``02.txt``, one id) meets :func:`plan` in the same order on every machine: the first
    is built, the second refused for its taken id.

    >>> [p.name for p in discover(["sources"])][:1]
    ['000_4cdbba2a142b4d11.txt']
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if os.path.isdir(path):
            # every entry named like a document: a FIFO or a folder so named is listed as failed
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() in SOURCE_SUFFIXES)
            found = [p for p in found if not _in_ledgers(p, path)]
        elif os.path.lexists(path):
            found.append(path)
        else:
            raise InputError("no such file or folder", path=str(path))
    unique: dict[str, Path] = {}
    for path in found:
        unique.setdefault(os.path.realpath(path), path)
    return list(unique.values())


def _in_ledgers(found: Path, folder: Path) -> bool:
    """A file of ``folder/ledgers/``: progress kept beside the corpus (:mod:`policykg.kg.progress`), never a document."""
    try:
        return found.relative_to(folder).parts[0] == LEDGERS_DIR
    except (ValueError, IndexError):
        return False


def display_path(path: Path) -> str:
    """The path relative to the working folder when inside it, so manifests do not name the machine."""
    try:
        shown = str(Path(os.path.realpath(path)).relative_to(os.path.realpath(Path.cwd())))
    except ValueError:
        shown = str(path)
    return readable_name(shown)


def document_id(path: Path) -> str:
    """A short, stable name for a document: its file name without the extension, as text."""
    return readable_name(path.stem)


def sha256_of(path: Path) -> str:
    """The SHA-256 of a document's bytes, read as :func:`policykg.ingest.read.read_source` reads them."""
    return hashlib.sha256(read_capped(path, MAX_SOURCE_BYTES)).hexdigest()


def sidecar_sha256_of(path: Path) -> str | None:
    """The SHA-256 of the sidecar the document's build reads (None without one): a sidecar added,
    changed or removed changes the document's header, so its graph."""
    found = sidecar_path(path)
    return None if found is None else hashlib.sha256(read_capped(found, MAX_SIDECAR_BYTES, "sidecar")).hexdigest()


def failed(entry: dict, error: PolicyKGError) -> dict:
    """``entry`` marked failed with ``error``, one line of at most 300 characters."""
    entry.update(status="failed", error=readable_name(str(error))[:300])
    return entry


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


def last_build(out: Path) -> tuple[str | None, dict[str, dict]]:
    """The previous build's builder fingerprint and its entries by id (None and {} when there is none).

    Its entries are returned whatever builder made them, so that :func:`plan` can say a
    document is rebuilt for a new builder rather than as a new document.
    """
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, {}
    if not isinstance(data, dict):
        return None, {}
    found: dict[str, dict] = {}
    for entry in data.get("documents", []):
        if isinstance(entry, dict) and "id" in entry and (entry["id"] not in found or entry.get("status") == "built"):
            found[entry["id"]] = entry          # a file refused for its taken id does not hide the one built
    return data.get("builder"), found


def manifest_bytes(entries: list[dict], fingerprint: str = "", ledgers: dict | None = None) -> bytes:
    """The manifest; ``ledgers`` (a build that reads progress ledgers): ``{"ledgers": [...],
    "ledger_folders": [...]}``, the reports it applied and where it looked (:mod:`policykg.kg.progress`)."""
    data = {"builder": fingerprint, "documents": entries,
            "counts": {"documents": len(entries),
                       "built": sum(1 for e in entries if e["status"] == "built"),
                       "failed": sum(1 for e in entries if e["status"] == "failed"),
                       "duplicate": sum(1 for e in entries if e["status"] == "duplicate")}}
    return json_bytes({**data, **(ledgers or {})})


def json_bytes(data: dict) -> bytes:
    """A manifest's bytes: sorted keys, one space of indent, UTF-8, a final newline (deterministic)."""
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


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


#: Why a document is built again, in the order they are checked (the build summary names them).
REASONS = ("forced", "new", "new builder", "failed before", "changed text", "changed sidecar", "files missing",
           "unreadable")


@dataclass(frozen=True)
class Plan:
    """What a build does with each source: build it, reuse its last build, or refuse it at once."""

    todo: list[Path]
    #: id → the last build's entry, for a document whose bytes and builder are unchanged
    reused: dict[str, dict]
    #: path → failed entry, for a file whose id an earlier file already has
    refused: dict[str, dict]
    #: id → why the document in ``todo`` is built (one of :data:`REASONS`)
    reasons: dict[str, str] = field(default_factory=dict)

    def entry(self, path: Path, built: dict[str, dict]) -> dict:
        """The manifest entry of ``path``: refused, reused, or as its worker built it (``built``: id → entry)."""
        doc_id = document_id(path)
        return self.refused.get(str(path)) or self.reused.get(doc_id) or built[doc_id]


def plan(sources: list[Path], out: Path, last: tuple[str | None, dict[str, dict]], files: tuple[str, ...],
         analysis: bool, builder: str = "", force: bool | Iterable[str] = False) -> Plan:
    """Sort ``sources`` into documents to build (each with its reason), to reuse and to refuse (a taken id).

    ``last`` is :func:`last_build`'s answer, ``builder`` this build's fingerprint; ``files`` are
    the names a reused document's folder must still hold, ``analysis`` whether its
    ``analysis.nq`` must be there too; ``force`` is True (every document) or the ids to build
    again whatever changed — an id no source has is a :class:`UsageError`.
    """
    decided = Plan(todo=[], reused={}, refused={})
    forced = force if isinstance(force, bool) else frozenset(force)
    first: dict[str, Path] = {}
    for path in sources:
        doc_id = document_id(path)
        if doc_id in first:
            error = InputError(f"another document has the id {doc_id!r} ({display_path(first[doc_id])})",
                               path=display_path(path), hint="rename one, or keep one file: ids are file names "
                               "without the extension, so two formats of one document are one id")
            decided.refused[str(path)] = failed({"id": doc_id, "file": display_path(path), "sha256": None}, error)
            continue
        first[doc_id] = path
        reason = "forced" if forced is True or (forced and doc_id in forced) else \
            _changed(last, builder, path, out / DOCS_DIR / doc_folder(doc_id), files, analysis)
        if reason == "failed before" and _same_duplicate(last, builder, path, decided.reused):
            reason = None
        if reason is None:
            decided.reused[doc_id] = dict(last[1][doc_id], file=display_path(path))
        else:
            decided.todo.append(path)
            decided.reasons[doc_id] = reason
    if forced and forced is not True and (unknown := sorted(forced - set(first))):
        raise UsageError(f"--force names no document of this build: {', '.join(unknown)}",
                         hint=f"ids are file names without the extension, e.g. {next(iter(first), 'NAME')}; "
                              "give the sources before --force")
    return decided


def _same_duplicate(last: tuple[str | None, dict[str, dict]], builder: str, path: Path, reused: dict) -> bool:
    """Was this document a duplicate last time, unchanged since, of a document reused unchanged now?
    Then it is that duplicate again — built, it would mint the same IRI and be left out again — so it is
    reused as it was (without it a corpus holding one duplicate never had a no-op rebuild)."""
    previous = last[1].get(document_id(path)) or {}
    if last[0] != builder or previous.get("status") != "duplicate" or previous.get("duplicate_of") not in reused:
        return False
    try:
        return previous.get("sha256") == sha256_of(path) and previous.get("sidecar_sha256") == sidecar_sha256_of(path)
    except InputError:
        return False


def _changed(last: tuple[str | None, dict[str, dict]], builder: str, path: Path, folder: Path,
             files: tuple[str, ...], analysis: bool) -> str | None:
    """Why the last build of this document cannot be reused (one of :data:`REASONS`), or None when it can:
    the same builder built it from these same bytes and this same sidecar, and its files are still there."""
    last_builder, entries = last
    previous = entries.get(document_id(path))
    if previous is None:
        return "new"
    if last_builder != builder:
        return "new builder"
    if previous.get("status") != "built":
        return "failed before"
    try:
        digest, sidecar_digest = sha256_of(path), sidecar_sha256_of(path)
    except InputError:                  # unreadable now: its worker says why
        return "unreadable"
    if previous.get("sha256") != digest:
        return "changed text"
    if previous.get("sidecar_sha256") != sidecar_digest:
        return "changed sidecar"
    if not all((folder / name).is_file() for name in files) or (analysis and not (folder / ANALYSIS_FILE).is_file()):
        return "files missing"
    return None
