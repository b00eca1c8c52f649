"""SERVICE never leaves the machine (issue 14, finding 1): by construction, and by the guard.

Two layers, tested apart, on the same 10,000 seeded mutations of SERVICE-bearing
queries (keyword case, glued prefixes and SILENT, comments, escapes, ``<``
contexts, strings, nesting, IRI / prefixed / relative / variable targets, and
decoys where SERVICE is only text) plus every spelling of issues 10 and 14:

* **guard off** — the engine alone: the endpoint with its test hook
  ``test_without_guard`` (GET, POST form, POST query, POST /export csv and
  xlsx) and ``policykg query`` (``-e`` and ``.rq``, batched in one subprocess that
  replaces the guard in itself). A listener on 127.0.0.1 in this process counts
  connections: none may arrive.
* **guard on** — the guard's verdict against what the engine does when it
  *has* a network: pyoxigraph in this process, the listener counting. No
  query that calls out may pass the guard; refusals of queries that do not
  call out (over-refusals) are counted and printed.
"""

from __future__ import annotations

import collections
import concurrent.futures
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from test_sparql_guard import EVIL, SERVICE_SPELLINGS

from policykg.kg import nonet
from policykg.errors import ServeError
from policykg.use.serve import ServerConfig, SparqlServer
from policykg.kg.sparql_guard import QueryRefused, check_query

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
SEED = 14
MUTATIONS = 10_000
#: How the 10,000 mutations are spread over the channels of the guard-off test (in this order).
CHANNELS = {"cli -e": 2_500, "cli .rq": 1_500, "GET": 1_500, "POST form": 1_500, "POST query": 1_500,
            "export csv": 1_000, "export xlsx": 500}
XSD = "http://www.w3.org/2001/XMLSchema#"
#: Objects of <http://e/s> <http://e/p> …, in the default graph and in <http://e/g>: every lead-in
#: pattern below matches one, so the engine evaluates the SERVICE that follows it.
OBJECTS = ['<http://e/o>', '"x"', f'"true"^^<{XSD}boolean>', f'"1"^^<{XSD}integer>', '"a"', '"a\\"b"', '"\'"',
           '"SERVICE"', '"\\""', '<http://example.org/a.b>']


# ------------------------------------------------------------------ the listener


class Listener:
    """Counts every connection to a loopback port, with the path of the request (``/q<n>``) when sent."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0), backlog=256)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.hits: collections.Counter = collections.Counter()
        self._lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:  # counted before it is closed: the caller's query cannot end first
                conn.settimeout(2)
                try:
                    head = conn.recv(4096)
                except OSError:
                    head = b""
                found = re.search(rb"/(q\d+)", head.split(b"\r\n", 1)[0])
                with self._lock:
                    self.hits[found.group(1).decode() if found else "?"] += 1

    def total(self) -> int:
        time.sleep(0.2)  # let a connection made at the last moment be counted
        with self._lock:
            return sum(self.hits.values())

    def self_check(self) -> None:
        """The listener counts what reaches it (so that 0 means something), then starts from 0."""
        socket.create_connection(self.server.getsockname(), timeout=5).close()
        assert self.total() == 1
        with self._lock:
            self.hits.clear()


@pytest.fixture(scope="module")
def listener():
    found = Listener()
    found.self_check()
    yield found
    found.server.close()


# ------------------------------------------------------------------ the mutations


def _case(rng: random.Random, word: str) -> str:
    roll = rng.random()
    if roll < 0.45:
        return word.upper()
    if roll < 0.6:
        return word.lower()
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in word)


_GAPS = [" ", " ", " ", "", "\n", "\t", " # note\n", "\n# '''\n", "  "]
#: What comes right before the SERVICE keyword, glued where it ends in a term.
_LEADS = ["", "", "?a ?b ?c . ", "?a ?b ?c ", "FILTER(1<2)", "FILTER(1<2) ", "FILTER(?n<3) ",
          'BIND("a\\u0022" AS ?x) ', "?s ?p true", "?s ?p ex:a.b.", "?s ?p 1.", '?s ?p "x" . ', "?s ?p '''a''' ",
          '?s ?p "a\\"b" . ', "?s ?p '\\u0027' . ", "FILTER(?o<?p) ", '?s ?p "\\u0053ERVICE" . ',
          "?s ?p ?o OPTIONAL { ?o ?q ?r } ", "BIND(1<2 AS ?z)", "FILTER(?s<?s)", "FILTER(1<2&&3<4)",
          'FILTER(STR(?s)<"z")', '?s ?p "\\U00000022" . ', "?s ?p '''\\u0027''' ", "FILTER(1<2)#\\u000A",
          "FILTER(<http://e/f>(1)<2)", "FILTER(1<=2)", "FILTER(1<<http://e/o>)"]
_INNER = ["{ ?s ?p ?o }", "{}", "{?s ?p ?o}", "{ SELECT * WHERE { ?s ?p ?o } }", "{ ?s ?p ?o . FILTER(?o != 1) }"]
_WRAPS = {"plain": "{}", "optional": "?a ?b ?c OPTIONAL {{ {} }}", "union": "{{ ?a ?b ?c }} UNION {{ {} }}",
          "subquery": "{{ SELECT * WHERE {{ {} }} }}", "minus": "?a ?b ?c MINUS {{ {} }}",
          "exists": "?a ?b ?c FILTER EXISTS {{ {} }}", "nested": "{{ {{ {} }} }}", "graph": "GRAPH ?g {{ {} }}"}


def _target(rng: random.Random, ident: str, evil: str) -> tuple[str, list[str], str, str]:
    """``(target, prologue lines, text placed before SERVICE, kind)`` for one mutation."""
    kind = rng.choice(["iri", "iri", "escaped iri", "prefixed", "prefixed", "default prefix", "cjk prefix",
                       "variable", "relative"])
    if kind == "iri":
        return f"<{evil}/{ident}>", [], "", kind
    if kind == "escaped iri":
        return f"<{evil}/\\u0071{ident[1:]}>", [], "", kind
    if kind == "variable":  # Oxigraph 0.5 needs the name bound before the group: it never calls out
        bind = rng.choice([f"BIND(<{evil}/{ident}> AS ?e) ", f"VALUES ?e {{ <{evil}/{ident}> }} "])
        return "?e", [], bind, kind
    if kind == "relative":
        return f"<{ident}>", [f"BASE <{evil}/>"], "", kind
    prefix = {"prefixed": rng.choice(["r", "srv", "svc", "silent", "x1"]), "default prefix": "",
              "cjk prefix": "中"}[kind]
    return f"{prefix}:{ident}", [f"PREFIX {prefix}: <{evil}/>"], "", kind


def mutation(rng: random.Random, ident: str, evil: str) -> tuple[str, str]:
    """One SERVICE-bearing query and its kind (the target's, or ``escaped keyword``)."""
    target, prologue, before, kind = _target(rng, ident, evil)
    keyword = _case(rng, "SERVICE")
    if rng.random() < 0.06:  # Oxigraph reads \u escapes in strings and IRIs only: a syntax error to it
        at = rng.randrange(len(keyword))
        keyword, kind = keyword[:at] + f"\\u{ord(keyword[at]):04X}" + keyword[at + 1:], "escaped keyword"
    silent = rng.choice(["", " ", "\n"]) + _case(rng, "SILENT") if rng.random() < 0.3 else ""
    gap, gap2, inner = rng.choice(_GAPS), rng.choice(_GAPS + [" "] * 4), rng.choice(_INNER)
    if gap == "" and not silent and not target.startswith(("<", "?", ":", "中")) and rng.random() < 0.5:
        gap = " "  # else SERVICEr:x, glued on purpose
    lead = rng.choice(_LEADS)
    if lead.startswith("FILTER(1<2)") and rng.random() < 0.6:
        gap2 = "#>\n"  # the hider: '<2)…#>' is an IRI to a lexer that ignores the '<' context
    if "ex:" in lead:
        prologue.append("PREFIX ex: <http://example.org/>")
    wrap = rng.choice(list(_WRAPS))
    body = _WRAPS[wrap].format(lead + before + keyword + silent + gap + target + gap2 + inner)
    select = rng.choice(["SELECT * WHERE {", "SELECT*WHERE{", "select * where {", "SELECT * {"]
                        + (["ASK {"] if wrap in ("plain", "nested") else []))  # ASK stops at a first answer
    query = " ".join(prologue) + ("\n" if prologue else "") + f"{select} {body} }}"
    query += rng.choice(["", "", "", ' # "', " # '''", '\n# """'])
    return (f"# '''\n{query}\n# '''" if rng.random() < 0.1 else query), kind


def decoy(rng: random.Random, ident: str, evil: str) -> tuple[str, str]:
    """SERVICE as text only: in a string, a comment, an IRI, a name."""
    return rng.choice([
        f'SELECT * WHERE {{ ?s ?p "SERVICE <{evil}/{ident}> {{ }}" }}',
        f"SELECT * WHERE {{ ?s ?p ?o }} # SERVICE <{evil}/{ident}> {{ }}",
        "SELECT * WHERE { ?s <http://schema.org/serviceType> ?o }",
        "SELECT ?service WHERE { ?service ?p ?o }",
        "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:service ?o }",
        f"SELECT * WHERE {{ ?s ?p '''\nSERVICE <{evil}/{ident}> {{ }}\n''' }}",
        "SELECT * WHERE { ?s ?p ?o FILTER(?o = <http://schema.org/serviceType>) }",
        "SELECT * WHERE { VALUES (?a ?b) { (<http://a/> <http://schema.org/serviceType>) } }",
        f'SELECT * WHERE {{ ?s ?p "\\u0053ERVICE <{evil}/{ident}>" }}',
        "SELECT * WHERE { ?s ?p ?o FILTER(?o<3) } # SERVICE",
    ]), "decoy"


def mutations(evil: str, count: int = MUTATIONS, seed: int = SEED) -> list[tuple[str, str]]:
    """``count`` seeded ``(query, kind)``; each names its target ``/q<index>`` so a hit can be traced."""
    rng = random.Random(seed)
    return [(decoy if rng.random() < 0.15 else mutation)(rng, f"q{i}", evil) for i in range(count)]


def spellings(evil: str) -> list[str]:
    """Every spelling of issues 10 and 14 (``test_sparql_guard``), aimed at the listener."""
    return [s.replace(EVIL, evil + "/") for s in SERVICE_SPELLINGS]


def write_data(folder: Path) -> Path:
    """The data every mutation's lead-in matches, as N-Quads (default graph and <http://e/g>)."""
    path = folder / "data.nq"
    lines = [f"<http://e/s> <http://e/p> {o}{g} ." for o in OBJECTS for g in ("", " <http://e/g>")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def split(queries: list[str]) -> dict[str, list[str]]:
    out, start = {}, 0
    for channel, count in CHANNELS.items():
        out[channel], start = queries[start:start + count], start + count
    return out


# ------------------------------------------------------------------ guard off: the endpoint


@pytest.fixture(scope="module")
def unguarded(tmp_path_factory):
    """An endpoint whose guard is off: only its engine's network namespace stands between a query and us."""
    data = write_data(tmp_path_factory.mktemp("unguarded"))
    config = ServerConfig(graph_files=[data], port=0, timeout_s=10.0, test_without_guard=True)
    server = SparqlServer(config)
    try:
        server.start()
    except ServeError as err:
        if "test_without_guard needs" in str(err):
            pytest.skip(f"network namespaces are refused here: {err}")
        raise
    yield server
    server.stop()


def _send(server: SparqlServer, channel: str, query: str) -> tuple[int, bytes]:
    form = {"query": query}
    if channel == "GET":
        request = urllib.request.Request(server.endpoint + "?" + urllib.parse.urlencode(form))
    elif channel == "POST query":
        request = urllib.request.Request(server.endpoint, data=query.encode("utf-8"),
                                         headers={"Content-Type": "application/sparql-query"})
    else:
        url = server.url + "/export" if channel.startswith("export") else server.endpoint
        if channel.startswith("export"):
            form["format"] = channel.split()[1]
        request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode("ascii"))
    request.add_header("Accept", "application/sparql-results+json")
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()
    except (OSError, http.client.HTTPException) as err:  # an export of an engine error mid-answer is dropped
        return 0, repr(err).encode()


@pytest.mark.slow
def test_service_isolation_endpoint_reaches_nothing_without_its_guard(unguarded, listener):
    assert nonet.is_isolated(unguarded.protection)
    queries = split([q for q, _ in mutations(listener.url)])
    jobs = [(channel, q) for channel in CHANNELS if not channel.startswith("cli")
            for q in spellings(listener.url) + queries[channel]]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda job: (job[0], *_send(unguarded, *job)), jobs))
    refused_inside = sum(b"os error 111" in body or b"os error 101" in body for _, _, body in answers)
    statuses = collections.Counter(status for _, status, _ in answers)
    print(f"\nendpoint, guard off: {len(jobs)} queries over {len(CHANNELS) - 2} channels; statuses "
          f"{dict(statuses)}; the engine tried and its namespace refused the connection: {refused_inside}; "
          f"reached the listener: {listener.total()}")
    assert listener.total() == 0, listener.hits
    assert refused_inside > 1_000  # the engine did run SERVICE: it is the namespace that held


# ------------------------------------------------------------------ guard off: the command line

#: In one subprocess: replace the guard of ``policykg query`` in itself, then run each query through the
#: console script's own entry (``main()`` with no argument, as installed), which isolates the process.
#: The store stays open from one query to the next (a command releases it when done).
CLI_BATCH = r"""
import collections, io, json, os, sys
import policykg.kg.store, policykg.kg.query
from policykg import cli; from policykg.kg import nonet
policykg.kg.query.check_query_text = lambda query: None  # the guard, off (test only)
policykg.kg.store.release = lambda: None
jobs = json.load(open(sys.argv[1], encoding="utf-8"))
graph, rq = sys.argv[2], sys.argv[3]
codes, unreachable, tracebacks = collections.Counter(), 0, 0
real_out = sys.stdout
for channel, query in jobs:
    if channel == "cli .rq":
        with open(rq, "w", encoding="utf-8") as out:
            out.write(query)
    argv = ["-e", query] if channel == "cli -e" else [rq]
    sys.argv = ["policykg", "query", *argv, "--graph", graph, "--format", "json", "--timeout", "5"]
    sys.stdout, sys.stderr = open(os.devnull, "w"), io.StringIO()
    try:
        codes[cli.main()] += 1
    except BaseException as err:  # an escaped exception would be a traceback for user input
        tracebacks += 1
    unreachable += "os error 101" in sys.stderr.getvalue()
    sys.stdout.close()
    sys.stdout, sys.stderr = real_out, sys.__stderr__
print(json.dumps({"protection": nonet.isolate(), "codes": codes, "unreachable": unreachable,
                  "tracebacks": tracebacks}))
"""


@pytest.mark.slow
def test_service_isolation_query_reaches_nothing_without_its_guard(tmp_path, listener):
    queries = split([q for q, _ in mutations(listener.url)])
    jobs = [(channel, q) for channel in ("cli -e", "cli .rq") for q in spellings(listener.url) + queries[channel]]
    (tmp_path / "jobs.json").write_text(json.dumps(jobs), encoding="utf-8")
    graph = tmp_path / "store"  # a store folder is read as it is (a graph file would get the ontology too)
    ox.Store(str(graph)).bulk_load(path=str(write_data(tmp_path)), format=ox.RdfFormat.N_QUADS)
    done = subprocess.run([sys.executable, "-c", CLI_BATCH, str(tmp_path / "jobs.json"), str(graph),
                           str(tmp_path / "q.rq")], capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    if not nonet.is_isolated(summary["protection"]):
        pytest.skip(f"network namespaces are refused here: {summary['protection']}")
    print(f"\npolicykg query, guard off: {len(jobs)} queries (-e and .rq); exit codes {summary['codes']}; "
          f"SERVICE refused by the namespace: {summary['unreachable']}; reached the listener: {listener.total()}")
    assert listener.total() == 0, listener.hits
    assert summary["tracebacks"] == 0
    assert summary["unreachable"] > 500  # the engine did run SERVICE: it is the namespace that held


# ------------------------------------------------------------------ guard on: the verdicts


def engine_with_network() -> ox.Store:
    store = ox.Store()
    for graph in (ox.DefaultGraph(), ox.NamedNode("http://e/g")):
        for line in OBJECTS:
            obj = next(iter(ox.parse(f"<http://e/s> <http://e/p> {line} .".encode(), ox.RdfFormat.N_TRIPLES))).object
            store.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), obj, graph))
    return store


def calls_out(store: ox.Store, query: str, listener: Listener, base: str) -> tuple[bool, str]:
    """Whether the engine, with a network, contacts the listener for ``query``; and how the query ended."""
    before = sum(listener.hits.values())
    try:
        answer = store.query(query, base_iri=base)  # relative IRIs resolve to the listener too
        if not isinstance(answer, ox.QueryBoolean):
            list(answer)
        ended = "answered"
    except SyntaxError:
        ended = "syntax error"
    except (OSError, RuntimeError, ValueError):
        ended = "run error"
    return sum(listener.hits.values()) > before, ended


def test_service_isolation_guard_agrees_with_the_engine(listener):
    store = engine_with_network()
    cases = [(q, "spelling") for q in spellings(listener.url)] + mutations(listener.url)
    leaks, over, called = [], collections.Counter(), 0
    for query, kind in cases:
        out, ended = calls_out(store, query, listener, listener.url + "/base/")
        called += out
        try:
            check_query(query)
        except QueryRefused as err:
            if not out:
                over[kind, ended, err.reason] += 1
            continue
        if out:
            leaks.append(query)
    print(f"\nguard on: {len(cases)} queries; the engine with a network called out for {called}; accepted "
          f"although it calls out: {len(leaks)}; refused although it does not call out: {sum(over.values())}")
    for (kind, ended, reason), count in sorted(over.items()):
        print(f"  over-refused: {count:5d}  {kind:16s} engine: {ended:13s} guard: {reason}")
    assert leaks == []
    assert called > 4_000  # the mutations do call out when nothing stops them
    assert not [key for key in over if key[0] == "decoy"]


# ------------------------------------------------------------------ processes


def _dead(pid: int) -> bool:
    """Gone, or a zombie waiting for a reaper that is not ours."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
    return found


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_service_isolation_engine_dies_with_the_front(tmp_path):
    """``kill -9`` of ``policykg serve``: its launcher and the engine in the namespace go with it."""
    command = [sys.executable, "-m", "policykg.cli", "serve", "--graph", str(write_data(tmp_path)), "--port", "0"]
    front = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=ENV, cwd=ROOT)
    try:
        for line in front.stdout:
            if line.startswith("Press Ctrl-C"):
                break
        launchers = _children(front.pid)
        engines = [pid for launcher in launchers for pid in _children(launcher)]
        assert launchers and engines
    finally:
        front.send_signal(signal.SIGKILL)
        front.wait(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(_dead(pid) for pid in launchers + engines):
        time.sleep(0.05)
    assert all(_dead(pid) for pid in launchers + engines)
