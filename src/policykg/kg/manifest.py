"""Which documents a build has, which it builds, which it reuses: sources, ids and the manifest.

A build is incremental: ``manifest.json`` lists every document of the last build (its
id, file, SHA-256, status, counts …) and the fingerprint of the builder that made it.
A document whose bytes and builder are both unchanged, and whose files are still in
``docs/<folder>/``, is reused as it is; any other is built again (:func:`plan`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from policykg.errors import InputError, PolicyKGError
from policykg.ingest.read import MAX_SOURCE_BYTES, read_capped, readable_name
from policykg.kg.layout import ANALYSIS_FILE, DOCS_DIR, LEDGERS_DIR, MANIFEST, doc_folder

#: The files a folder search takes for documents (a file named on the command line is taken as it is).
SOURCE_SUFFIXES = (".txt",)


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


def old_manifest(out: Path, fingerprint: str) -> dict[str, dict]:
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


@dataclass(frozen=True)
class Plan:
    """What a build does with each source: build it, reuse its last build, or refuse it at once."""

    todo: list[Path]
    #: id → the last build's entry, for a document whose bytes and builder are unchanged
    reused: dict[str, dict]
    #: path → failed entry, for a file whose id an earlier file already has
    refused: dict[str, dict]

    def entry(self, path: Path, built: dict[str, dict]) -> dict:
        """The manifest entry of ``path``: refused, reused, or as its worker built it (``built``: id → entry)."""
        doc_id = document_id(path)
        return self.refused.get(str(path)) or self.reused.get(doc_id) or built[doc_id]


def plan(sources: list[Path], out: Path, old: dict[str, dict], files: tuple[str, ...], analysis: bool) -> Plan:
    """Sort ``sources`` into documents to build, to reuse and to refuse (a taken id: named by file).

    ``files`` are the names a reused document's folder must still hold, ``analysis`` whether
    its ``analysis.nq`` must be there too.
    """
    decided = Plan(todo=[], reused={}, refused={})
    first: dict[str, Path] = {}
    for path in sources:
        doc_id = document_id(path)
        if doc_id in first:
            error = InputError(f"another document has the id {doc_id!r} ({display_path(first[doc_id])})",
                               path=display_path(path), hint="ids are file names without the extension: "
                                                             "rename one of them")
            decided.refused[str(path)] = failed({"id": doc_id, "file": display_path(path), "sha256": None}, error)
            continue
        first[doc_id] = path
        previous = old.get(doc_id)
        if previous and _reusable(previous, path, out / DOCS_DIR / doc_folder(doc_id), files, analysis):
            decided.reused[doc_id] = dict(previous, file=display_path(path))
        else:
            decided.todo.append(path)
    return decided


def _reusable(previous: dict, path: Path, folder: Path, files: tuple[str, ...], analysis: bool) -> bool:
    """Did the last build build this document from these same bytes, and are its files still there?"""
    if previous.get("status") != "built":
        return False
    try:
        digest = sha256_of(path)
    except InputError:                  # unreadable now: its worker says why
        return False
    return previous.get("sha256") == digest and all((folder / name).is_file() for name in files) \
        and (not analysis or (folder / ANALYSIS_FILE).is_file())
