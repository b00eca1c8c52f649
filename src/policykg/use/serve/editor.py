"""The query editor at ``/``: its page, the library's queries as examples, the documents to scope a query to.

Why
---
A small page of our own (``static/``, plain JS, no third-party code, no URL to
any other host), preloaded with the query library (the same list ``policykg
queries`` prints: :func:`load_examples`); see ``static/README.md`` for why not
YASGUI. A Content-Security-Policy header (:data:`PAGE_HEADERS`) keeps the
browser from contacting any origin but this one. Everything is made once, at
start (:class:`Editor`); share links and the running of queries are the page's
own (``static/editor.js``).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from policykg.errors import QueryError, ServeError
from policykg.kg.documents import Document
from policykg.kg.query import StoredQuery, library
from policykg.use.serve.export import xlsx_available
from policykg.vocab import PREFIXES

STATIC_DIR = Path(__file__).with_name("static")
_ASSET_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class Example:
    """One stored query offered in the editor: file name, first header line, header, text."""

    name: str
    title: str
    header: str
    query: str
    question_zh: str = ""
    question_en: str = ""
    #: ``(name, default, description)`` of each ``# @param`` line.
    params: tuple[tuple[str, str, str], ...] = ()


def load_examples(queries_dir: Path | None) -> list[Example]:
    """The query library under ``queries_dir`` for the editor's picker, read as ``policykg queries`` reads it.

    :func:`policykg.kg.query.library` is the one reader: the ``.rq`` files of the
    folder (not of its sub-folders), each at most 1 MiB of UTF-8 with both question
    lines, so the editor offers exactly the queries the command line lists, and a
    file the command line refuses stops the server at start with the same line.
    """
    if queries_dir is None:
        return []
    if not Path(queries_dir).is_dir():
        raise ServeError("queries folder not found", path=str(queries_dir),
                         hint="pass the folder holding the *.rq files, or none")
    try:
        stored = library(queries_dir)
    except QueryError as err:
        raise ServeError(err.message, path=err.path, line=err.line, hint=err.hint or "fix the query file") from err
    return [_example(query) for query in stored.values()]


def _example(query: StoredQuery) -> Example:
    """A stored query as the picker shows it: its first header line (without 问题：) is its title."""
    header = _header_lines(query.text)
    first = next((line for line in header if line.strip()), query.name)
    title = _QUESTION_LABEL.sub("", first, count=1) or first
    return Example(query.name, title, "\n".join(header), query.text, query.question_zh, query.question_en,
                   tuple((p.name, p.default, p.doc) for p in query.parameters))


class Editor:
    """What the editor's page is made of, made once at start and served as it is."""

    def __init__(self, examples: list[Example], documents: list[Document], context: list[str],
                 graph_files: list[Path], store: Path | None) -> None:
        self.page = _render_page(examples, graph_files, documents, store)
        self.examples = _examples_json(examples)
        self.documents = _documents_json(documents, context)
        self.assets = _load_assets()


def _render_page(examples: list[Example], graph_files: list[Path], documents: list[Document],
                 store: Path | None) -> bytes:
    """The editor page: the template with the example picker, document picker and graph names filled in."""
    template = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    options = "\n".join(
        f'<option value="{i}" title="{html.escape(ex.header)}">{html.escape(ex.name)} — '
        f"{html.escape(ex.title)}</option>"
        for i, ex in enumerate(examples)
    )
    if store is not None:
        graphs = html.escape(f"{store.parent.name}/{store.name}" if store.parent.name else store.name)
    else:
        graphs = ", ".join(html.escape(Path(p).name) for p in graph_files)
    if documents:
        graphs += f" · {len(documents)} 个文件 documents"
    docs = "\n".join(
        f'<option value="{html.escape(d.iri)}" title="{html.escape(d.iri)}">'
        f"{html.escape(_document_label(d))}</option>" for d in documents)
    if not documents:  # one graph: no picker
        template = template.replace('id="scope-section">', 'id="scope-section" hidden>')
    return (template.replace("<!--EXAMPLES-->", options)
            .replace("<!--GRAPHS-->", graphs)
            .replace("<!--DOCUMENTS-->", docs)
            .replace("<!--DOC_COUNT-->", str(len(documents)))
            .replace("<!--COUNT-->", str(len(examples)))
            .replace("<!--XLSX-->", "" if xlsx_available() else " disabled")).encode("utf-8")


def _document_label(doc: Document) -> str:
    """``id — title（jurisdiction · level）`` for the document picker."""
    place = " · ".join(x for x in (doc.jurisdiction, doc.level) if x)
    title = doc.title if len(doc.title) <= 40 else doc.title[:39] + "…"
    return f"{doc.short_id} — {title}" + (f"（{place}）" if place else "")


def _documents_json(documents: list[Document], context: list[str]) -> bytes:
    rows = [{"graph": d.iri, "id": d.short_id, "title": d.title, "jurisdiction": d.jurisdiction, "level": d.level}
            for d in documents]
    return json.dumps({"documents": rows, "context": context, "prefixes": PREFIXES},
                      ensure_ascii=False).encode("utf-8")


def _examples_json(examples: list[Example]) -> bytes:
    rows = [{"name": e.name, "title": e.title, "header": e.header, "query": e.query, "zh": e.question_zh,
             "en": e.question_en, "params": [{"name": n, "default": d, "doc": doc} for n, d, doc in e.params]}
            for e in examples]
    return json.dumps(rows, ensure_ascii=False).encode("utf-8")


def _load_assets() -> dict[str, tuple[str, bytes]]:
    """The files under static/ that the page may load, with their content types."""
    return {path.name: (_ASSET_TYPES[path.suffix], path.read_bytes())
            for path in sorted(STATIC_DIR.iterdir())
            if path.is_file() and path.suffix in _ASSET_TYPES}


def _header_lines(text: str) -> list[str]:
    """The leading ``#`` comment lines, without the ``#`` (the query's documentation)."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[1:].removeprefix(" ").rstrip())
    return lines


_QUESTION_LABEL = re.compile(r"^\s*(?:问题|Question)\s*[：:]\s*", re.IGNORECASE)
