"""What ``policykg build --pages`` writes: the page writers the command line hands to the build.

The build (:func:`policykg.kg.corpus.build_corpus`) never imports a use; it takes a
``pages(stage, entries)`` function and calls it on the staged output folder once every
document's files and the store are there. Two of them:

* :func:`corpus_pages` — several documents: each document's pages and source view in its
  ``docs/<folder>/``, and the corpus unit network (``units.html``) and the follow-up dashboard (``dashboard.html``) at the top;
* :func:`document_pages` — one document: its pages and source view in ``docs/<folder>/``
  (the build places them at the top as well); its unit network is the document's own.
"""

from __future__ import annotations

from pathlib import Path

from policykg.kg.layout import DOCS_DIR, TURTLE, doc_folder


def corpus_pages(stage: Path, entries: list[dict]) -> list[str]:
    """``--pages`` on a corpus: each document's pages and source view, and the corpus unit network."""
    from policykg.use.corpus_page import write_corpus_pages
    from policykg.use.dashboard import dashboard_pages
    return document_pages(stage, entries) + write_corpus_pages(stage, entries) + dashboard_pages(stage)


def document_pages(stage: Path, entries: list[dict]) -> list[str]:
    """Each built document's pages (graph.html, units.html, GraphML/GEXF) and source view, in its own
    folder; a document reused with its pages keeps them. Adds nothing at the top: returns ``[]``."""
    import pyoxigraph as ox

    from policykg.resources import ontology_path
    from policykg.use import pages
    from policykg.use.sourceview import write_source_views
    for entry in entries:
        folder = stage / DOCS_DIR / doc_folder(entry["id"])
        if entry["status"] != "built" or (folder / "graph.html").exists():
            continue
        store = ox.Store()
        store.load(input=(folder / TURTLE).read_bytes(), format=ox.RdfFormat.TURTLE)
        store.load(input=ontology_path().read_bytes(), format=ox.RdfFormat.TURTLE)
        pages.write_pages(store, folder)
    return write_source_views(stage, entries)
