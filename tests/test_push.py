"""``policykg push``: a built corpus sent to a live, separate Oxigraph server (Graph Store Protocol).

The server is a real ``oxigraph serve`` process started here on 127.0.0.1 (a free port, a
temporary store); only loopback traffic.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from policykg.cli import main
from policykg.kg.corpus import build_corpus
from policykg.use.analysis_graph import analysis_quads
from policykg.use.serve.engine import find_oxigraph

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("05_guofa_2018_39_employment.txt", "13_jinan_digital_pioneer_city_2021.html")   # a text and a portal page
COUNT = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("push") / "corpus"
    build_corpus([ROOT / "sources" / "dev" / d for d in DOCS], out, jobs=1, doc_files="lean", analysis=analysis_quads)
    return out


@pytest.fixture()
def server(tmp_path):
    try:
        binary = find_oxigraph()
    except Exception:
        pytest.skip("the oxigraph server binary is not installed")
    port = _free_port()
    proc = subprocess.Popen([str(binary), "serve", "--location", str(tmp_path / "store"), "--bind",
                             f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"oxigraph serve did not start: {proc.stderr.read().decode()[:300]}")
            time.sleep(0.1)
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def server_counts(url: str) -> dict[str, int]:
    request = urllib.request.Request(f"{url}/query?" + urllib.parse.urlencode({"query": COUNT}),
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        rows = json.load(response)["results"]["bindings"]
    return {r["g"]["value"]: int(r["n"]["value"]) for r in rows}


def corpus_counts(corpus: Path) -> dict[str, int]:
    counts: Counter = Counter()
    for line in (corpus / "corpus.nq").read_text(encoding="utf-8").splitlines():
        if line.strip():
            counts[line.rstrip(" .").rsplit(" <", 1)[1].rstrip(">")] += 1
    return dict(counts)


def test_push_twice_gives_the_corpus_triple_counts_per_graph(corpus, server, capsys):
    expected = corpus_counts(corpus)
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    assert {d["iri"] for d in manifest["documents"]} <= set(expected)      # every document's named graph
    assert len(expected) >= len(DOCS) + 1                                   # + the shared graph (+ lineage)
    for _ in range(2):                                                      # a re-push replaces
        assert main(["push", f"{server}/store", "--graph", str(corpus), "--timeout", "30"]) == 0
        assert server_counts(server) == expected
    assert f"pushed {len(expected)} graphs ({sum(expected.values())} triples)" in capsys.readouterr().out


def test_push_replaces_what_the_server_held_in_a_graph(corpus, server):
    doc = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))["documents"][0]["iri"]
    stale = b"<urn:x:stale> <urn:x:p> \"left over\" .\n"
    request = urllib.request.Request(f"{server}/store?" + urllib.parse.urlencode({"graph": doc}), data=stale,
                                     method="POST", headers={"Content-Type": "application/n-triples"})
    urllib.request.urlopen(request, timeout=30).close()
    assert main(["push", f"{server}/store", "--graph", str(corpus)]) == 0
    assert server_counts(server) == corpus_counts(corpus)


def test_push_failures_are_one_line_and_exit_2(corpus, tmp_path, capsys):
    port = _free_port()                                                     # nothing listens there
    assert main(["push", f"http://127.0.0.1:{port}/store", "--graph", str(corpus), "--timeout", "5"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot reach the server" in err
    assert main(["push", f"http://127.0.0.1:{port}/store", "--graph", str(tmp_path)]) == 2
    assert "no corpus here" in capsys.readouterr().err
    assert main(["push", "file:///etc/passwd", "--graph", str(corpus)]) == 2


def test_push_names_the_status_when_the_server_refuses(corpus, server, capsys):
    assert main(["push", f"{server}/no-such-endpoint", "--graph", str(corpus), "--timeout", "10"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the server answered 4" in err
