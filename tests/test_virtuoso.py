"""Past one machine, for real: the bundled corpus pushed into Virtuoso Open Source, every stored query agreeing.

A private ``virtuoso-t`` (Debian's ``virtuoso-opensource-7-bin``; ``scripts/install_system_deps.sh``)
is started on loopback ports in a temporary folder (:mod:`virtuoso_server`); the test is skipped,
saying so, only when ``virtuoso-t`` is not installed. The committed ``graph/corpus.nq`` is sent by
``policykg push … --user dba:dba`` (Graph Store Protocol, HTTP Digest) and, into a second dataset on
the same server, by the bulk path (``policykg push --virtuoso-isql``: Virtuoso's loader reading the
N-Quads); both must hold the corpus's triples per graph.

**The merged default graph.** A query that names no dataset reads, on the local Oxigraph store,
the merge of the named graphs written as its default graph (one preferred name per unit). Virtuoso's
default graph is the union of *every* graph it holds — its own system graphs included, and a
triple shared by two documents once per graph. So push sends the merge as a named graph of its own,
``vocab.DEFAULT_GRAPH``, and every query here is sent with ``default-graph-uri=`` that IRI (SPARQL
1.1 Protocol §2.1.4): the same default graph on both engines. No stored query uses ``GRAPH``.

**Answers are compared as multisets of rows**, each value normalised as follows — and only so:

* a **blank node** is any blank node (labels are local to a result);
* a **simple literal** and an ``xsd:string`` literal are the same; language tags compare lower-cased;
* **numbers** (``xsd:integer``, ``decimal``, ``double``, ``float``, ``int``, ``long`` …) compare by value,
  rounded to 9 significant digits: Virtuoso writes ``COUNT`` as ``xsd:int``/``integer`` and
  doubles in its own lexical form;
* **booleans** compare as 1/0: Virtuoso's SQL core has no boolean type, so a comparison's value
  comes back as ``1``/``0`` (``xsd:integer``) and a stored ``xsd:boolean`` as ``"1"``/``"0"``;
* a **GROUP_CONCAT column** (found in the query text: ``GROUP_CONCAT(… ; SEPARATOR="s") AS ?col``)
  compares as the sorted list of its parts: SPARQL leaves the order of a group's values unspecified
  (§18.5.1.7), and the engines order them differently. Where the separator is not ASCII, Virtuoso
  7.2 writes it as ``?`` (a known bug with non-ASCII literals in string functions,
  openlink/virtuoso-opensource#609, #944), so Virtuoso's value is split on ``?`` there — its parts
  must still be Oxigraph's parts.

Where a query still differs, it is rewritten portably (the Oxigraph answer unchanged: checked by
``test_rewritten_queries_answer_as_before_on_oxigraph``) or listed in :data:`EXCEPTIONS` with the reason.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import virtuoso_server  # noqa: E402

from policykg.kg.query import library, query_text  # noqa: E402
from policykg.vocab import DEFAULT_GRAPH  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "graph" / "corpus.nq"
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                             "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                             "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
#: Stored queries whose Virtuoso answer is not compared, and why. Every other query must agree.
EXCEPTIONS = {
    "lead_here_co_there":
        "Virtuoso 7.2.5 joins its four grouped sub-selects (each nested three deep) wrongly: every one of the "
        "9 rows comes back with the same unit (市市场监管局) and other units' lists; Oxigraph's 9 rows are 9 units",
    "unit_ranking":
        "Virtuoso 7.2.5 cannot compile it: 'SQ156: Internal Optimized compiler error: Bad dfe in "
        "sqlo_place_exp' whenever a join's key is COALESCE over a sub-select's aggregate — which is what makes "
        "Oxigraph join the rank's totals and jurisdictions by hash (2.4 s → 0.5 s at 1,000 documents); written "
        "with the plain aggregate as key it compiles but Oxigraph compares every row with every row",
}
#: Queries rewritten for Virtuoso (their Oxigraph answer must be what it was at the commit before).
REWRITTEN = {"monetary_targets": "69aeed6", "referenced_documents": "69aeed6"}

pytestmark = pytest.mark.skipif(virtuoso_server.executable() is None,
                                reason="virtuoso-t is not installed (Debian: virtuoso-opensource-7-bin; "
                                       "scripts/install_system_deps.sh installs it)")


# ---------------------------------------------------------------- the two engines, values normalised


def separators(text: str) -> dict[str, str]:
    """``{column: separator}`` of every ``GROUP_CONCAT(… ; SEPARATOR="s") AS ?column`` of a query, and of the
    columns that only carry such a list on: a ``GROUP_CONCAT(…; SEPARATOR="")`` or a ``BIND(… AS ?c)`` over one
    list (the queries pick one role's list out of several that way).

    >>> separators('(GROUP_CONCAT(DISTINCT ?x; separator=", ") AS ?xs) (GROUP_CONCAT(?y) AS ?ys) '
    ...            '(GROUP_CONCAT(IF(?r, ?xs, ""); separator="") AS ?one) BIND(COALESCE(?one, "") AS ?out)')
    {'xs': ', ', 'ys': ' ', 'one': ', ', 'out': ', '}
    """
    lists = [(m.group(1), " " if m.group(2) is None else m.group(2), m.group(3)) for m in re.finditer(
        r'GROUP_CONCAT\s*\(((?:[^()]|\((?:[^()]|\([^()]*\))*\))*?)(?:;\s*SEPARATOR\s*=\s*"((?:[^"\\]|\\.)*)")?\s*\)'
        r'\s*AS\s*\?(\w+)', text, re.I)]
    binds = [(m.group(1), "", m.group(2)) for m in re.finditer(r"BIND\s*\((.*?)\s+AS\s+\?(\w+)\s*\)", text, re.I | re.S)]
    found = {column: separator for _, separator, column in lists if separator}
    changed = True
    while changed:
        changed = False
        for expression, separator, column in lists + binds:
            inner = {found[v] for v in re.findall(r"\?(\w+)", expression) if v in found}
            if column not in found and not separator and len(inner) == 1:
                found[column], changed = inner.pop(), True
    return found


def normal(term: tuple | None, separator: str | None = None, virtuoso: bool = False):
    """One value, normalised as the module's docstring lists: ``None`` (unbound) or a hashable tuple."""
    if term is None:
        return None
    kind = term[0]
    if kind == "bnode":
        return ("bnode",)
    if kind == "uri":
        return ("uri", term[1])
    value, datatype, language = term[1], term[2], term[3]
    if datatype in NUMERIC:
        try:
            number = Decimal(value)
            return ("number", float(f"{number:.9g}") if number == number else value)
        except ArithmeticError:
            return ("literal", value, datatype)
    if datatype == XSD + "boolean":
        return ("number", 1.0 if value in ("true", "1") else 0.0)
    if separator is not None:
        parts = re.split("[" + re.escape(separator) + "?]" if virtuoso and not separator.isascii()
                         else re.escape(separator), value) if value else []
        return ("parts", tuple(sorted(parts)), language and language.lower())
    if datatype in (None, XSD + "string"):
        datatype = None
    return ("literal", value, datatype, language and language.lower())


def oxigraph_rows(store, text: str) -> tuple[list[str], list[tuple]]:
    import pyoxigraph as ox
    result = store.query(text)
    columns = [v.value for v in result.variables]
    rows = []
    for solution in result:
        row = []
        for i in range(len(columns)):
            t = solution[i]
            if t is None or isinstance(t, (ox.NamedNode, ox.BlankNode)):
                row.append(None if t is None else ("uri", t.value) if isinstance(t, ox.NamedNode) else ("bnode",))
            else:
                row.append(("literal", t.value, t.datatype.value if t.language is None else None, t.language))
        rows.append(tuple(row))
    return columns, rows


def virtuoso_rows(sparql: str, text: str, default_graph: str = DEFAULT_GRAPH) -> tuple[list[str], list[tuple]]:
    data = urllib.parse.urlencode({"query": text, "default-graph-uri": default_graph}).encode()
    request = urllib.request.Request(sparql, data=data, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=120) as answer:
        found = json.load(answer)
    columns = found["head"]["vars"]
    rows = []
    for binding in found["results"]["bindings"]:
        row = []
        for column in columns:
            t = binding.get(column)
            if t is None or t["type"] in ("uri", "bnode"):
                row.append(None if t is None else ("uri", t["value"]) if t["type"] == "uri" else ("bnode",))
            else:
                row.append(("literal", t["value"], t.get("datatype"), t.get("xml:lang")))
        rows.append(tuple(row))
    return columns, rows


def normalised(columns: list[str], rows: list[tuple], text: str, virtuoso: bool) -> Counter:
    seps = separators(text)
    return Counter(tuple(normal(v, seps.get(c), virtuoso) for c, v in zip(columns, row)) for row in rows)


# ---------------------------------------------------------------- the server, loaded twice


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    server = virtuoso_server.start(tmp_path_factory.mktemp("virtuoso"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    import pyoxigraph as ox

    from policykg.kg.corpus_store import write_corpus_store
    path = write_corpus_store(tmp_path_factory.mktemp("oxigraph") / "store", CORPUS)
    return ox.Store.read_only(str(path))


def policykg(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "policykg.cli", *argv], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def pushed(virtuoso):
    done = policykg("push", virtuoso.graph_store, "--graph", str(ROOT / "graph"), "--user", "dba:dba",
                    "--default-graph", DEFAULT_GRAPH)
    assert done.returncode == 0, done.stderr
    return done.stdout


def corpus_counts() -> Counter:
    counts = Counter()
    with open(CORPUS, "rb") as fh:
        for line in fh:
            if line.strip():
                counts[line.rstrip()[:-1].rstrip().rsplit(b" ", 1)[1][1:-1].decode()] += 1
    return counts


def server_counts(sparql: str, graphs: set[str]) -> Counter:
    text = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    _, rows = virtuoso_rows(sparql, text, "")
    return Counter({g[1]: int(n[1]) for g, n in rows if g[1] in graphs})


# ---------------------------------------------------------------- the tests


def test_push_with_digest_sends_every_graph_and_the_merge(virtuoso, pushed, oxigraph):
    expected = corpus_counts()
    assert f"pushed {len(expected)} graphs ({sum(expected.values())} triples)" in pushed, pushed
    assert server_counts(virtuoso.sparql, set(expected)) == expected
    import pyoxigraph as ox
    merged = sum(1 for _ in oxigraph.quads_for_pattern(None, None, None, ox.DefaultGraph()))   # the local default graph
    assert server_counts(virtuoso.sparql, {DEFAULT_GRAPH})[DEFAULT_GRAPH] == merged
    assert f"merged default graph ({merged} triples, as <{DEFAULT_GRAPH}>)" in pushed


def test_a_wrong_password_is_one_line_and_exit_2(virtuoso):
    done = policykg("push", virtuoso.graph_store, "--graph", str(ROOT / "graph"), "--user", "dba:wrong",
                    "--default-graph", "none")
    assert done.returncode == 2 and "refused the user and password (Digest)" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("name", sorted(library()))
def test_every_stored_query_agrees_with_oxigraph(name, virtuoso, pushed, oxigraph):
    if name in EXCEPTIONS:
        pytest.skip(f"documented exception: {EXCEPTIONS[name]}")
    text = query_text(library()[name])
    ox_columns, ox_rows = oxigraph_rows(oxigraph, text)
    v_columns, v_rows = virtuoso_rows(virtuoso.sparql, text)
    assert v_columns == ox_columns
    expected, got = normalised(ox_columns, ox_rows, text, False), normalised(v_columns, v_rows, text, True)
    assert len(v_rows) == len(ox_rows), f"{name}: {len(v_rows)} rows on Virtuoso, {len(ox_rows)} on Oxigraph"
    assert got == expected, (f"{name}: only on Oxigraph {list((expected - got).items())[:3]}; "
                             f"only on Virtuoso {list((got - expected).items())[:3]}")


@pytest.mark.parametrize("name", sorted(REWRITTEN))
def test_rewritten_queries_answer_as_before_on_oxigraph(name, oxigraph):
    from policykg.kg.query import StoredQuery, parse_query_file   # noqa: F401
    before = subprocess.run(["git", "show", f"{REWRITTEN[name]}:queries/{name}.rq"], cwd=ROOT,
                            capture_output=True, text=True)
    if before.returncode != 0:
        pytest.skip("the query's earlier text is not in this checkout's history")
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        old = Path(folder) / f"{name}.rq"
        old.write_text(before.stdout, encoding="utf-8")
        old_text = query_text(library(folder)[name])
    new_text = query_text(library()[name])
    assert new_text != old_text
    assert oxigraph_rows(oxigraph, new_text) == oxigraph_rows(oxigraph, old_text)     # rows, order and all


def test_exceptions_are_stored_queries():
    assert set(EXCEPTIONS) <= set(library()) and set(REWRITTEN) <= set(library())


def test_bulk_load_replaces_every_graph_through_isql(virtuoso, pushed):
    """``policykg push isql://…`` (Virtuoso's loader reading the N-Quads) after the Graph Store push: each graph
    holds the corpus's triples once — replaced, not added to."""
    if virtuoso_server.isql() is None:
        pytest.skip("isql-vt is not installed (it comes with virtuoso-t in virtuoso-opensource-7-bin)")
    done = policykg("push", f"isql://127.0.0.1:{virtuoso.sql_port}", "--graph", str(ROOT / "graph"),
                    "--load-dir", str(virtuoso.folder), "--user", "dba:dba")
    assert done.returncode == 0, done.stderr
    expected = corpus_counts()
    assert f"loaded {len(expected)} graphs ({sum(expected.values())} triples) and the merged default graph" \
        in done.stdout, done.stdout
    assert server_counts(virtuoso.sparql, set(expected)) == expected
    text = query_text(library()["documents"])
    assert len(virtuoso_rows(virtuoso.sparql, text)[1]) == len(corpus_docs())


def corpus_docs() -> set[str]:
    return {g for g in corpus_counts() if "/id/doc/" in g}
