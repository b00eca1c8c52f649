"""The committed pages graph/graph.html and graph/units.html in headless Chromium.

They must draw exactly the nodes and edges of the graph they show (as
``pages.full_graph`` / ``pages.unit_network`` build them from the committed
RDF graph) and make no network request, opened from disk with no network.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from policykg.use.pages import full_graph, unit_network

ROOT = Path(__file__).resolve().parents[1]
#: The seed document's folder in the built corpus (graph/docs/<id>/, laid out as a one-document build).
SEED_DIR = ROOT / "graph" / "docs" / "000_4cdbba2a142b4d11"
pytestmark = pytest.mark.browser


def _helper():
    spec = importlib.util.spec_from_file_location("policykg_test_browser_pages",
                                                  Path(__file__).with_name("browser.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


helper = _helper()


@pytest.fixture(scope="module")
def chrome(tmp_path_factory):
    if not helper.CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {helper.CHROMIUM} is missing: apt-get install chromium")
        pytest.skip(f"{helper.CHROMIUM} not installed")
    with helper.Chromium(tmp_path_factory.mktemp("pages")) as browser:
        yield browser


@pytest.mark.parametrize("name,build", [("graph.html", full_graph), ("units.html", unit_network)])
def test_committed_page_draws_the_graph_offline(chrome, committed_graph, name, build):
    expected = build(committed_graph)
    page = chrome.open_page()
    page.navigate((SEED_DIR / name).as_uri())
    page.wait_for("window.policykgStatus && window.policykgStatus.ready")
    status = page.evaluate("window.policykgStatus")
    assert (status["nodes"], status["edges"]) == (expected.number_of_nodes(), expected.number_of_edges())
    assert status["nodes"] > 40
    urls = page.request_urls()
    assert urls and all(urlsplit(u).scheme in {"file", "data", "blob", "about"} for u in urls), urls
