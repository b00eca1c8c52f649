"""The command line's grammar: argparse parsers of every sub-command.

Kept apart from :mod:`policykg.cli` because argparse (with the ``re``,
``gettext`` and ``shutil`` it loads, and its first-use regular expressions)
costs ``policykg query`` about a tenth of its time. ``policykg query`` in its
plain forms is read by :mod:`policykg.query_argv` instead; everything else, and
``--help`` or a mistake on any command, comes here.
"""

from __future__ import annotations

import argparse

from .resources import default_output_dir

#: The first line of ``policykg --help``.
DESCRIPTION = "policykg — 政策文件知识图谱：构建、查询、浏览 / build, query and explore the knowledge graph of policy documents."

EXIT_CODES = ("exit codes: 0 success; 1 the graph does not conform to the SHACL shapes; "
              "2 bad input or usage (document, query, graph, output folder, time limit)")


class OneLineErrorParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (like every other error) and exits 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


COMMANDS = frozenset({"build", "query", "queries", "docs", "validate", "serve", "analyze", "push", "draw",
                      "export"})


class _Unbuilt:
    """Stands in for the parser of a sub-command this run does not use: building all of
    them costs ~15 ms of argparse on every ``policykg query``, a tenth of its time."""

    def add_argument(self, *args, **kwargs) -> None:
        return None


def _add(sub, only: str | None, name: str, **kwargs):
    return sub.add_parser(name, **kwargs) if only in (None, name) else _Unbuilt()


def parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line; with ``only``, just that sub-command's parser is built."""
    p = OneLineErrorParser(prog="policykg", description=DESCRIPTION, epilog=EXIT_CODES)
    sub = p.add_subparsers(dest="command", required=True, parser_class=OneLineErrorParser)

    b = _add(sub, only,
        "build", epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter,
        help="build the knowledge graph of one document or of a corpus into graph/",
        description="构建知识图谱 / Build the knowledge graph.\n\n"
                    "One file: that document's graph (policykg.ttl/.nt/.jsonld, report.json, the store).\n"
                    "Folders or several files: a corpus — one named graph per document, manifest.json,\n"
                    "corpus.nq, docs/<id>.ttl, one store; unchanged documents are reused by hash.\n"
                    "Without SOURCE: the bundled corpus (sources/).")
    b.add_argument("source", nargs="*", metavar="SOURCE",
                   help="a policy document (.txt: UTF-8, UTF-8 with BOM or GB18030) or a folder of them")
    b.add_argument("--out", default=str(default_output_dir()), help="output folder (default graph/), replaced whole")
    b.add_argument("--jobs", type=int, default=None,
                   help="worker processes for a corpus (default: one per core)")
    b.add_argument("--no-analysis", action="store_true",
                   help="corpus: skip writing communities and centralities into the graph (id/graph/analysis)")
    b.add_argument("--pages", action="store_true", help="also draw the interactive HTML pages")
    b.add_argument("--strict", action="store_true",
                   help="fail (exit 2, nothing written) when any line is unmapped or any warning is raised; "
                        "by default a document understood in part still builds, with a one-line warning")

    q = _add(sub, only, "query", help="run a SPARQL query: a stored one by name, any .rq file, or -e TEXT",
                       description="Run a SPARQL query on the graph (Oxigraph). QUERY is the name of a stored "
                                   "query (see 'policykg queries', e.g. key_tasks) or the path of any .rq file; "
                                   "header lines are optional. SELECT prints rows, ASK true/false, CONSTRUCT "
                                   "and DESCRIBE triples (Turtle, or N-Triples with --format nt).",
                       epilog=EXIT_CODES)
    q.add_argument("query", nargs="?", help="stored query name or .rq file")
    q.add_argument("-e", "--expr", metavar="QUERY", help="the query text itself, e.g. -e 'SELECT …'")
    q.add_argument("--format", default="table", choices=["table", "csv", "tsv", "json", "turtle", "nt"])
    q.add_argument("--excel", action="store_true",
                   help="with --format csv: start with a UTF-8 byte order mark so Excel reads Chinese right")
    q.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a value for one of the query's @param (repeatable)")
    q.add_argument("--graph", help="a store folder, an output folder, or a .ttl/.nt file "
                                   "(default: graph/store, else graph/policykg.ttl)")
    q.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                   help="stop the query after this many seconds (default 30)")
    q.add_argument("--doc", metavar="ID",
                   help="run on one document of a corpus (its id, as 'policykg docs' lists them)")

    _add(sub, only, "queries", help="list the query library")

    ds = _add(sub, only, "docs", help="list the documents of the graph (id, title, issuer, date, jurisdiction, level)")
    ds.add_argument("--graph", help="a store folder, an output folder, or a graph file (default: graph/)")
    ds.add_argument("--format", default="table", choices=["table", "csv", "tsv", "json"])

    v = _add(sub, only, "validate", help="validate a graph file against shapes.ttl")
    v.add_argument("--graph")

    s = _add(sub, only, "serve", help="read-only SPARQL endpoint with a query editor on 127.0.0.1",
                       description="Serve a graph read-only over the SPARQL 1.1 Protocol, with a query editor. "
                                   "A corpus: each document is a named graph, the default graph their merge.")
    s.add_argument("--graph", help="an output folder (default graph/: its store), a store folder, "
                                   "or a .ttl/.nt/.nq/.trig file (loaded into a temporary store)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=7878)
    s.add_argument("--timeout", type=float, default=10.0, help="seconds before a query is stopped")

    a = _add(sub, only, "analyze", help="network analytics of units and tasks")
    a.add_argument("--graph")
    a.add_argument("--top", type=int, default=10)
    a.add_argument("--doc", metavar="ID", help="analyse one document of a corpus (default: the whole corpus, "
                                                 "units of different jurisdictions kept apart)")
    a.add_argument("--out", help="folder for GraphML and GEXF files")

    u = _add(sub, only, "push", epilog=EXIT_CODES,
                       help="send a built corpus to a SPARQL 1.1 Graph Store Protocol server (PUT per graph)",
                       description="Send each document's named graph, the shared graph and the lineage graph of a "
                                   "built corpus to a SPARQL 1.1 Graph Store Protocol endpoint, one HTTP PUT "
                                   "URL?graph=IRI per graph: pushing again replaces, never duplicates.")
    u.add_argument("url", help="the Graph Store endpoint, e.g. http://127.0.0.1:7878/store (Oxigraph)")
    u.add_argument("--graph", help="the built corpus folder (default graph/) or its corpus.nq")
    u.add_argument("--header", metavar="'NAME: VALUE'",
                   help="an extra request header, e.g. 'Authorization: Bearer TOKEN'")
    u.add_argument("--user", metavar="USER:PASSWORD", help="HTTP basic authentication")
    u.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                   help="give up on a request after this many seconds (default 60)")

    d = _add(sub, only, "draw", help="write the interactive graph pages")
    d.add_argument("--graph")
    d.add_argument("--out", default=str(default_output_dir()))

    x = _add(sub, only,
        "export", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXIT_CODES,
        help="export the responsibility matrix (XLSX/CSV) or a document's source view (HTML)",
        description="导出 / Export.\n\n"
                    "matrix: 责任矩阵 — units (rows: name as written, jurisdiction) × responsibility records\n"
                    "  (columns, in document order: record id and a short text); a cell is L (牵头 lead),\n"
                    "  C (配合 co-operating) or J (共同 joint). XLSX: one sheet per document (needs openpyxl:\n"
                    "  pip install 'policykg[export]'). CSV: one file per document (--out FOLDER), or\n"
                    "  --doc ID for one (stdout without --out); --excel adds a UTF-8 BOM for Excel.\n"
                    "source: 原文对照 — one document as an offline HTML page: every line with its number,\n"
                    "  each record's span, its units, deadlines and quantities marked; open a record\n"
                    "  with PAGE#task/3.")
    x.add_argument("what", choices=["matrix", "source"], help="matrix (XLSX/CSV) or source (HTML)")
    x.add_argument("--graph", help="a store folder, an output folder, or a .ttl/.nt file (default: graph/)")
    x.add_argument("--doc", metavar="ID", help="one document of a corpus (its id: the file name without .txt)")
    x.add_argument("--format", choices=["xlsx", "csv"], default="xlsx", help="matrix: xlsx (default) or csv")
    x.add_argument("--excel", action="store_true",
                   help="with --format csv: start each file with a UTF-8 byte order mark so Excel reads Chinese")
    x.add_argument("--source", metavar="FILE",
                   help="source: the document's text file (default: as the corpus manifest names it)")
    x.add_argument("--out", metavar="PATH",
                   help="matrix xlsx: the file (default responsibility_matrix.xlsx); csv: a file for one "
                        "document, a folder for several; source: the page (default ID.source.html)")
    return p


def parse_args(argv: list[str]) -> argparse.Namespace:
    """``argv`` (without the program name) as options; a usage error exits 2 with one line."""
    command = argv[0] if argv and argv[0] in COMMANDS else None
    return parser(command).parse_args(argv)
