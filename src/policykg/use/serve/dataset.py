"""What the endpoint serves: the store folder or graph files ``--graph`` names, made the engine's own.

A corpus
--------
``--graph`` may name a built output folder (``graph/``, the default) or a store
folder: the store is then served as it is, through a snapshot of hard links (no
copy, no load; a copy where links are not possible) in the temporary folder
(:func:`snapshot_store`), so a rebuild that swaps ``graph/`` in never pulls files
from under the running engine, and a restarted engine opens the same snapshot.
RocksDB opened read-only writes nothing (checked: every file of the store keeps
its bytes and mtime while the engine and pyoxigraph readers have it open at the
same time). Graph files (``.ttl``, ``.nt``, ``.nq``, ``.trig``) are bulk-loaded
into a temporary store (:func:`make_store`).

Each document of a corpus is a **named graph** (``GRAPH <doc>``, ``FROM <doc>``,
``default-graph-uri``), and a query that names no dataset sees the **union** of
all graphs as its default graph, as ``policykg query`` does
(:mod:`policykg.use.serve.prepare`). The editor lists the documents
(:func:`served_documents`) and scopes a query to one of them with
``default-graph-uri`` (the document plus the shared graphs: ontology, schemes,
lineage) and ``named-graph-uri`` (the document).

The graph is loaded (or its store snapshotted) at start, so a rebuild needs a
restart of the server. :func:`resolve_graph` is this module's reading of the
output layouts, kept in one small function.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from policykg.errors import QueryError, ServeError
from policykg.kg.documents import Document, documents
from policykg.kg.layout import is_store, resolve
from policykg.use.serve.config import ServerConfig
from policykg.use.serve.engine import load_store

log = logging.getLogger(__name__)

#: Graph files that carry their own named graphs (no ontology is added to them).
_QUAD_SUFFIXES = (".nq", ".trig")


def resolve_graph(path: Path, ontology: Path | None = None) -> tuple[Path | None, list[Path]]:
    """What ``--graph PATH`` serves: ``(store folder, [])`` or ``(None, graph files)``.

    The output layout answers what a path is (:func:`policykg.kg.layout.resolve`, the
    one place that knows): a store folder, or an output folder's ``store/``, is served
    as it is; else its ``corpus.nq`` (or ``policykg.ttl``), or the file given, is
    loaded. ``ontology`` is added to Turtle/N-Triples files (a corpus's N-Quads carry
    it in their shared graph; a store has it already).
    """
    target = resolve(str(path))
    if target.store is not None:
        return Path(target.store), []
    if target.graph is None:
        raise ServeError("the folder holds no store and no graph file", path=str(path),
                         hint="build it first ('policykg build --out FOLDER'), or name a .ttl/.nq file")
    graph = Path(target.graph)
    extra = [ontology] if ontology is not None and graph.suffix.lower() not in _QUAD_SUFFIXES else []
    return None, [graph, *extra]


def make_store(config: ServerConfig, binary: Path, target: Path) -> None:
    """The store the engine serves, made at ``target``: the store folder snapshotted, or the graph files loaded."""
    if config.store is not None:
        how = snapshot_store(Path(config.store), target)
        log.info("serving the store %s (%s into %s)", config.store, how, target)
    else:
        load_store(binary, [Path(p) for p in config.graph_files], target)


def snapshot_store(source: Path, target: Path) -> str:
    """A read-only view of the store ``source`` at ``target``: hard links, or copies where links fail.

    RocksDB never rewrites a table file; a build writes a new store and swaps
    the folder in, so linked files keep the old version readable for the
    running engine. Returns ``"linked"`` or ``"copied"`` (for the log).
    """
    if not is_store(source):
        raise ServeError("not an Oxigraph store (no CURRENT file)", path=str(source),
                         hint="build it first with 'policykg build', or name a .ttl/.nq file")
    how = ["linked"]

    def link_or_copy(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:  # another file system, or links not permitted: copy
            how[0] = "copied"
            shutil.copy2(src, dst)

    try:
        shutil.copytree(source, target, copy_function=link_or_copy)
    except OSError as err:
        raise ServeError(f"cannot snapshot the store: {err}", path=str(source),
                         hint="is there space in the temporary folder (TMPDIR)?") from err
    return how[0]


def needs_union(config: ServerConfig) -> bool:
    """Only N-Quads/TriG files loaded as they are keep their data in named graphs alone: a
    store policykg built (and the files it writes) carries the merge of its named graphs in
    the default graph, so asking for the union there would count shared triples twice."""
    return config.store is None and any(f.suffix.lower() in _QUAD_SUFFIXES for f in config.graph_files)


def served_documents(store_dir: Path, union: bool) -> tuple[list[Document], list[str]]:
    """The documents of the store the engine serves, for the editor's picker, and its other named graphs.

    A document is listed when its graph (named by its IRI) is a named graph of
    the store: the editor scopes a query to it with ``default-graph-uri``. The
    other named graphs (the shared ontology and schemes, lineage, analysis) are
    context that a query scoped to one document still sees. A one-document store
    keeps everything in the default graph: both lists are then empty. Read with
    :func:`policykg.kg.documents.documents` from the store itself, read-only,
    before the engine opens it; ``union``: the data sits in named graphs alone
    (:func:`needs_union`).
    """
    import pyoxigraph as ox

    try:
        store = ox.Store.read_only(str(store_dir))
        named = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
        docs = documents(_Union(store) if union else store)
    except (QueryError, OSError) as err:
        raise ServeError(f"could not list the documents of the store: {err}", path=str(store_dir),
                         hint="is the store complete? build it again") from err
    finally:
        store = None  # closes RocksDB before the engine opens the folder
    listed = {d.iri for d in docs} & set(named)
    return [d for d in docs if d.iri in listed], [g for g in named if g not in listed]


class _Union:
    """A store whose default graph is the union of its graphs (N-Quads loaded as they are), for reading."""

    def __init__(self, store) -> None:
        self.store = store

    def query(self, text: str, **kwargs):
        return self.store.query(text, use_default_graph_as_union=True, **kwargs)
