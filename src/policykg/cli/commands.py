"""The sub-commands: each parses nothing itself, calls the library, and returns an exit code.

``HANDLERS`` maps a command name to its function; :mod:`policykg.cli` runs one.
"""

from __future__ import annotations

import sys

from policykg.errors import PolicyKGError, UsageError
from policykg.resources import default_corpus, default_output_dir

TYPE_CHECKING = False      # typing.TYPE_CHECKING without importing typing on the query path
if TYPE_CHECKING:
    from pathlib import Path


def _graph_file(args) -> str:
    from pathlib import Path
    return str(Path(args.graph) if args.graph else default_output_dir() / "policykg.ttl")


def cmd_build(args) -> int:
    """One build for one document or many (a document alone is a corpus of one), holding the output
    folder's lock throughout. The build computes what the uses add — each document's network
    analysis, the pages — with the functions passed here: the build never imports a use."""
    import os
    from pathlib import Path

    from policykg.kg.corpus import build_corpus
    from policykg.kg.publish import output_lock
    from policykg.use import build_pages
    from policykg.use.analysis_graph import analysis_quads
    from policykg.use.ledger import build_progress
    sources = args.source or [str(default_corpus())]
    alone = len(sources) == 1 and not os.path.isdir(sources[0])
    pages = (build_pages.document_pages if alone else build_pages.corpus_pages) if args.pages else None
    out = Path(args.out)
    with output_lock(out):                    # refuses an --out that cannot be one, before the build
        result = build_corpus(sources, out, jobs=args.jobs, progress=not alone and sys.stderr.isatty(),
                              analysis=None if args.no_analysis else analysis_quads, pages=pages,
                              alone=alone, strict=args.strict, doc_files=args.doc_files,
                              force=False if args.force is None else (args.force or True),
                              ledgers=None if alone else build_progress)
    return _document_summary(out, result) if alone else _corpus_summary(args, out, result)


def _corpus_summary(args, out: Path, result) -> int:
    """A few lines for the corpus (the manifest has the rest); exit 2 with ``--strict`` if any document
    was not built or was understood only in part."""
    from policykg.kg.corpus import corpus_summary
    for line in corpus_summary(result, out):
        print(line)
    failed = [e for e in result.entries if e["status"] != "built"]
    partial = [e for e in result.entries if e["status"] == "built" and (e.get("warnings") or e.get("unmapped_lines"))]
    if failed:
        print(f"policykg: warning: {len(failed)} document(s) not built; first: {failed[0]['error'][:160]}",
              file=sys.stderr)
    if partial:
        print(f"policykg: warning: {len(partial)} document(s) understood in part (warnings or unmapped lines "
              f"in {out / 'manifest.json'})", file=sys.stderr)
    if args.strict and (failed or partial):
        return 2
    return 0


def _document_summary(out: Path, result) -> int:
    """The document's counts (README shows them), a warning when understood in part, and what was
    written: its files at the top of ``out``, in the one layout of every build (``docs/output-layout.md``)."""
    import json

    from policykg.kg.layout import CORPUS_NQ, DOCS_DIR, DOCUMENT_FILES, MANIFEST, REPORT, STORE_DIR, doc_folder
    from policykg.kg.report import summary_lines
    report = json.loads((out / REPORT).read_text(encoding="utf-8"))
    for line in summary_lines(report):
        print(line)
    _warn(report)
    layout = (CORPUS_NQ, MANIFEST, DOCS_DIR, STORE_DIR)
    print(f"  wrote {', '.join(str(out / n) for n in result.outputs if n in DOCUMENT_FILES)}")
    print(f"  wrote {out / STORE_DIR} (Oxigraph store: the document's graph, the shared schemes, their merge)")
    print(f"  wrote {out / CORPUS_NQ}, {out / MANIFEST}, {out / DOCS_DIR / doc_folder(result.entries[0]['id'])}/")
    for name in result.outputs:
        if name not in DOCUMENT_FILES and name not in layout:
            print(f"  wrote {out / name}")
    return 0


def _warn(report: dict) -> None:
    """One line on stderr when the document was understood only in part."""
    warnings, unmapped = report["warnings"], report["unmapped_lines"]
    if warnings or unmapped:
        first = (warnings or [{"line": unmapped[0]["line"], "reason": unmapped[0]["reason"]}])[0]
        print(f"policykg: warning: {report['source']['file']}: {len(warnings)} warning(s), "
              f"{len(unmapped)} unmapped line(s); first at line {first['line']}: {first['reason'][:120]} "
              f"(details in report.json)", file=sys.stderr)


def cmd_query(args) -> int:
    """The query from the library (or a file, or ``-e``), checked and bound; the store, narrowed to ``--doc``;
    the answer, written in ``--format``: each step once, in that order."""
    protection = _isolate(args)                   # before the store opens: no engine thread has a network
    if (args.query is None) == (args.expr is None):
        raise UsageError("give a query name or .rq file, or -e 'QUERY' (one of them)")
    if args.excel and args.format != "csv":
        raise UsageError("--excel goes with --format csv")
    if not args.timeout > 0:                      # also refuses nan
        raise UsageError("--timeout must be a positive number of seconds")
    from policykg.kg.documents import scoped
    from policykg.kg.query import answer_prepared, find_query, inline_query, prepared_query
    from policykg.kg.store import open_graph
    from policykg.use.answers import format_answer
    params = dict(_param(p) for p in args.param)
    query = inline_query(args.expr) if args.expr is not None else find_query(args.query)
    if protection is not None and not query.in_library:
        _note_protection(protection)
    prepared = prepared_query(query, params)      # the editor's default prefixes; the guard on the final text
    store = open_graph(args.graph)
    store = scoped(store, args.doc)
    result = answer_prepared(store, prepared, timeout=args.timeout, source=query.path)
    output = format_answer(result, args.format, excel=args.excel)
    sys.stdout.write(output)
    sys.stdout.flush()
    if args.format == "table" and result.kind == "select" and not result.rows and query.in_library:
        from policykg.kg.why_empty import empty_reason   # an empty table says why (exit 0)
        print(f"policykg: 0 rows: {empty_reason(store, query, params, args.doc)}", file=sys.stderr)
    return 0


def _isolate(args) -> str | None:
    """Cut the process off the network before it runs a query (see :mod:`policykg.kg.nonet`).

    Only when the command owns its process (``main()`` called with no argument, as
    the console script does): a program that embeds :func:`main`, a test, keeps
    its network. Returns the protection in force, or None when not tried.
    """
    if not getattr(args, "own_process", False):
        return None
    from policykg.kg.nonet import isolate
    return isolate()


def _note_protection(protection: str) -> None:
    """One line on stderr when a query the user wrote runs where namespaces were refused.

    Only for ``-e`` text or a ``.rq`` file: stored queries are part of the project
    (checked by the test suite against the guard), so they run without the note.
    """
    from policykg.kg.nonet import is_isolated
    if is_isolated(protection):
        return
    print(f"policykg: note: this query runs with the network in reach ({protection}); "
          "SERVICE is refused by the query guard", file=sys.stderr)


def _param(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise PolicyKGError(f"parameter {text!r} is not NAME=VALUE", hint="e.g. --param topic=金融")
    name, value = text.split("=", 1)
    return name.strip(), value.strip()


def cmd_queries(args) -> int:
    from policykg.kg.query import library
    for name, q in library().items():
        params = "".join(f" [--param {p.name}={p.default}]" for p in q.parameters)
        scope = "  (corpus-wide)" if q.scope else ""
        print(f"{name}{params}{scope}\n    {q.question_zh}\n    {q.question_en}")
    return 0


def cmd_docs(args) -> int:
    """The documents of the graph: id (what --doc takes), title, issuer, date, jurisdiction, level, and the
    format each was read as (text, html, docx, pdf …)."""
    from policykg.kg.documents import LISTED, documents
    from policykg.kg.store import open_graph
    from policykg.use.answers import format_result
    rows = [doc.listed() for doc in documents(open_graph(args.graph))]
    sys.stdout.write(format_result(list(LISTED), rows, args.format))
    return 0


def cmd_validate(args) -> int:
    from rdflib import Graph

    from policykg.kg.validate import validate_graph
    result = validate_graph(Graph().parse(_graph_file(args)))
    print(result.text if not result.conforms else "conforms")
    return 0 if result.conforms else 1


def cmd_serve(args) -> int:
    from pathlib import Path
    from policykg.resources import ontology_path, queries_dir
    from policykg.use.serve import ServerConfig, serve_forever
    from policykg.use.serve.dataset import resolve_graph
    store, files = resolve_graph(Path(args.graph) if args.graph else default_output_dir(), ontology_path())
    serve_forever(ServerConfig(graph_files=files, store=store, queries_dir=queries_dir(),
                               host=args.host, port=args.port, timeout_s=args.timeout))
    return 0


def cmd_analyze(args) -> int:
    from pathlib import Path
    from policykg.kg.documents import scoped
    from policykg.kg.store import open_graph
    from policykg.use.analyze import analysis_report, write_network_files
    graph = scoped(open_graph(args.graph), args.doc)
    sys.stdout.write(analysis_report(graph, top=args.top))
    if args.out:
        for path in write_network_files(graph, Path(args.out)):
            print(f"wrote {path}")
    return 0


def cmd_draw(args) -> int:
    from pathlib import Path
    from policykg.kg.publish import publish
    from policykg.kg.store import open_graph
    from policykg.use.pages import PAGE_FILES, write_pages
    graph = open_graph(args.graph)
    for path in publish(Path(args.out), lambda stage: [p.name for p in write_pages(graph, stage)],
                        replaces=PAGE_FILES):
        print(f"wrote {path}")
    return 0


def cmd_export(args) -> int:
    """``export matrix``: the unit × record responsibility matrix; ``export source``: one document's source view."""
    from pathlib import Path
    from policykg.kg.store import open_graph
    if args.excel and (args.what != "matrix" or args.format != "csv"):
        raise UsageError("--excel goes with export matrix --format csv (an XLSX file needs no byte order mark)")
    graph = open_graph(args.graph)
    if args.what == "source":
        return _export_source(args, graph)
    from policykg.use.export import csv_text, matrices, write_csv, write_xlsx
    found = matrices(graph, args.doc)
    if args.format == "xlsx":
        out = Path(args.out or "responsibility_matrix.xlsx")
        if out.is_dir():
            out = out / "responsibility_matrix.xlsx"
        print(f"wrote {write_xlsx(found, out)} ({len(found)} sheet(s): one per document)")
        return 0
    if args.out is None:
        if len(found) != 1:
            raise UsageError(f"the graph holds {len(found)} documents: give --doc ID for one CSV on stdout, "
                             "or --out FOLDER for one CSV per document")
        sys.stdout.write(csv_text(found[0], excel=args.excel))
        sys.stdout.flush()
        return 0
    for path in write_csv(found, Path(args.out), excel=args.excel):
        print(f"wrote {path}")
    return 0


def _export_source(args, graph) -> int:
    from pathlib import Path
    import json

    from policykg.kg.documents import documents, find_document
    from policykg.kg.layout import MANIFEST, REPORT, resolve
    from policykg.use.sourceview import write_source_view
    docs = documents(graph)
    if args.doc:
        doc = find_document(graph, args.doc, docs)
    elif len(docs) == 1:
        doc = docs[0]
    else:
        raise UsageError(f"the graph holds {len(docs)} documents: give --doc ID")
    target = resolve(args.graph)                 # the output folder the graph belongs to: its report, its manifest
    report_file = target.document_file(doc.short_id, REPORT)
    report = json.loads(Path(report_file).read_text(encoding="utf-8")) if report_file else {}
    source, manifest = args.source, target.file(MANIFEST)
    if source is None:
        try:
            entries = json.loads(Path(manifest).read_text(encoding="utf-8"))["documents"] if manifest else []
            source = next(e["file"] for e in entries if e["id"] == doc.short_id)
        except (OSError, ValueError, KeyError, TypeError, StopIteration):
            raise UsageError("cannot tell which file the document was built from: give --source FILE") from None
    out = Path(args.out or f"{doc.short_id}.source.html")
    print(f"wrote {write_source_view(graph, source, report, out)}")
    return 0


def cmd_push(args) -> int:
    """Send a built corpus to a Graph Store Protocol server (HTTP PUT per graph, the merged default graph
    first), or load it into Virtuoso with its bulk loader (``--virtuoso-isql``)."""
    from policykg.use.push import merged_graph_option, push
    if args.url.startswith("isql://"):
        from policykg.errors import PushError
        from policykg.use.virtuoso_load import DEFAULT_GRAPH, bulk_load
        if not args.load_dir:
            raise PushError("an isql:// address needs --load-dir DIR, a folder the Virtuoso server reads",
                            hint="one listed in its virtuoso.ini DirsAllowed")
        done = bulk_load(args.url, args.graph, args.load_dir, user=args.user, isql=args.isql,
                         default_graph=args.default_graph or DEFAULT_GRAPH)
        print(f"loaded {done.graphs} graphs ({done.triples} triples)"
              + (f" and the merged default graph ({done.merged} triples)" if done.merged else "")
              + f" into {args.url} with Virtuoso's bulk loader in {done.seconds:.1f} s")
        return 0
    sent = push(args.url, args.graph, header=args.header, user=args.user, timeout=args.timeout,
                retries=args.retries, default_graph=merged_graph_option(args.default_graph))
    named = [p for p in sent if not p.merged]
    again = sum(1 for p in sent if p.tries > 1)
    print(f"pushed {len(named)} graphs ({sum(p.triples for p in named)} triples)"
          + "".join(f" and the merged default graph ({p.triples} triples, "
                    + (f"as <{p.graph}>)" if p.graph else "as the server's default graph)") for p in sent if p.merged)
          + f" to {args.url}" + (f"; {again} of them after more than one try" if again else ""))
    return 0


#: The function that runs each sub-command.
def cmd_ledger(args) -> int:
    """``ledger export``: the form units fill; ``ledger import FILE``: a filled form back as a progress report."""
    from pathlib import Path

    from policykg.errors import LedgerError
    from policykg.use import ledger
    out = Path(args.graph) if args.graph else default_output_dir()
    if args.action == "export":
        if args.file is not None or args.as_of or args.partial:
            raise UsageError("ledger export takes --doc, --unit, --format and --out (FILE, --as-of and --partial "
                             "go with ledger import)")
        from policykg.kg.store import open_graph
        target = Path(args.out) if args.out else (None if args.format == "csv" else Path("ledger.xlsx"))
        count = ledger.export_ledger(open_graph(str(out)), target, args.format, args.doc, args.unit)
        if target is not None:
            print(f"wrote {target} ({count} record(s))")
        return 0
    if args.file is None:
        raise UsageError("ledger import needs the filled FILE (.xlsx or .csv)")
    from policykg.use.dashboard import dashboard_pages
    try:
        applied, changed = ledger.import_ledger(Path(args.file), out, args.as_of, [args.doc] if args.doc else None,
                                                args.partial, dashboard_pages)
    except LedgerError as exc:
        for line in exc.lines:
            print(f"policykg: {line}", file=sys.stderr)
        raise
    for line in applied.problems:
        print(f"policykg: warning: {line} (left out)", file=sys.stderr)
    report = applied.report
    if changed:
        print(f"imported {len(report.updates)} update(s) as of {report.as_of} from {args.file} "
              f"(kept as {out / applied.path}); wrote {out / 'dashboard.html'}")
    else:
        print(f"{args.file}: already imported as it is (as of {report.as_of}); nothing changed")
    return 0


def cmd_status(args) -> int:
    """``status``: the overdue and the due-soon lists as of a date (exit 0 whether or not any is overdue)."""
    from policykg.kg.store import open_graph
    from policykg.use.followup import status_lines
    for line in status_lines(open_graph(args.graph), args.as_of, args.unit, args.doc, args.days):
        print(line)
    return 0


HANDLERS = {"build": cmd_build, "query": cmd_query, "queries": cmd_queries, "docs": cmd_docs,
            "validate": cmd_validate, "serve": cmd_serve, "analyze": cmd_analyze, "push": cmd_push,
            "draw": cmd_draw, "export": cmd_export, "ledger": cmd_ledger, "status": cmd_status}
