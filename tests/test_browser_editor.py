"""The endpoint's editor in headless Chromium, serving the built corpus (issue 9 item 3).

What an analyst does in the page: pick a stored query (its question shows, and
its ``@param`` inputs), edit it (the question stays while it is that query, and
clears when the text becomes another query), run a query with no PREFIX lines,
read a syntax error with its line, download CSV/TSV/JSON/XLSX named after the
query, and share a link that fills another tab's editor without running.

``POLICYKG_SCREENSHOTS=1`` writes docs/editor.png (quantised: < 300 KB).
"""

from __future__ import annotations

import importlib.util
import json
import os
import time
from pathlib import Path

import pytest

from policykg.use.serve import ServerConfig, SparqlServer
from policykg.use.serve.dataset import resolve_graph

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "graph"
SEED = "000_4cdbba2a142b4d11"
pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not (CORPUS / "store" / "CURRENT").is_file(),
                                 reason="the bundled corpus is not built (make graph)")]


def _helper():
    spec = importlib.util.spec_from_file_location("policykg_test_browser_editor",
                                                  Path(__file__).with_name("browser.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


helper = _helper()
# This module's own copy of the harness: every host unresolvable but the loopback, where the endpoint listens.
helper.CHROMIUM_FLAGS = tuple("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
                              if f.startswith("--host-resolver-rules") else f for f in helper.CHROMIUM_FLAGS)


@pytest.fixture(scope="module")
def server():
    store, files = resolve_graph(CORPUS)
    with SparqlServer(ServerConfig(files, ROOT / "queries", port=0, timeout_s=20, store=store)) as srv:
        yield srv


@pytest.fixture(scope="module")
def chrome(tmp_path_factory):
    if not helper.CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {helper.CHROMIUM} is missing")
        pytest.skip(f"{helper.CHROMIUM} not installed (sh scripts/install_system_deps.sh)")
    with helper.Chromium(tmp_path_factory.mktemp("editor"), window=(1400, 900), timeout=30) as browser:
        browser.call("Browser.setDownloadBehavior", {"behavior": "deny"})
        yield browser


def _open(chrome, url: str):
    page = chrome.open_page()
    page.navigate(url)
    page.wait_for("document.getElementById('example').options.length > 5", timeout=20)
    time.sleep(0.3)
    return page


def _pick(page, name: str) -> None:
    page.evaluate(f"""{{
        const s = document.getElementById('example');
        s.value = [...s.options].find(o => o.textContent.startsWith({json.dumps(name + ' ')})).value;
        s.dispatchEvent(new Event('change')); }}""")


def _type(page, text: str) -> None:
    page.evaluate(f"""{{
        const q = document.getElementById('query');
        q.value = {json.dumps(text)};
        q.dispatchEvent(new Event('input')); }}""")


def _run(page) -> str:
    page.evaluate("document.getElementById('run').click()")
    page.wait_for("!document.getElementById('run').disabled && "
                  "!document.getElementById('status').classList.contains('busy')", timeout=30)
    return page.evaluate("document.getElementById('status').className")


def _shown(page, element: str) -> bool:
    return page.evaluate(f"!document.getElementById({json.dumps(element)}).hidden")


def test_question_box_follows_the_query(chrome, server):
    page = _open(chrome, server.url + "/")
    _pick(page, "key_tasks")
    assert _shown(page, "question")
    zh = page.evaluate("document.getElementById('question-zh').textContent")
    en = page.evaluate("document.getElementById('question-en').textContent")
    assert zh and en and zh != en
    text = page.evaluate("document.getElementById('query').value")
    _type(page, text + "\n# my note\n")                      # still key_tasks: the header is unchanged
    assert page.evaluate("window.policykgEditor.followed") == "key_tasks"
    _type(page, "SELECT ?t ?c WHERE { ?t a pkg:KeyTask, ?c } LIMIT 3")   # another query: the box clears
    assert not _shown(page, "question")
    assert page.evaluate("window.policykgEditor.followed") == ""
    assert page.evaluate("document.getElementById('example').value") == ""
    assert _run(page) == "status ok"                            # and pkg: needs no PREFIX line
    cells = page.evaluate("[...document.querySelectorAll('#output tbody td.uri')].map(td => td.textContent)")
    assert len(cells) == 6 and "pkg:KeyTask" in cells, cells  # shortened by the default prefixes


def test_parameters_and_errors(chrome, server, tmp_path):
    page = _open(chrome, server.url + "/")
    _pick(page, "unit_duties")
    assert _shown(page, "params-section")
    inputs = page.evaluate("[...document.querySelectorAll('#params input')].map(i => [i.dataset.name, i.value])")
    assert [name for name, _ in inputs] == ["unit"]
    page.evaluate("document.querySelector('#params input').value = '省发展改革委'")
    assert _run(page) == "status ok"
    rows = page.evaluate("[...document.querySelectorAll('#output tbody tr')].map(r => r.textContent)")
    assert rows and all("发展" in r or "发改" in r for r in rows)
    if os.environ.get("POLICYKG_SCREENSHOTS") == "1":
        _screenshot(page, tmp_path)
    _type(page, "SELECT ?t WHERE {\n  ?t a pkg:KeyTask .\n  FILTER(?t = )\n}")
    assert _run(page) == "status error"
    shown = page.evaluate("document.querySelector('#output pre').textContent")
    assert shown.startswith("line ") and "column" in shown and "^" in shown
    _type(page, "SELECT * WHERE {\n  ?t a nope:Thing }")
    assert _run(page) == "status error"
    assert page.evaluate("document.querySelector('#output pre').textContent").startswith(
        "line 2, column 8: the prefix 'nope:' is not declared")


def test_downloads_are_named_after_the_query(chrome, server):
    page = _open(chrome, server.url + "/")
    _pick(page, "key_tasks")
    for fmt in ("csv", "tsv", "json", "xlsx"):
        count = page.evaluate("window.policykgEditor.downloads.length")
        page.evaluate(f"document.querySelector('button.dl[data-format={fmt}]').click()")
        page.wait_for(f"window.policykgEditor.downloads.length > {count}", timeout=30)
        last = page.evaluate("window.policykgEditor.downloads.at(-1)")
        assert last["name"] == f"key_tasks.{fmt}" and last["size"] > 100, last
    _type(page, "SELECT ?t WHERE { ?t a pkg:KeyTask } LIMIT 3")
    page.evaluate("document.getElementById('bom').checked = true")
    page.evaluate("document.querySelector('button.dl[data-format=csv]').click()")
    page.wait_for("window.policykgEditor.downloads.at(-1).name === 'query.csv'", timeout=30)


def test_share_link_fills_another_tab_and_runs_nothing(chrome, server):
    page = _open(chrome, server.url + "/")
    _pick(page, "unit_duties")
    page.evaluate("document.querySelector('#params input').value = '市财政局'")
    graph = page.evaluate(f"[...document.getElementById('scope').options].find(o => o.textContent.startsWith("
                          f"{json.dumps(SEED)})).value")
    page.evaluate(f"document.getElementById('scope').value = {json.dumps(graph)}")
    page.evaluate("document.getElementById('share').click()")
    link = page.evaluate("document.getElementById('share-link').value")
    assert link.startswith(server.url + "/#query=")
    other = _open(chrome, link)
    assert other.evaluate("window.policykgEditor.followed") == "unit_duties"
    assert other.evaluate("document.querySelector('#params input').value") == "市财政局"
    assert other.evaluate("document.getElementById('scope').value") == graph
    assert "press Run" in other.evaluate("document.getElementById('status').textContent")
    assert not [u for u in other.request_urls() if u.endswith("/sparql") or u.endswith("/export")]
    assert _run(other) == "status ok"                          # a click runs it, scoped and bound
    rows = other.evaluate("[...document.querySelectorAll('#output tbody tr')].map(r => r.textContent)")
    assert rows and all(SEED in r for r in rows)


def _screenshot(page, tmp_path: Path) -> None:
    shot = tmp_path / "editor.png"
    page.screenshot(shot)
    target = ROOT / "docs" / "editor.png"
    try:
        from PIL import Image
    except ImportError:
        target.write_bytes(shot.read_bytes())
    else:
        Image.open(shot).convert("RGB").quantize(128).save(target, optimize=True)
    assert target.stat().st_size < 300_000
