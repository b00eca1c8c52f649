"""Every bundled document's pages and network files hold its units and records (issue 17 item 4).

Before, the pages and networks were built from key tasks only: eight of the nine bundled
documents (notes, row tables, narrative measures, no task list) drew 0 nodes and their
GraphML held none, and ``analyze --doc 13…`` printed 0 units. The bundled corpus is built
afresh with ``--pages`` into a temporary folder; what each document holds is read from
its own Turtle with a query written here, not with the page code.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parents[1]
PREFIX = ("PREFIX pkg: <https://w3id.org/policykg/ontology#> "
          "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> ")
UNITS = PREFIX + """SELECT DISTINCT ?name WHERE { ?r a pkg:ResponsibilityRecord ; pkg:hasResponsibility ?x .
    ?x pkg:unit ?u . ?u skos:prefLabel ?name }"""
RECORDS = PREFIX + "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a pkg:ResponsibilityRecord }"
ASSIGNED = PREFIX + """SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a pkg:ResponsibilityRecord ;
    pkg:hasResponsibility/pkg:unit ?u }"""
TASKS = PREFIX + "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a pkg:KeyTask }"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundled") / "graph"
    subprocess.run([sys.executable, "-m", "policykg.cli", "build", "--out", str(out), "--pages", "--jobs", "2"],
                   cwd=ROOT, check=True, capture_output=True)
    return out


def _docs(out: Path) -> list[Path]:
    return sorted(p for p in (out / "docs").iterdir() if p.is_dir())


def _held(folder: Path) -> tuple[set[str], int, int, int]:
    """The names of the units assigned to some record; the number of records, of records naming
    a unit and of key tasks."""
    store = ox.Store()
    store.load(input=(folder / "policykg.ttl").read_bytes(), format=ox.RdfFormat.TURTLE)
    names = {row["name"].value for row in store.query(UNITS)}
    count = int(next(iter(store.query(RECORDS)))["n"].value)
    return (names, count, int(next(iter(store.query(ASSIGNED)))["n"].value),
            int(next(iter(store.query(TASKS)))["n"].value))


def _page(path: Path) -> list[dict]:
    block = re.search(r'id="policykg-data">(.*?)</script>', path.read_text(encoding="utf-8"), re.S)
    return json.loads(block.group(1))["nodes"]


def _graphml_nodes(path: Path) -> list[str]:
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    return [n.get("id") for n in ET.parse(path).getroot().iterfind(".//g:node", ns)]


def test_every_document_page_and_graphml_holds_its_units_and_records(built):
    folders = _docs(built)
    assert len(folders) == 9
    for folder in folders:
        names, records, assigned, tasks = _held(folder)
        assert names and records, folder.name                       # every bundled document assigns units
        graph = _page(folder / "graph.html")
        units = _page(folder / "units.html")
        drawn = {n["label"] for n in graph if n["kind"] == "unit"}
        assert names <= drawn, (folder.name, names - drawn)
        carriers = [n for n in graph if n["kind"] in ("task", "record")]
        assert len(carriers) == records, (folder.name, len(carriers), records)
        assert names <= {n["label"] for n in units}, folder.name
        network = {i.split(":", 1)[1] for i in _graphml_nodes(folder / "unit_network.graphml")}
        assert names <= network, (folder.name, names - network)
        bipartite = _graphml_nodes(folder / "task_units.graphml")
        # the network of a document with a task list is its key tasks' (the seed's narrative measures,
        # drawn on graph.html, carry out those tasks); of any other document, its records that name a unit
        assert sum(1 for i in bipartite if i.split(":", 1)[0] in ("task", "record")) == (tasks or assigned), folder.name
        assert names <= {i.split(":", 1)[1] for i in bipartite if i.startswith("unit:")}, folder.name


def test_analyze_doc_counts_the_units_of_a_document_without_key_tasks(built):
    """「重点工作 0 项，责任单位 0 个」 was printed for 13_jinan… and 05_guofa…, exit 0."""
    for doc in ("13_jinan_digital_pioneer_city_2021", "05_guofa_2018_39_employment"):
        names = _held(built / "docs" / doc)[0]
        done = subprocess.run([sys.executable, "-m", "policykg.cli", "analyze", "--graph", str(built), "--doc", doc],
                              cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        found = re.search(r"责任单位 (\d+) 个", done.stdout)
        assert found and int(found.group(1)) == len(names), (doc, done.stdout[:400])
