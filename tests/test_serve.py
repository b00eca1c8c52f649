"""`policykg serve` as a client sees it: a real endpoint on the loopback.

One server (module scope) answers most tests; tests that need their own
configuration or stop the server start a second one. Everything runs on
127.0.0.1, and every request has a client-side timeout so no test can hang.
"""

from __future__ import annotations

import csv
import http.server
import io
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
import rdflib
from SPARQLWrapper import CSV, JSON, POST, TSV, TURTLE, SPARQLWrapper

from policykg.errors import FederatedQueryRefused, QueryRefused, ServeError
from policykg.kg.sparql_guard import QueryLimits, check_query
from policykg.use.serve import ServerConfig, SparqlServer

TIMEOUT_S = 2.0
READ_TIMEOUT_S = 1.5
CLIENT_TIMEOUT = 15  # seconds; every urllib call below is bounded by it
EX = "http://example.org/policy/"
PREFIXES = (f"PREFIX ex: <{EX}>\n"
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")
LABELS = {
    "doc1": "关于支持小微企业发展的若干措施",
    "doc2": "人才引进补贴办法",
    "doc3": "科技创新券管理规定",
}
FILLER = 2000
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


# ------------------------------------------------------------------ fixtures


def _write_graph(path: Path) -> int:
    """A few Chinese-labelled policies plus FILLER plain triples; returns the triple count."""
    lines = [f"@prefix ex: <{EX}> .",
             "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."]
    for key, label in LABELS.items():
        lines.append(f'ex:{key} a ex:Policy ; rdfs:label "{label}"@zh ; ex:amount {len(label)} .')
    lines += [f"ex:item{i} ex:partOf ex:doc{i % 3 + 1} ." for i in range(FILLER)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 3 * len(LABELS) + FILLER


def _write_queries(folder: Path) -> None:
    folder.mkdir()
    (folder / "policy_labels.rq").write_text(
        "# 问题：列出所有政策及其标题\n# Question: List every policy with its title\n# columns: doc, label\n"
        + PREFIXES + "SELECT ?doc ?label WHERE { ?doc a ex:Policy ; rdfs:label ?label } ORDER BY ?doc\n",
        encoding="utf-8")
    (folder / "subsidy_policies.rq").write_text(
        "# 问题：哪些政策与补贴有关？\n# Question: Which policies are about subsidies?\n# parameters: none\n"
        + PREFIXES + 'SELECT ?doc WHERE { ?doc rdfs:label ?l FILTER(CONTAINS(?l, "补贴")) }\n',
        encoding="utf-8")
    (folder / "labels_with_word.rq").write_text(
        "# 问题：哪些政策的标题含某个词？\n# Question: Which policies have a word in their title?\n"
        "# Columns: doc\n# @param word 补贴 — a word of the title\n"
        + PREFIXES + 'SELECT ?doc WHERE {\n  ?doc rdfs:label ?l\n  BIND(COALESCE(?word, "补贴") AS ?w)\n'
        "  FILTER(CONTAINS(?l, ?w))\n} ORDER BY ?doc\n",
        encoding="utf-8")


def test_editor_lists_exactly_the_library(tmp_path):
    """The editor offers the queries ``policykg queries`` lists — the same reader: same names, same texts; a
    sub-folder's ``.rq`` is in neither, and a file the library refuses (over 1 MiB) stops the server at start."""
    from policykg.errors import QueryError
    from policykg.kg.query import library
    from policykg.resources import queries_dir
    from policykg.use.serve.editor import load_examples
    assert [(e.name, e.query) for e in load_examples(queries_dir())] == [(q.name, q.text) for q in library().values()]
    folder = tmp_path / "queries"
    _write_queries(folder)
    (folder / "more").mkdir()
    (folder / "more" / "extra.rq").write_text("# 问题：x\n# Question: x\nASK {}\n", encoding="utf-8")
    names = ["labels_with_word", "policy_labels", "subsidy_policies"]
    assert [e.name for e in load_examples(folder)] == list(library(folder)) == names
    (folder / "huge.rq").write_text("# 问题：x\n# Question: x\n" + "#" * (1 << 20) + "\nASK {}\n", encoding="utf-8")
    with pytest.raises(QueryError, match="larger than 1 MiB"):
        library(folder)
    with pytest.raises(ServeError, match="larger than 1 MiB"):
        load_examples(folder)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve")
    graph = root / "policykg.ttl"
    triples = _write_graph(graph)
    _write_queries(root / "queries")
    config = ServerConfig(graph_files=[graph], queries_dir=root / "queries", port=0,
                          timeout_s=TIMEOUT_S, read_timeout_s=READ_TIMEOUT_S)
    with SparqlServer(config) as server:
        yield {"server": server, "root": root, "graph": graph, "triples": triples}


@pytest.fixture
def server(site) -> SparqlServer:
    return site["server"]


class _Listener:
    """A loopback HTTP server that records any request: proof that nothing was fetched."""

    def __init__(self) -> None:
        hits = self.hits = []

        class Record(http.server.BaseHTTPRequestHandler):
            def _hit(self):
                hits.append((self.command, self.path))
                self.send_response(500)
                self.end_headers()

            do_GET = do_POST = _hit

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Record)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def listener():
    lst = _Listener()
    yield lst
    lst.close()


# ------------------------------------------------------------------ helpers


def _wrapper(server: SparqlServer, query: str, fmt) -> SPARQLWrapper:
    sparql = SPARQLWrapper(server.endpoint)
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    sparql.setTimeout(CLIENT_TIMEOUT)
    return sparql


def _request(url: str, *, data: bytes | None = None, headers: dict | None = None,
             method: str | None = None) -> tuple[int, dict, bytes]:
    """(status, headers, body) for any status, error ones included."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=CLIENT_TIMEOUT) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def _post_query(server: SparqlServer, query: str, accept="application/sparql-results+json"):
    body = urllib.parse.urlencode({"query": query}).encode()
    return _request(server.endpoint, data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": accept})


def _count(server: SparqlServer) -> int:
    status, _, body = _post_query(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def _gone(pid: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


# ------------------------------------------------------------------ queries


@pytest.mark.slow
def test_select_json_round_trips_chinese(server):
    query = PREFIXES + "SELECT ?doc ?label WHERE { ?doc a ex:Policy ; rdfs:label ?label }"
    result = _wrapper(server, query, JSON).query().convert()
    got = {row["doc"]["value"].removeprefix(EX): (row["label"]["value"], row["label"]["xml:lang"])
           for row in result["results"]["bindings"]}
    assert got == {key: (label, "zh") for key, label in LABELS.items()}


@pytest.mark.slow
def test_chinese_in_the_query_text(server):
    query = PREFIXES + 'SELECT ?doc WHERE { ?doc rdfs:label ?l FILTER(CONTAINS(?l, "补贴")) }'
    result = _wrapper(server, query, JSON).query().convert()
    assert [r["doc"]["value"] for r in result["results"]["bindings"]] == [EX + "doc2"]


@pytest.mark.slow
def test_select_csv(server):
    query = PREFIXES + "SELECT ?doc ?label WHERE { ?doc a ex:Policy ; rdfs:label ?label } ORDER BY ?doc"
    raw = _wrapper(server, query, CSV).query().convert()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    assert rows[0] == ["doc", "label"]
    assert rows[1:] == [[EX + key, label] for key, label in sorted(LABELS.items())]


@pytest.mark.slow
def test_select_tsv(server):
    query = PREFIXES + "SELECT ?doc ?label WHERE { ?doc a ex:Policy ; rdfs:label ?label } ORDER BY ?doc"
    raw = _wrapper(server, query, TSV).query().convert()
    lines = raw.decode("utf-8").splitlines()
    assert lines[0] == "?doc\t?label"
    assert lines[1:] == [f'<{EX}{key}>\t"{label}"@zh' for key, label in sorted(LABELS.items())]


@pytest.mark.slow
def test_get_post_form_and_post_body_agree(server):
    query = PREFIXES + "SELECT ?label WHERE { ex:doc1 rdfs:label ?label }"
    accept = {"Accept": "application/sparql-results+json"}
    answers = [
        _request(server.endpoint + "?" + urllib.parse.urlencode({"query": query}), headers=accept),
        _post_query(server, query),
        _request(server.endpoint, data=query.encode("utf-8"),
                 headers={**accept, "Content-Type": "application/sparql-query"}),
        _request(server.url + "/query?" + urllib.parse.urlencode({"query": query}), headers=accept),
    ]
    values = set()
    for status, _, body in answers:
        assert status == 200, body
        values.add(json.loads(body)["results"]["bindings"][0]["label"]["value"])
    assert values == {LABELS["doc1"]}


@pytest.mark.slow
def test_select_xml(server):
    status, headers, body = _post_query(server, PREFIXES + "SELECT ?l WHERE { ex:doc3 rdfs:label ?l }",
                                        accept="application/sparql-results+xml")
    assert status == 200
    assert headers["Content-Type"].startswith("application/sparql-results+xml")
    assert LABELS["doc3"] in body.decode("utf-8")


@pytest.mark.slow
def test_ask(server):
    yes = _wrapper(server, PREFIXES + "ASK { ex:doc1 a ex:Policy }", JSON).query().convert()
    no = _wrapper(server, PREFIXES + "ASK { ex:doc1 a ex:Nothing }", JSON).query().convert()
    assert (yes["boolean"], no["boolean"]) == (True, False)


@pytest.mark.slow
def test_construct_turtle_parses(server):
    query = PREFIXES + "CONSTRUCT { ?d rdfs:label ?l } WHERE { ?d a ex:Policy ; rdfs:label ?l }"
    raw = _wrapper(server, query, TURTLE).query().convert()
    graph = rdflib.Graph().parse(data=raw.decode("utf-8"), format="turtle")
    assert len(graph) == len(LABELS)
    assert rdflib.Literal(LABELS["doc2"], lang="zh") in set(graph.objects())


@pytest.mark.slow
def test_describe_as_ntriples(server):
    status, headers, body = _post_query(server, PREFIXES + "DESCRIBE ex:doc2",
                                        accept="application/n-triples")
    assert status == 200
    assert headers["Content-Type"].startswith("application/n-triples")
    graph = rdflib.Graph().parse(data=body.decode("utf-8"), format="nt")
    assert rdflib.Literal(LABELS["doc2"], lang="zh") in set(graph.objects())


@pytest.mark.slow
def test_bad_query_is_a_400_with_the_engine_message(server):
    status, _, body = _post_query(server, "SELECT WHERE {")
    assert status == 400
    assert body.strip()


# ------------------------------------------------------------------ refusals


INSERT = f"INSERT DATA {{ <{EX}intruder> a <{EX}Policy> }}"


@pytest.mark.slow
@pytest.mark.parametrize("how", ["form", "update-body", "get", "update-path", "put"])
def test_updates_are_refused_and_change_nothing(server, how):
    before = _count(server)
    form = urllib.parse.urlencode({"update": INSERT}).encode()
    status, _, body = {
        "form": lambda: _request(server.endpoint, data=form,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"}),
        "update-body": lambda: _request(server.endpoint, data=INSERT.encode(),
                                        headers={"Content-Type": "application/sparql-update"}),
        "get": lambda: _request(server.endpoint + "?" + form.decode()),
        "update-path": lambda: _request(server.url + "/update", data=form,
                                        headers={"Content-Type": "application/x-www-form-urlencoded"}),
        "put": lambda: _request(server.endpoint, data=b"<a:a> <a:b> <a:c> .", method="PUT",
                                headers={"Content-Type": "text/turtle"}),
    }[how]()
    assert status == 403
    assert b"read-only" in body
    assert _count(server) == before
    ask = _wrapper(server, f"ASK {{ <{EX}intruder> ?p ?o }}", JSON).query().convert()
    assert ask["boolean"] is False


@pytest.mark.slow
def test_sparqlwrapper_update_gets_403(server):
    sparql = SPARQLWrapper(server.endpoint)
    sparql.setMethod(POST)
    sparql.setQuery(INSERT)
    sparql.setTimeout(CLIENT_TIMEOUT)
    with pytest.raises(urllib.error.HTTPError) as info:
        sparql.query()
    info.value.close()
    assert info.value.code == 403


@pytest.mark.slow
def test_service_is_refused_and_nothing_is_contacted(server, listener):
    for query in (f"SELECT * WHERE {{ SERVICE <{listener.url}/sparql> {{ ?s ?p ?o }} }}",
                  f"select * where {{ service silent <{listener.url}/sparql> {{ ?s ?p ?o }} }}",
                  f"SELECT * WHERE {{ BIND(<{listener.url}/sparql> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}"):
        status, _, body = _post_query(server, query)
        assert status == 400, body
        assert b"SERVICE" in body
    assert listener.hits == []


@pytest.mark.slow
def test_from_an_http_iri_names_a_graph_and_fetches_nothing(server, listener):
    """Checked, not assumed: FROM / FROM NAMED / default-graph-uri read the local store only."""
    for query, params in (
        (f"SELECT * FROM <{listener.url}/g> WHERE {{ ?s ?p ?o }}", {}),
        (f"SELECT * FROM NAMED <{listener.url}/g> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", {"default-graph-uri": listener.url + "/d"}),
    ):
        url = server.endpoint + "?" + urllib.parse.urlencode({"query": query, **params})
        status, _, body = _request(url, headers={"Accept": "application/sparql-results+json"})
        assert status == 200, body
        assert json.loads(body)["results"]["bindings"] == []
    assert listener.hits == []


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
    "select * { service<http://x/>{ ?s ?p ?o } }",
    "SELECT * { ?a ?b ?c .SERVICE ?x { ?s ?p ?o } }",
    "SELECT * { # comment\n SERVICE SILENT <http://x/> { } }",
    "SELECT * { \\u0053ERVICE <http://x/> { ?s ?p ?o } }",
    "SELECT * { ?s ?p \"a\\\"b\" . SERVICE <http://x/> { } }",
])
def test_service_detection_catches(query):
    with pytest.raises(FederatedQueryRefused):
        check_query(query)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://x/>",
    'SELECT * WHERE { ?s ?p "SERVICE" }',
    "SELECT * WHERE { ?s ?p '''multi\nline SERVICE''' }",
    "SELECT * WHERE { ?s <http://x/SERVICE> ?o }",
    "PREFIX service: <http://x/> SELECT ?service WHERE { ?service a service:SERVICE }",
    'SELECT * WHERE { ?s ?p "x"@service }',
    "SELECT * WHERE { ?s ?p ex:a\\#SERVICE }",
])
def test_service_detection_spares(query):
    try:
        check_query(query)
    except QueryRefused as err:        # refused, if at all, for another reason than SERVICE
        assert not isinstance(err, FederatedQueryRefused), err


@pytest.mark.slow
def test_foreign_host_header_is_refused(server):
    status, _, _ = _request(server.url + "/", headers={"Host": "attacker.example"})
    assert status == 403


# ------------------------------------------------------------------ time limit


@pytest.mark.slow
def test_runaway_query_is_stopped_and_the_endpoint_recovers(site):
    server = site["server"]
    old_pid = server.child_pid
    started = time.monotonic()
    status, headers, body = _post_query(server, RUNAWAY)
    elapsed = time.monotonic() - started
    assert status in (503, 504)
    assert headers["Content-Type"].startswith("text/plain")
    assert b"time limit" in body
    assert TIMEOUT_S - 0.5 <= elapsed <= TIMEOUT_S + 4
    assert _gone(old_pid), "the runaway engine process is still alive"
    assert _count(server) == site["triples"]  # answers normally afterwards
    assert server.child_pid not in (None, old_pid)


@pytest.mark.slow
def test_requests_during_a_runaway_do_not_hang(server):
    """Queries before, during and after the restart all answer; one in flight when the
    runaway's engine is killed is retried on the new engine within its own deadline."""
    medium = PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?a ex:partOf ex:doc1 . ?c ex:partOf ?d }"
    expected = str(len(range(0, FILLER, 3)) * FILLER)
    runaway = {}
    thread = threading.Thread(target=lambda: runaway.update(answer=_post_query(server, RUNAWAY)))
    thread.start()
    time.sleep(0.3)
    answers = []
    deadline = time.monotonic() + TIMEOUT_S + 1
    while time.monotonic() < deadline:
        started = time.monotonic()
        status, _, body = _post_query(server, medium)
        assert time.monotonic() - started < TIMEOUT_S + 6
        answers.append((status, body))
    thread.join(timeout=CLIENT_TIMEOUT)
    assert runaway["answer"][0] in (503, 504)
    assert len(answers) > 2
    for status, body in answers:
        assert status == 200, body
        assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == expected


# ------------------------------------------------------------------ editor page


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs = []

    def handle_starttag(self, tag, attrs):
        self.refs += [value for name, value in attrs if name in ("src", "href") and value]


_PROTOCOL_RELATIVE = re.compile(r"""(?:src|href)\s*=\s*["']?//|url\(\s*["']?//|@import\s+["']?//""")
_URL = re.compile(r"https?://([^/\s\"'<>)\\]+)", re.IGNORECASE)


def _foreign_hosts(text: str) -> set[str]:
    hosts = {m.group(1).rsplit("@", 1)[-1].rsplit(":", 1)[0].strip("[]") for m in _URL.finditer(text)}
    return {h for h in hosts if h not in ("127.0.0.1", "localhost", "::1")}


@pytest.mark.slow
def test_editor_page_lists_the_query_library(server):
    status, headers, body = _request(server.url + "/")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    page = body.decode("utf-8")
    for name in ("policy_labels", "subsidy_policies"):
        assert name in page
    assert "列出所有政策及其标题" in page
    status, _, body = _request(server.url + "/examples.json")
    examples = {e["name"]: e for e in json.loads(body)}
    assert set(examples) == {"policy_labels", "subsidy_policies", "labels_with_word"}
    assert "FILTER(CONTAINS(?l, \"补贴\"))" in examples["subsidy_policies"]["query"]
    assert examples["policy_labels"]["header"].startswith("问题：列出所有政策及其标题\nQuestion: List every policy")


@pytest.mark.slow
def test_editor_page_loads_nothing_from_other_hosts(server):
    """The page and every asset it references name no host but this one.

    The example queries (served as data at /examples.json) hold IRIs such as
    PREFIX declarations; those are identifiers the browser never loads, so
    they are not scanned. The CSP header makes the browser enforce the rule.
    """
    status, headers, body = _request(server.url + "/")
    assert status == 200
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "connect-src 'self'" in headers["Content-Security-Policy"]
    page = body.decode("utf-8")
    parser = _Refs()
    parser.feed(page)
    assets = [ref for ref in parser.refs if not ref.startswith("data:")]
    assert any(ref.endswith(".js") for ref in assets) and any(ref.endswith(".css") for ref in assets)
    texts = {"/": page}
    for ref in assets:
        url = urllib.parse.urljoin(server.url + "/", ref)
        assert url.startswith(server.url + "/"), f"asset from elsewhere: {ref}"
        status, _, data = _request(url)
        assert status == 200, ref
        texts[ref] = data.decode("utf-8")
    for ref, text in texts.items():
        assert _foreign_hosts(text) == set(), f"{ref} names another host"
        assert not _PROTOCOL_RELATIVE.search(text), f"{ref} has a protocol-relative reference"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="needs headless Chromium (make system-deps)")
def test_editor_link_fills_but_never_runs_in_a_browser_with_no_other_host_reachable(server, tmp_path):
    """A person's view: a `#query=…&run` link fills the editor and runs nothing until a click,
    in a browser that cannot resolve any host but the loopback."""
    query = PREFIXES + "SELECT ?doc ?label WHERE { ?doc a ex:Policy ; rdfs:label ?label } ORDER BY ?doc"
    url = f"{server.url}/#" + urllib.parse.urlencode({"query": query, "run": ""})
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
         "--virtual-time-budget=10000", "--dump-dom", url],
        capture_output=True, text=True, timeout=60, check=False)
    dom = done.stdout
    assert 'class="status ok"' not in dom, "a link ran a query without a click"
    assert "press Run" in dom, dom[-2000:] + done.stderr[-2000:]
    assert "ORDER BY ?doc" in dom  # the editor holds the linked query


# ------------------------------------------------------------------ lifecycle


@pytest.mark.slow
def test_stop_kills_the_engine_and_frees_the_port(site):
    config = ServerConfig(graph_files=[site["graph"]], queries_dir=None, port=0, timeout_s=TIMEOUT_S)
    server = SparqlServer(config)
    url = server.start()
    assert url.startswith("http://127.0.0.1:")
    pid = server.child_pid
    assert pid and not _gone(pid, within=0)
    status, _, _ = _request(url + "/")
    assert status == 200
    port = int(url.rsplit(":", 1)[1])
    server.stop()
    assert _gone(pid), "the oxigraph child outlived stop()"
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    server.stop()  # idempotent


def test_defaults_bind_the_loopback():
    config = ServerConfig(graph_files=[])
    assert (config.host, config.port, config.timeout_s) == ("127.0.0.1", 7878, 10.0)


@pytest.mark.slow
def test_oversize_answer_is_refused(site):
    config = ServerConfig(graph_files=[site["graph"]], queries_dir=None, port=0, timeout_s=TIMEOUT_S,
                          max_result_bytes=10_000)
    with SparqlServer(config) as server:
        status, _, body = _post_query(server, "SELECT * WHERE { ?s ?p ?o }", accept="text/csv")
        assert status == 507
        assert b"LIMIT" in body
        status, _, _ = _post_query(server, "SELECT * WHERE { ?s ?p ?o } LIMIT 3", accept="text/csv")
        assert status == 200


@pytest.mark.parametrize("content, match", [
    (None, "not found"),
    ("@prefix ex: <http://example.org/> .\nex:a ex:b .\n", "could not load"),
])
def test_bad_graph_files_raise_serve_error(tmp_path, content, match):
    graph = tmp_path / "broken.ttl"
    if content is not None:
        graph.write_text(content, encoding="utf-8")
    with pytest.raises(ServeError, match=match):
        SparqlServer(ServerConfig(graph_files=[graph], port=0)).start()


@pytest.mark.slow
def test_missing_queries_dir_raises_serve_error(site, tmp_path):
    config = ServerConfig(graph_files=[site["graph"]], queries_dir=tmp_path / "nope", port=0)
    with pytest.raises(ServeError, match="queries folder"):
        SparqlServer(config).start()


# ------------------------------------------------------------------ issue 10: guard, crashes, host, slow clients


def _spellings(evil: str) -> list[str]:
    """The SERVICE spellings of issue 10, aimed at the listener."""
    return [
        f"PREFIX r: <{evil}/> SELECT * WHERE {{ SERVICEr:x {{ ?s ?p ?o }} }}",
        f"PREFIX : <{evil}/> SELECT * WHERE {{ SERVICE:x {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICESILENT<{evil}/x> {{ ?s ?p ?o }} }}",
        f"PREFIX 中: <{evil}/> SELECT * WHERE {{ SERVICE中:x {{ ?s ?p ?o }} }}",
        f"select * where {{ service <{evil}/x> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{evil}/x> {{ ?s ?p ?o }} }} }} }}",
        f"SELECT * WHERE {{ ?a ?b ?c OPTIONAL {{ SERVICE <{evil}/x> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{evil}/x> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVIC\\u0045 <{evil}/x> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{\n# '''\nSERVICE <{evil}/x> {{ ?s ?p ?o }}\n# '''\n}}",
        f"SELECT * WHERE {{ ?s ?p trueSERVICE<{evil}/x> {{ }} }}",
        f"PREFIX ex: <{EX}> SELECT * WHERE {{ ?s ?p ex:a.b.SERVICE<{evil}/x> {{ }} }}",
    ]


@pytest.mark.slow
def test_every_service_spelling_gets_400_and_nothing_is_contacted(server, listener):
    for query in _spellings(listener.url):
        for send in (lambda q: _post_query(server, q),
                     lambda q: _request(server.endpoint + "?" + urllib.parse.urlencode({"query": q})),
                     lambda q: _request(server.endpoint, data=q.encode("utf-8"),
                                        headers={"Content-Type": "application/sparql-query"})):
            status, _, body = send(query)
            assert status == 400, (query, body)
            assert b"SERVICE" in body
    time.sleep(0.2)
    assert listener.hits == []


@pytest.mark.slow
def test_load_is_refused_as_an_update(server, listener):
    for query in (f"LOAD <{listener.url}/x>", f"LOADSILENT<{listener.url}/x>"):
        status, _, body = _post_query(server, query)
        assert status == 403 and b"read-only" in body
    assert listener.hits == []


PATHOLOGICAL = {
    "groups 1,000 deep": "SELECT * WHERE " + "{" * 1000 + " ?s ?p ?o " + "}" * 1000,
    "parentheses 10,000 deep": "SELECT * WHERE { FILTER(" + "(" * 10000 + "1" + ")" * 10000 + ") }",
    "5,000 nested subqueries": "SELECT * " + "{ SELECT * " * 5000 + "{ ?s ?p ?o }" + "}" * 5000,
    "a 50,000-step path": f"PREFIX ex: <{EX}> SELECT * WHERE {{ ?s " + "/".join(["ex:partOf"] * 50000) + " ?o }",
    "a 100,000-term sum": "SELECT (" + "+".join(["1"] * 100000) + " AS ?x) WHERE {}",
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_queries_get_400_before_the_engine(server, name):
    pid = server.child_pid
    status, _, body = _post_query(server, PATHOLOGICAL[name])
    assert status == 400, body[:300]
    assert b"limit max_" in body and body.count(b"\n") == 1
    assert server.child_pid == pid and not _gone(pid, within=0.3)


CRASHER = "SELECT * WHERE { FILTER(" + "(" * 10000 + "1" + ")" * 10000 + ") }"
GOOD = PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?a ex:partOf ex:doc1 }"


@pytest.mark.slow
def test_a_crashing_client_never_fails_the_others(site):
    """With the guard's limits lifted, a query crashes the engine; the others' queries in flight
    are retried on the restarted engine, and the crashing text is refused from then on."""
    lifted = QueryLimits(max_depth=10**6, max_tokens=10**7, max_path_steps=10**6,
                         max_expression_terms=10**6, max_group_items=10**6, max_collection_items=10**6)
    config = ServerConfig(graph_files=[site["graph"]], port=0, timeout_s=5.0, limits=lifted)
    expected = str(len(range(0, FILLER, 3)))
    with SparqlServer(config) as server:
        stop = time.monotonic() + 4
        answers, crashes = [], []

        def good():
            while time.monotonic() < stop:
                status, _, body = _post_query(server, GOOD)
                answers.append((status, body))

        def attacker():
            n = 0
            while time.monotonic() < stop:
                n += 1  # a new text each time, so the blocklist does not shortcut it
                crashes.append(_post_query(server, CRASHER + f" # {n}")[0])

        threads = [threading.Thread(target=good) for _ in range(6)] + [threading.Thread(target=attacker)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=CLIENT_TIMEOUT + 10)
        bad = [(status, body[:200]) for status, body in answers if status != 200]
        assert bad == [], bad[:5]
        assert all(json.loads(body)["results"]["bindings"][0]["n"]["value"] == expected
                   for _, body in answers)
        assert len(answers) > 20 and crashes and set(crashes) <= {400}
        status, _, body = _post_query(server, CRASHER + " # 1")
        assert status == 400 and b"crashed the query engine" in body


def _raw_request(server: SparqlServer, head: bytes, *, body: bytes = b"") -> tuple[int, bytes]:
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT) as sock:
        sock.sendall(head + body)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]), data


@pytest.mark.slow
@pytest.mark.parametrize("hosts, expected", [
    (["127.0.0.1"], 200), (["localhost:7878"], 200), (["[::1]:80"], 200), ([], 200),
    (["evil.com@127.0.0.1"], 403), (["a:b@127.0.0.1"], 403), (["127.0.0.1:80@evil.com"], 403),
    (["127.0.0.1", "evil.com"], 403), (["127.0.0.1", "127.0.0.1"], 403),
    (["127.0.0.1:8x"], 403), (["127.0.0.1:"], 403), (["evil.com"], 403), (["127.0.0.1 evil.com"], 403),
])
def test_host_header_is_parsed_strictly(server, hosts, expected):
    head = b"GET /examples.json HTTP/1.1\r\n" + b"".join(b"Host: " + h.encode() + b"\r\n" for h in hosts)
    status, _ = _raw_request(server, head + b"Connection: close\r\n\r\n")
    assert status == expected


@pytest.mark.slow
def test_a_client_sending_headers_and_no_body_is_dropped(server):
    port = int(server.url.rsplit(":", 1)[1])
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT) as sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
                     b"Content-Length: 100\r\n\r\nSELECT")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert time.monotonic() - started < READ_TIMEOUT_S + 2
    assert data == b"" or data.startswith(b"HTTP/1.0 408") or data.startswith(b"HTTP/1.1 408")


@pytest.mark.slow
def test_a_header_trickle_is_dropped(server):
    """One byte every 0.3 s would keep a per-recv timeout alive forever; the request deadline does not."""
    port = int(server.url.rsplit(":", 1)[1])
    started = time.monotonic()
    closed = False
    with socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT) as sock:
        for byte in b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nX-Slow: " + b"a" * 100:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                closed = True
                break
            time.sleep(0.3)
            if time.monotonic() - started > READ_TIMEOUT_S + 3:
                break
        if not closed:
            sock.settimeout(2)
            try:
                closed = sock.recv(1) == b""
            except ConnectionResetError:
                closed = True
    assert closed
    assert time.monotonic() - started < READ_TIMEOUT_S + 3.5


@pytest.mark.slow
def test_slow_clients_do_not_block_others(server):
    port = int(server.url.rsplit(":", 1)[1])
    slow = [socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT) for _ in range(40)]
    try:
        for sock in slow:
            sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50\r\n\r\n")
        started = time.monotonic()
        assert _count(server) > 0
        assert time.monotonic() - started < 2
    finally:
        for sock in slow:
            sock.close()


def test_listen_queue_is_sized_for_real_use():
    from policykg.use.serve.front import Front
    assert Front.request_queue_size >= 128


def test_editor_script_never_runs_from_the_link():
    script = (Path(__file__).resolve().parents[1] / "src/policykg/use/serve/static/editor.js").read_text(encoding="utf-8")
    hash_block = script[script.index("new URLSearchParams(location.hash"):]
    assert "run()" not in hash_block
    assert not re.search(r"https?://", script)


# ------------------------------------------------------------------ issue 8: a corpus (named graphs, union default)

CORPUS_DOCS = {"jinan": ("加快数字化发展推进方案", "济南市", "市", 3),
               "qingdao": ("海洋大模型实施方案", "青岛市", "市", 5)}
ID = "https://w3id.org/policykg/id/"
SHARED = ID + "graph/shared"


def _corpus_nquads() -> str:
    pkg, dct, skos = ("https://w3id.org/policykg/ontology#", "http://purl.org/dc/terms/",
                      "http://www.w3.org/2004/02/skos/core#")
    lines = [f'<{pkg}PolicyDocument> <http://www.w3.org/2000/01/rdf-schema#label> "政策文件"@zh <{SHARED}> .']
    for key, (title, place, level, items) in CORPUS_DOCS.items():
        doc, j = f"<{ID}doc/{key}>", f"<{ID}place/{key}>"
        lines += [f"{doc} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{pkg}PolicyDocument> {doc} .",
                  f'{doc} <{pkg}shortId> "{key}" {doc} .', f'{doc} <{dct}title> "{title}"@zh {doc} .',
                  f"{doc} <{dct}spatial> {j} {doc} .", f'{j} <{skos}prefLabel> "{place}"@zh {doc} .',
                  f'{j} <{pkg}administrativeLevel> "{level}" {doc} .']
        lines += [f"<{ID}doc/{key}/item/{i}> <{pkg}inDocument> {doc} {doc} ." for i in range(items)]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory):
    import pyoxigraph as ox
    root = tmp_path_factory.mktemp("corpus")
    (root / "corpus.nq").write_text(_corpus_nquads(), encoding="utf-8")
    from policykg.kg.corpus import write_corpus_store
    write_corpus_store(root / "store", root / "corpus.nq")    # as a corpus build writes it: the merge as default
    reader = ox.Store.read_only(str(root / "store"))  # a reader holds the store while the server runs
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in (root / "store").iterdir()}
    from policykg.use.serve.dataset import resolve_graph
    store_dir, files = resolve_graph(root)
    assert (store_dir, files) == (root / "store", [])
    config = ServerConfig(graph_files=files, store=store_dir, port=0, timeout_s=TIMEOUT_S,
                          read_timeout_s=READ_TIMEOUT_S)
    with SparqlServer(config) as server:
        yield {"server": server, "root": root, "reader": reader, "before": before}


def _n(server, query: str, **params) -> int:
    form = urllib.parse.urlencode([("query", query)] + [(k, v) for k, vs in params.items() for v in vs]).encode()
    status, _, body = _request(server.endpoint, data=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"})
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def _per_doc(key: str) -> int:
    return 6 + CORPUS_DOCS[key][3]


@pytest.mark.slow
def test_corpus_default_graph_is_the_merge_and_documents_are_named_graphs(corpus_site):
    server = corpus_site["server"]
    total = 1 + sum(_per_doc(k) for k in CORPUS_DOCS)
    every = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert _n(server, every) == total
    doc = f"{ID}doc/qingdao"
    assert _n(server, f"SELECT (COUNT(*) AS ?n) FROM <{doc}> WHERE {{ ?s ?p ?o }}") == _per_doc("qingdao")
    assert _n(server, f"select (count(*) as ?n) from<{doc}> where {{ ?s ?p ?o }}") == _per_doc("qingdao")
    assert _n(server, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{doc}> {{ ?s ?p ?o }} }}") == _per_doc("qingdao")
    assert _n(server, every, **{"default-graph-uri": [doc]}) == _per_doc("qingdao")
    assert _n(server, every, **{"default-graph-uri": [doc, SHARED]}) == _per_doc("qingdao") + 1
    assert _n(server, f"SELECT (COUNT(*) AS ?n) FROM NAMED <{doc}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}") \
        == _per_doc("qingdao")
    # the store is served through a snapshot: the files the reader holds are untouched
    root = corpus_site["root"]
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in (root / "store").iterdir()}
    assert after == corpus_site["before"]
    import pyoxigraph as ox
    named = [q for q in corpus_site["reader"].quads_for_pattern(None, None, None, None)
             if not isinstance(q.graph_name, ox.DefaultGraph)]
    assert len(named) == total                      # and the default graph holds their merge, once


@pytest.mark.slow
def test_corpus_editor_lists_the_documents(corpus_site):
    server = corpus_site["server"]
    status, _, body = _request(server.url + "/documents.json")
    listed = json.loads(body)
    assert [(d["id"], d["title"], d["jurisdiction"], d["level"]) for d in listed["documents"]] == [
        (k, t, p, lv) for k, (t, p, lv, _) in sorted(CORPUS_DOCS.items())]
    assert listed["context"] == [SHARED]
    status, _, body = _request(server.url + "/")
    page = body.decode("utf-8")
    assert 'id="scope-section">' in page and f'<option value="{ID}doc/jinan"' in page
    assert "jinan — 加快数字化发展推进方案（济南市 · 市）" in page
    script = (Path(__file__).resolve().parents[1] / "src/policykg/use/serve/static/editor.js").read_text(encoding="utf-8")
    assert '"default-graph-uri"' in script and '"named-graph-uri"' in script


@pytest.mark.slow
def test_an_nquads_file_is_served_with_its_named_graphs(corpus_site):
    config = ServerConfig(graph_files=[corpus_site["root"] / "corpus.nq"], port=0, timeout_s=TIMEOUT_S)
    with SparqlServer(config) as server:
        assert [d.short_id for d in server.documents] == sorted(CORPUS_DOCS)
        assert _n(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == 1 + sum(_per_doc(k) for k in CORPUS_DOCS)


def test_a_one_graph_server_hides_the_document_picker(server):
    status, _, body = _request(server.url + "/")
    assert 'id="scope-section" hidden>' in body.decode("utf-8")
    listed = json.loads(_request(server.url + "/documents.json")[2])
    assert (listed["documents"], listed["context"]) == ([], [])
    assert listed["prefixes"]["pkg"] == "https://w3id.org/policykg/ontology#"  # the defaults, for the table


# ------------------------------------------------------------------ editor conveniences (issue 9)


def _post_form(server: SparqlServer, fields, path: str = "/sparql", accept="application/sparql-results+json"):
    body = urllib.parse.urlencode(fields, doseq=True).encode()
    return _request(server.url + path, data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": accept})


def _docs(body: bytes) -> list[str]:
    return [r["doc"]["value"].removeprefix(EX) for r in json.loads(body)["results"]["bindings"]]


@pytest.mark.slow
def test_default_prefixes_are_added_only_where_missing(server):
    """rdfs: (a default prefix) works undeclared; a declared one is the query's own; others are a 400."""
    query = f"PREFIX ex: <{EX}>\nSELECT ?doc WHERE {{ ?doc a ex:Policy ; rdfs:label ?l }} ORDER BY ?doc"
    status, _, body = _post_query(server, query)
    assert status == 200, body
    assert _docs(body) == ["doc1", "doc2", "doc3"]
    own = "PREFIX rdfs: <http://example.org/not-rdfs#>\n" + query.replace("PREFIX ex:", "PREFIX ex:", 1)
    status, _, body = _post_query(server, own)
    assert status == 200 and _docs(body) == []  # the query's own rdfs: is never replaced
    status, _, body = _post_query(server, "SELECT * WHERE {\n  ?s nope:p ?o\n}")
    text = body.decode()
    assert status == 400
    assert text.startswith("line 2, column 6: the prefix 'nope:' is not declared"), text
    assert "2 |   ?s nope:p ?o" in text


def test_prefix_injection_reads_tokens_not_text():
    from policykg.use.serve.prepare import undeclared_prefixes, with_default_prefixes
    text, added = with_default_prefixes('SELECT * WHERE { ?s ?p "pkg:x" } # skos:y <http://a/dcterms:z>')
    assert added == 0 and text.startswith("SELECT")
    text, added = with_default_prefixes("PREFIX pkg: <urn:mine#>\nSELECT * { ?s pkg:p ?o ; skos:prefLabel ?l }")
    assert added == 1
    assert text.splitlines()[0] == "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>"
    assert [p for p, _ in undeclared_prefixes("SELECT * { ?s a owl:Class , xsd:x , a:b }")] == ["owl", "xsd", "a"]


@pytest.mark.slow
def test_the_guard_checks_the_text_with_prefixes_added(server, listener):
    status, _, body = _post_query(server, f"SELECT * WHERE {{ ?s rdfs:label ?o \n SERVICE <{listener.url}/> {{ }} }}")
    assert status == 400 and b"line 2, column 2" in body, body
    assert listener.hits == []


@pytest.mark.slow
def test_parse_errors_give_line_column_and_the_line(server):
    query = PREFIXES + "SELECT ?doc WHERE {\n  ?doc rdfs:label ?l .\n  FILTER(?l = )\n}"
    status, headers, body = _post_query(server, query)
    text = body.decode()
    assert status == 400 and headers["Content-Type"].startswith("text/plain")
    first = text.splitlines()[0]
    assert re.match(r"line \d+, column \d+: syntax error: expected", first), text
    assert "\\u{" not in text and "..=" not in text  # no dump of character classes
    assert "^" in text.splitlines()[-1]


@pytest.mark.slow
def test_a_huge_bad_query_is_not_echoed(server):
    huge = "字" * 100_000
    status, _, body = _post_query(server, f'SELECT * WHERE {{\n  ?s ?p ?o FILTER(?o = "{huge}" && ) }}')
    assert status == 400
    assert len(body) < 1200, len(body)
    assert body.startswith(b"line ")


@pytest.mark.slow
def test_parameters_are_bound_as_policykg_query_binds_them(server):
    from policykg.kg.query import bind_parameters, parse_query_text, with_values
    text = (server_queries := Path(server.config.queries_dir)) / "labels_with_word.rq"
    query = text.read_text(encoding="utf-8")
    status, _, body = _post_form(server, {"query": query})
    assert _docs(body) == ["doc2"]                      # unbound: the query's own fallback (补贴)
    status, _, body = _post_form(server, {"query": query, "param": "word=科技"})
    assert status == 200 and _docs(body) == ["doc3"]
    cli = with_values(query, bind_parameters(parse_query_text(query, "q"), {"word": "科技"}))
    assert _docs(_post_query(server, cli)[2]) == ["doc3"]  # the same text `policykg query --param` runs
    status, _, body = _post_form(server, {"query": query, "param": "colour=red"})
    assert status == 400 and b"no parameter colour" in body
    assert server_queries.is_dir()


@pytest.mark.slow
def test_examples_carry_their_questions_and_parameters(server):
    _, _, body = _request(server.url + "/examples.json")
    examples = {e["name"]: e for e in json.loads(body)}
    word = examples["labels_with_word"]
    assert (word["zh"], word["en"]) == ("哪些政策的标题含某个词？", "Which policies have a word in their title?")
    assert word["params"] == [{"name": "word", "default": "补贴", "doc": "a word of the title"}]
    assert examples["policy_labels"]["params"] == []


@pytest.mark.slow
@pytest.mark.parametrize("fmt,ctype", [("csv", "text/csv"), ("tsv", "text/tab-separated-values"),
                                       ("json", "application/sparql-results+json"),
                                       ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")])
def test_export_names_the_file_after_the_query_and_format(server, fmt, ctype):
    query = PREFIXES + "SELECT ?doc ?label ?n WHERE { ?doc a ex:Policy ; rdfs:label ?label ; ex:amount ?n } ORDER BY ?doc"
    status, headers, body = _post_form(server, {"query": query, "format": fmt, "name": "policy_labels"}, "/export")
    assert status == 200, body
    assert headers["Content-Type"].startswith(ctype)
    assert f'filename="policy_labels.{fmt}"' in headers["Content-Disposition"]
    expected = [[EX + key, label, str(len(label))] for key, label in sorted(LABELS.items())]
    if fmt == "csv":
        assert not body.startswith(b"\xef\xbb\xbf")
        assert list(csv.reader(io.StringIO(body.decode()))) == [["doc", "label", "n"], *expected]
    elif fmt == "tsv":
        assert body.decode().splitlines()[0].split("\t") == ["?doc", "?label", "?n"]
    elif fmt == "json":
        assert _docs(body) == ["doc1", "doc2", "doc3"]
    else:
        openpyxl = pytest.importorskip("openpyxl")
        sheet = openpyxl.load_workbook(io.BytesIO(body)).active
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert rows == [["doc", "label", "n"], *[[d, lab, int(n)] for d, lab, n in expected]]


@pytest.mark.slow
def test_export_csv_for_excel_and_odd_names(server):
    fields = {"query": PREFIXES + "SELECT ?label WHERE { ?d rdfs:label ?label }", "format": "csv", "bom": "1",
              "name": "../../etc/passwd"}
    status, headers, body = _post_form(server, fields, "/export")
    assert status == 200 and body.startswith("\ufeff".encode()) and "小微企业" in body.decode("utf-8-sig")
    assert 'filename="etc_passwd.csv"' in headers["Content-Disposition"]
    fields.update(name="", format="tsv")
    assert 'filename="query.tsv"' in _post_form(server, fields, "/export")[1]["Content-Disposition"]


@pytest.mark.slow
def test_export_keeps_the_endpoint_rules(server, listener):
    status, _, _ = _post_form(server, {"query": INSERT, "format": "csv"}, "/export")
    assert status == 403
    status, _, _ = _post_form(server, {"query": f"SELECT * {{ SERVICE <{listener.url}/> {{ }} }}",
                                       "format": "csv"}, "/export")
    assert status == 400 and listener.hits == []
    status, _, body = _post_form(server, {"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "xlsx"}, "/export")
    assert status == 400 and b"SELECT" in body
    status, _, _ = _post_form(server, {"query": "ASK {}", "format": "pdf"}, "/export")
    assert status == 400
    status, _, _ = _request(server.url + "/export", data=b"x", headers={"Content-Type": "text/plain"})
    assert status == 415
