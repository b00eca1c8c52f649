"""The network page in a real headless Chromium: it draws, stays offline, stays inert.

One browser serves the whole module (about 2 s). The page is written with
``write_page`` and loaded from disk (file://); the test talks to Chromium over
the DevTools protocol (see tests/browser.py), records every request the tab
starts, and drives search and filters through the page's own controls.

Needs Debian's ``chromium`` (and ``fonts-wqy-microhei`` for legible Chinese in
screenshots). Without ``/usr/bin/chromium`` the tests skip, unless ``CI`` is
set: CI must run them. Set ``POLICYKG_SCREENSHOT=/path/page.png`` to save a
1280×900 screenshot of the loaded page.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from policykg.use.visualize import write_page


def _load_helper():
    """tests/browser.py, loaded by path so it works under any pytest import mode."""
    spec = importlib.util.spec_from_file_location("policykg_test_browser", Path(__file__).with_name("browser.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pytestmark = pytest.mark.browser
helper = _load_helper()
LOCAL_SCHEMES = {"file", "data", "blob", "about"}


def _require_chromium() -> None:
    if helper.CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {helper.CHROMIUM} is missing: apt-get install chromium fonts-wqy-microhei")
    pytest.skip(f"{helper.CHROMIUM} not installed (apt-get install chromium fonts-wqy-microhei)")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """(graph, page data, page) with the page loaded and drawn."""
    _require_chromium()
    work = tmp_path_factory.mktemp("chromium")
    graph = helper.policy_graph()
    path = work / "graph.html"
    write_page(graph, path, title="政策任务关系图", subtitle="《关于推动经济高质量发展的若干措施》任务分工")
    block = re.search(r'id="policykg-data">(.*?)</script>', path.read_text(encoding="utf-8"), re.S)
    data = json.loads(block.group(1))
    with helper.Chromium(work) as chrome:
        page = chrome.open_page()
        page.navigate(path.as_uri())
        page.wait_for("window.policykgStatus.ready")
        if os.environ.get("POLICYKG_SCREENSHOT"):
            page.screenshot(Path(os.environ["POLICYKG_SCREENSHOT"]))
        yield graph, data, page


@pytest.fixture
def page(loaded):
    """The loaded page, reset (all kinds, all pillars, no search) after each test."""
    yield loaded[2]
    _act(loaded[2], "document.getElementById('pkg-reset').click()")


def _status(page) -> dict:
    return page.evaluate("window.policykgStatus")


def _act(page, script: str) -> dict:
    """Run a UI action and return the status once vis has redrawn after it."""
    before = _status(page)["draws"]
    page.evaluate(script)
    page.wait_for(f"window.policykgStatus.draws > {before}")
    return _status(page)


def test_draws_every_node_and_edge(loaded):
    graph, _, page = loaded
    status = _status(page)
    assert status["ready"] is True
    assert status["nodes"] == graph.number_of_nodes() == 31
    assert status["edges"] == graph.number_of_edges()


def test_status_is_read_only(loaded):
    page = loaded[2]
    page.evaluate("try { window.policykgStatus = {nodes: -1}; window.policykgStatus.nodes = -1 } catch (e) {}")
    assert _status(page)["nodes"] == loaded[0].number_of_nodes()


def test_page_makes_no_network_request(loaded):
    page = loaded[2]
    urls = page.request_urls()
    assert any(u.startswith("file:") and u.endswith("/graph.html") for u in urls), urls  # capture works
    assert {urlsplit(u).scheme for u in urls} <= LOCAL_SCHEMES, urls
    resources = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert all(urlsplit(u).scheme in LOCAL_SCHEMES for u in resources), resources


def test_page_runs_without_errors(loaded):
    page = loaded[2]
    problems = [e for e in page.events
                if e["method"] == "Runtime.exceptionThrown"
                or (e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")
                or (e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "warning"))]
    assert problems == []


def test_xss_text_stays_text(page):
    status = _act(page, """
        const input = document.getElementById('pkg-search-input');
        input.value = 'onerror';
        document.getElementById('pkg-search').requestSubmit();
    """)
    assert status["matches"] == 1
    shown = page.evaluate("""({
        result: document.querySelector('#pkg-search-results button').textContent,
        details: document.getElementById('pkg-details-text').textContent,
    })""")
    assert shown == {"result": helper.XSS_LABEL, "details": helper.XSS_TITLE}

    # The single match is selected and shown among its neighbours: hover it for its tooltip.
    box = page.evaluate("(() => { const net = window.policykgNetwork, id = net.getSelectedNodes()[0];"
                        " const r = document.getElementById('pkg-network').getBoundingClientRect();"
                        " const p = net.canvasToDOM(net.getPosition(id));"
                        " return {x: r.left + p.x, y: r.top + p.y}; })()")
    page.mouse_move(box["x"] - 3, box["y"] - 3)
    page.mouse_move(box["x"], box["y"])
    tip = page.wait_for("(() => { const t = document.querySelector('div.vis-tooltip');"
                        " return t && t.style.visibility === 'visible' && t.textContent; })()", timeout=5)
    assert tip == helper.XSS_TITLE
    assert page.evaluate("document.querySelectorAll('img, div.vis-tooltip script').length") == 0
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert not [e for e in page.events if e["method"] == "Page.javascriptDialogOpening"]


def test_search_selects_matching_nodes(loaded, page):
    data = loaded[1]
    expected = [n["id"] for n in data["nodes"] if "市发改局" in n["label"] or "市发改局" in n["tooltip"]]
    status = _act(page, """
        document.getElementById('pkg-search-input').value = '市发改局';
        document.getElementById('pkg-search').requestSubmit();
    """)
    assert status["matches"] == len(expected) >= 2
    listed = page.evaluate("[...document.querySelectorAll('#pkg-search-results button')].map(b => b.textContent)")
    labels = {n["id"]: n["label"] for n in data["nodes"]}
    assert listed == [labels[i] for i in expected]
    assert status["nodes"] == loaded[0].number_of_nodes()  # search highlights, it does not hide


def test_kind_filter_hides_nodes_and_their_edges(loaded, page):
    graph = loaded[0]
    status = _act(page, "document.querySelector('input.pkg-kind[value=\"unit\"]').click()")
    keep = {n for n, a in graph.nodes(data=True) if a["kind"] != "unit"}
    assert status["nodes"] == len(keep)
    assert status["edges"] == graph.subgraph(keep).number_of_edges()


def test_pillar_filter_keeps_members_only(loaded, page):
    graph, data, _ = loaded
    status = _act(page, """
        const select = document.getElementById('pkg-pillar');
        select.value = '财税支持';
        select.dispatchEvent(new Event('change'));
    """)
    keep = {n["id"] for n in data["nodes"] if "财税支持" in n["pillars"]}
    assert {"t1", "t2", "t6", "市财政局", "李明华"} <= keep
    assert status["nodes"] == len(keep) < graph.number_of_nodes()
    assert status["edges"] == graph.subgraph(keep).number_of_edges()
