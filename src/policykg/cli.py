"""``policykg`` command line: each command parses options, calls one library
function, and turns library errors into a one-line message and an exit code
(0 success, 1 SHACL violations, 2 any other error)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import PolicyKGError, ValidationError
from .resources import default_output_dir, default_source


def _graph_file(args) -> str:
    return str(Path(args.graph) if args.graph else default_output_dir() / "policykg.ttl")


def cmd_build(args) -> int:
    from .pipeline import build_to
    from .report import summary_lines
    result, written = build_to(args.source, args.out)
    for line in summary_lines(result.report):
        print(line)
    print(f"  wrote {', '.join(str(p) for p in written)}")
    if args.pages:
        from .pages import write_pages
        for path in write_pages(result.graph, Path(args.out)):
            print(f"  wrote {path}")
    return 0


def cmd_query(args) -> int:
    from .query import find_query, format_result, load_graph, run_query
    params = dict(_param(p) for p in args.param)
    query = find_query(args.query)
    columns, rows = run_query(load_graph(_graph_file(args)), query, params)
    sys.stdout.write(format_result(columns, rows, args.format))
    return 0


def _param(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise PolicyKGError(f"parameter {text!r} is not NAME=VALUE", hint="e.g. --param topic=金融")
    name, value = text.split("=", 1)
    return name.strip(), value.strip()


def cmd_queries(args) -> int:
    from .query import library
    for name, q in library().items():
        params = "".join(f" [--param {p.name}={p.default}]" for p in q.parameters)
        print(f"{name}{params}\n    {q.question_zh}\n    {q.question_en}")
    return 0


def cmd_validate(args) -> int:
    from rdflib import Graph

    from .validate import validate_graph
    result = validate_graph(Graph().parse(_graph_file(args)))
    print(result.text if not result.conforms else "conforms")
    return 0 if result.conforms else 1


def cmd_serve(args) -> int:
    from .resources import ontology_path, queries_dir
    from .serve import ServerConfig, serve_forever
    serve_forever(ServerConfig(graph_files=[Path(_graph_file(args)), ontology_path()], queries_dir=queries_dir(),
                               host=args.host, port=args.port, timeout_s=args.timeout))
    return 0


def cmd_analyze(args) -> int:
    from .analyze import analysis_report, write_network_files
    from .query import load_graph
    graph = load_graph(_graph_file(args))
    sys.stdout.write(analysis_report(graph, top=args.top))
    if args.out:
        for path in write_network_files(graph, Path(args.out)):
            print(f"wrote {path}")
    return 0


def cmd_draw(args) -> int:
    from .pages import write_pages
    from .query import load_graph
    for path in write_pages(load_graph(_graph_file(args)), Path(args.out)):
        print(f"wrote {path}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="policykg", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="build the graph of a policy document into graph/")
    b.add_argument("source", nargs="?", default=str(default_source()))
    b.add_argument("--out", default=str(default_output_dir()))
    b.add_argument("--pages", action="store_true", help="also draw the interactive HTML pages")
    b.set_defaults(func=cmd_build)

    q = sub.add_parser("query", help="run a stored query (by name or .rq file)")
    q.add_argument("query")
    q.add_argument("--format", default="table", choices=["table", "csv", "tsv", "json"])
    q.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    q.add_argument("--graph", help="graph file (default graph/policykg.ttl)")
    q.set_defaults(func=cmd_query)

    sub.add_parser("queries", help="list the query library").set_defaults(func=cmd_queries)

    v = sub.add_parser("validate", help="validate a graph file against shapes.ttl")
    v.add_argument("--graph")
    v.set_defaults(func=cmd_validate)

    s = sub.add_parser("serve", help="read-only SPARQL endpoint with a query editor on 127.0.0.1")
    s.add_argument("--graph")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=7878)
    s.add_argument("--timeout", type=float, default=10.0, help="seconds before a query is stopped")
    s.set_defaults(func=cmd_serve)

    a = sub.add_parser("analyze", help="network analytics of units and tasks")
    a.add_argument("--graph")
    a.add_argument("--top", type=int, default=10)
    a.add_argument("--out", help="folder for GraphML and GEXF files")
    a.set_defaults(func=cmd_analyze)

    d = sub.add_parser("draw", help="write the interactive graph pages")
    d.add_argument("--graph")
    d.add_argument("--out", default=str(default_output_dir()))
    d.set_defaults(func=cmd_draw)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except ValidationError as exc:
        print(f"policykg: {exc}", file=sys.stderr)
        print(exc.report, file=sys.stderr)
        return exc.exit_code
    except PolicyKGError as exc:
        print(f"policykg: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
