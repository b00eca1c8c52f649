"""The output layout: what a build writes where, and what a path given to a command is.

One build, one layout (``docs/output-layout.md``): ``policykg build FILE`` is a corpus of
one document, laid out as every corpus is —

* ``manifest.json``, ``corpus.nq``, ``store/`` and ``docs/<folder>/`` (one folder per
  document: its ``policykg.ttl``/``.nt``/``.jsonld``, ``report.json``, ``analysis.nq``,
  and with ``--pages`` its pages);
* a one-document build also places that document's files (graph files, report, and its
  pages when asked) at the top of the folder, as hard links to ``docs/<folder>/…``: tools
  that run ``policykg build FILE --out DIR`` and then read ``DIR/policykg.ttl`` keep
  working.

Every command that is given a path (``--graph``, ``push``'s folder, ``export source``)
asks :func:`resolve` what it names — an output folder, a store folder, a graph file —
instead of guessing from names on its own: the layout is known in this one module.

This module imports only ``os`` (on the query path, as :mod:`policykg.kg.store`): it knows
names and folders; opening a store is :func:`policykg.kg.store.open_store`'s job.
"""

from __future__ import annotations

import os

from policykg.resources import project_file

GRAPH_STEM = "policykg"
TURTLE = f"{GRAPH_STEM}.ttl"
#: A document's graph: Turtle, N-Triples and JSON-LD of the same triples (schemes included).
GRAPH_FILES = (TURTLE, f"{GRAPH_STEM}.nt", f"{GRAPH_STEM}.jsonld")
REPORT = "report.json"
#: What the build writes into ``docs/<folder>/`` of every built document.
DOCUMENT_FILES = GRAPH_FILES + (REPORT,)
#: A document's network analysis (communities, centralities), kept with it for rebuilds.
ANALYSIS_FILE = "analysis.nq"
#: A document's pages (``--pages``): the graph page, the unit network page, GraphML/GEXF.
PAGE_FILES = ("graph.html", "units.html", "task_units.graphml", "task_units.gexf", "unit_network.graphml",
              "unit_network.gexf")
#: The document's source view (``--pages``).
SOURCE_PAGE = "source.html"
#: The corpus's own pages at the top of the folder (``--pages`` on several documents).
CORPUS_PAGE_FILES = ("units.html",)
#: The follow-up dashboard at the top of the folder (``--pages``, and after ``policykg ledger import``).
DASHBOARD = "dashboard.html"
#: Progress ledgers (台账) kept with a corpus: ``SOURCE/ledgers/`` and ``OUT/ledgers/``; a build re-applies
#: every ledger there (:mod:`policykg.kg.progress`). Not a build output: a build carries ``OUT/ledgers/`` over.
LEDGERS_DIR = "ledgers"

MANIFEST = "manifest.json"
CORPUS_NQ = "corpus.nq"
DOCS_DIR = "docs"
STORE_DIR = "store"
#: Each new document's named graph while a build is staged (never in a published folder).
PARTS_DIR = ".parts"
#: What a one-document build places at the top of its folder, when the document has it.
ONE_DOCUMENT_FILES = DOCUMENT_FILES + PAGE_FILES + (SOURCE_PAGE,)
#: Every entry a build may write at the top of its output folder. A build replaces them all
#: (an output it does not write this time is dropped); any other entry is the user's, kept.
BUILD_OUTPUTS = (CORPUS_NQ, MANIFEST, DOCS_DIR, STORE_DIR) + ONE_DOCUMENT_FILES + (DASHBOARD,)

#: A file RocksDB always writes into a store folder; its presence tells a store from any folder.
_STORE_MARK = "CURRENT"
#: What an output folder holds one of at its top (the last: an output of an older build).
_OUTPUT_MARKS = (MANIFEST, CORPUS_NQ, STORE_DIR, REPORT)


def is_store(path: str | os.PathLike[str]) -> bool:
    """True for a folder that holds an Oxigraph (RocksDB) store."""
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, _STORE_MARK))


def is_output(path: str | os.PathLike[str]) -> bool:
    """True for a folder a build wrote (the one layout, or an older one-document build's)."""
    return os.path.isdir(path) and any(os.path.exists(os.path.join(path, n)) for n in _OUTPUT_MARKS)


def doc_folder(doc_id: str) -> str:
    """The name of the folder ``docs/<id>/`` of document ``doc_id``: one of its own, safe to use.

    A plain id is its own folder name; any other has its unsafe characters percent-encoded
    (``%`` among them, so no two ids share a folder), and one too long for a file name is cut
    and ends ``%~`` and a hash of the whole id.

    >>> doc_folder("000_4cdbba2a142b4d11"), doc_folder("关于 印发（2023）"), doc_folder("a/b%\\n")
    ('000_4cdbba2a142b4d11', '关于 印发（2023）', 'a%2Fb%25%0A')
    """
    import hashlib
    import unicodedata

    from policykg.ingest.read import MAX_ID_BYTES

    def unsafe(ch: str) -> bool:
        return ch in _FOLDER_UNSAFE or unicodedata.category(ch) in _UNPRINTABLE

    name = "".join("".join(f"%{b:02X}" for b in ch.encode("utf-8")) if unsafe(ch) else ch for ch in doc_id)
    if len(name.encode("utf-8")) <= MAX_ID_BYTES:
        return name
    head = name.encode("utf-8")[:MAX_ID_BYTES - 20].decode("utf-8", "ignore")
    return f"{head}%~{hashlib.sha256(doc_id.encode('utf-8')).hexdigest()[:16]}"


#: What a plain id may not hold to be its own folder name: path syntax, the escape character,
#: and characters that break lines, act on a terminal or do not print.
_FOLDER_UNSAFE = frozenset("/\\%")
_UNPRINTABLE = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))


class Target:
    """What a path names, in the terms of the layout (see :func:`resolve`).

    ``kind`` is ``"output"`` (a folder a build wrote), ``"store"`` (an Oxigraph store
    folder), ``"file"`` (a graph file), ``"empty"`` (a folder holding neither) or
    ``"missing"``. ``store`` is the store folder to open when there is one; ``graph`` the
    graph file to load when there is none (an output folder without its store — a fresh
    clone carries ``graph/corpus.nq`` but not the store — or the file given); ``folder``
    the output folder the path belongs to, when it belongs to one (its manifest, its
    documents' reports).
    """

    __slots__ = ("path", "kind", "folder", "store", "graph")

    def __init__(self, path: str, kind: str, folder: str | None = None, store: str | None = None,
                 graph: str | None = None) -> None:
        self.path, self.kind, self.folder, self.store, self.graph = path, kind, folder, store, graph

    def __repr__(self) -> str:
        return (f"Target({self.path!r}, {self.kind!r}, folder={self.folder!r}, store={self.store!r}, "
                f"graph={self.graph!r})")

    def file(self, name: str) -> str | None:
        """``name`` at the top of the output folder, when the folder has it."""
        if self.folder is None or not os.path.isfile(os.path.join(self.folder, name)):
            return None
        return os.path.join(self.folder, name)

    @property
    def corpus_nq(self) -> str | None:
        """The N-Quads of every named graph: the output folder's ``corpus.nq``, or the file given."""
        return self.path if self.kind == "file" else self.file(CORPUS_NQ)

    def document_file(self, doc_id: str, name: str) -> str | None:
        """A document's file (``report.json`` …): in ``docs/<folder>/``, else at the top of the folder
        (a one-document build's copy, or an older one-document build that had no ``docs/``)."""
        inside = self.file(os.path.join(DOCS_DIR, doc_folder(doc_id), name)) if self.folder else None
        return inside or self.file(name)


def resolve(path: str | os.PathLike[str] | None = None) -> Target:
    """What ``path`` names; ``None`` means the project's ``graph/``.

    * a store folder (it holds RocksDB's ``CURRENT``): itself, and its output folder when it
      is the ``store/`` of one;
    * an output folder: its ``store/`` when built, else its ``corpus.nq``, else its
      ``policykg.ttl`` (a folder copied without the store, an older one-document build);
    * a file: the graph file itself, with the output folder that holds it, if any.

    >>> t = resolve("graph"); t.kind, t.folder, t.corpus_nq
    ('output', 'graph', 'graph/corpus.nq')
    """
    given = project_file("graph") if path is None else os.fspath(path)
    parent = os.path.dirname(os.path.normpath(given)) or os.curdir
    if os.path.isdir(given):
        if is_store(given):
            inside = os.path.basename(os.path.abspath(given)) == STORE_DIR and is_output(parent)
            return Target(given, "store", folder=parent if inside else None, store=given)
        store = os.path.join(given, STORE_DIR)
        graph = next((os.path.join(given, n) for n in (CORPUS_NQ, TURTLE) if os.path.isfile(os.path.join(given, n))),
                     None)
        if is_store(store):
            return Target(given, "output", folder=given, store=store, graph=graph)
        return Target(given, "output" if graph else "empty", folder=given, graph=graph)
    if os.path.lexists(given):
        return Target(given, "file", folder=parent if is_output(parent) else None, graph=given)
    return Target(given, "missing", graph=given)
