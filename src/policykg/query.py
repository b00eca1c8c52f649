"""The stored query library (``queries/*.rq``) and running queries over the graph.

A query file starts with ``#`` header lines, the question in Chinese and in
English, its columns, and its parameters::

    # 问题：哪些单位共同承担的重点工作最多？
    # Question: Which units share the most key tasks?
    # Columns: unit_a, unit_b — the pair; shared — tasks they are both assigned to
    # @param topic 金融 — a topic label or keyword

A parameter ``?topic`` is bound through rdflib's ``initBindings``. In the
endpoint's editor nothing binds it, so a parameterised query falls back on its
default itself (``BIND(COALESCE(?topic, "金融") AS ?t)``) and the same file runs
unchanged in both places. (A ``VALUES`` clause would not do: rdflib returns no
rows when it meets a ``VALUES`` variable that is also bound.)
Queries run on rdflib's engine with remote loading switched off, and any
``SERVICE`` clause is refused: no query may reach outside this machine.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from .errors import QueryError
from .resources import queries_dir

_PARAM = re.compile(r"^#\s*@param\s+(?P<name>\w+)\s+(?P<default>\S+)\s*(?:[—-]+\s*(?P<doc>.*))?$")
_SERVICE = re.compile(r"\bSERVICE\b", re.I)


@dataclass(frozen=True)
class Parameter:
    name: str
    default: str
    doc: str


@dataclass(frozen=True)
class StoredQuery:
    name: str
    path: Path
    text: str
    question_zh: str
    question_en: str
    columns: str
    parameters: tuple[Parameter, ...] = field(default=())


def parse_query_file(path: Path) -> StoredQuery:
    text = path.read_text(encoding="utf-8")
    zh = en = columns = ""
    params = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line.lstrip("#").strip()
        if body.startswith(("问题：", "问题:")):
            zh = body[3:].strip()
        elif body.lower().startswith("question:"):
            en = body[len("question:"):].strip()
        elif body.lower().startswith("columns:"):
            columns = body[len("columns:"):].strip()
        elif (m := _PARAM.match(line)) is not None:
            params.append(Parameter(m.group("name"), m.group("default"), (m.group("doc") or "").strip()))
    if not zh or not en:
        raise QueryError("query file needs '# 问题：…' and '# Question: …' header lines", path=str(path), line=1)
    return StoredQuery(path.stem, path, text, zh, en, columns, tuple(params))


def library(directory: Path | None = None) -> dict[str, StoredQuery]:
    """Every stored query by name, sorted."""
    directory = directory or queries_dir()
    return {p.stem: parse_query_file(p) for p in sorted(directory.glob("*.rq"))}


def find_query(name_or_path: str, directory: Path | None = None) -> StoredQuery:
    path = Path(name_or_path)
    if path.suffix == ".rq" and path.exists():
        return parse_query_file(path)
    queries = library(directory)
    key = path.stem if path.suffix == ".rq" else name_or_path
    if key not in queries:
        raise QueryError(f"no stored query named {name_or_path!r}",
                         hint=f"run 'policykg queries' to list them: {', '.join(queries)}")
    return queries[key]


@lru_cache(maxsize=4)
def load_graph(path: str) -> Graph:
    """The built graph (and the ontology beside it, for class and property labels)."""
    from .resources import ontology_path
    graph = Graph()
    graph.parse(path, format="nt" if path.endswith(".nt") else "turtle")
    graph.parse(ontology_path(), format="turtle")
    return graph


def bind_parameters(query: StoredQuery, values: dict[str, str]) -> dict[str, Literal]:
    known = {p.name: p for p in query.parameters}
    unknown = set(values) - set(known)
    if unknown:
        raise QueryError(f"query {query.name!r} has no parameter {', '.join(sorted(unknown))}",
                         hint=f"its parameters: {', '.join(known) or 'none'}")
    return {name: Literal(values.get(name, p.default)) for name, p in known.items()}


def run_query(graph: Graph, query: StoredQuery, params: dict[str, str] | None = None):
    """Run ``query`` on ``graph``; return ``(columns, rows)`` with plain Python values."""
    import rdflib.plugins.sparql as sparql
    sparql.SPARQL_LOAD_GRAPHS = False
    if _SERVICE.search(_strip_comments_and_strings(query.text)):
        raise QueryError("SERVICE clauses are refused: queries run on the local graph only",
                         path=str(query.path))
    bindings = bind_parameters(query, params or {})
    try:
        result = graph.query(query.text, initBindings=bindings)
    except Exception as exc:  # rdflib raises pyparsing and assorted errors
        raise QueryError(f"query failed: {exc}", path=str(query.path)) from exc
    columns = [str(v) for v in result.vars]
    rows = [[_plain(row[i]) for i in range(len(columns))] for row in result]
    return columns, rows


def _strip_comments_and_strings(text: str) -> str:
    text = re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', '""', text)
    return re.sub(r"(?m)#.*$", "", re.sub(r"<[^>\s]*>", "<>", text))


def _plain(value):
    if value is None:
        return ""
    if isinstance(value, Literal):
        py = value.toPython()
        if isinstance(py, Decimal):
            return int(py) if py == py.to_integral_value() else float(py)
        if isinstance(py, (int, float, str)) or py is None:
            return py
        return str(value)
    if isinstance(value, URIRef):
        return str(value)
    return str(value)


# ------------------------------------------------------------------ output


def to_csv(columns, rows, delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def to_json(columns, rows) -> str:
    return json.dumps([dict(zip(columns, r)) for r in rows], ensure_ascii=False, indent=1, default=str) + "\n"


def display_width(text: str) -> int:
    """Terminal columns: CJK characters take two.

    >>> display_width("市发改局"), display_width("abc")
    (8, 3)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def to_table(columns, rows, max_width: int = 60) -> str:
    cells = [[clip_text(str(c), max_width) for c in columns]] + [[clip_text(str(v), max_width) for v in r]
                                                                  for r in rows]
    widths = [max(display_width(r[i]) for r in cells) for i in range(len(columns))]

    def line(row):
        return "  ".join(v + " " * (w - display_width(v)) for v, w in zip(row, widths)).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), sep] + [line(r) for r in cells[1:]]) + "\n"


def clip_text(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` display columns with an ellipsis (CJK counts double)."""
    text = text.replace("\n", " ")
    if display_width(text) <= width:
        return text
    out = ""
    for ch in text:
        if display_width(out + ch) > width - 1:
            return out + "…"
        out += ch
    return out


FORMATTERS = {"csv": to_csv, "tsv": lambda c, r: to_csv(c, r, "\t"), "json": to_json, "table": to_table}


def format_result(columns, rows, fmt: str) -> str:
    if fmt not in FORMATTERS:
        raise QueryError(f"unknown format {fmt!r}", hint=f"use one of {', '.join(FORMATTERS)}")
    return FORMATTERS[fmt](columns, rows)
