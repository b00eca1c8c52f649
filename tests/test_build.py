"""The whole build: SHACL, determinism, committed outputs, provenance, independent parsers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import PROV, RDF

from policykg.kg.terms import PKG

ROOT = Path(__file__).resolve().parents[1]
#: The seed document's folder in the built corpus (graph/docs/<id>/, laid out as a one-document build).
SEED_DIR = ROOT / "graph" / "docs" / "000_4cdbba2a142b4d11"


def test_build_conforms_to_the_shapes(built):
    assert built.validation.conforms and built.report["shacl"]["violations"] == 0


def test_build_report_counts(built):
    c = built.report["counts"]
    assert (c["key_tasks"], c["table_rows"], c["targets"], c["measures"]) == (32, 39, 99, 218)
    assert (c["narrative_measures"], c["goals"], c["pillars"], c["target_quantities"]) == (16, 2, 5, 75)
    assert c["persons"] == 53          # 27 distinct leader/liaison pairs, 杨光飞 on two of them
    assert built.report["units_not_in_lexicon"] == []


def test_build_committed_graph_equals_a_fresh_build(built):
    for name, data in built.files().items():
        assert (SEED_DIR / name).read_bytes() == data, f"graph/{name} is stale: run 'make graph'"


def test_build_is_byte_identical_across_processes(tmp_path):
    """Two builds of the bundled corpus in fresh interpreters with different hash seeds give the same bytes."""
    outs = []
    for seed in ("1", "4242"):
        out = tmp_path / f"out{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-m", "policykg.cli", "build", "--out", str(out)], check=True, env=env,
                       capture_output=True)
        # every file, the documents' folders included, but not out/store: RocksDB's bytes are not
        # deterministic (tests/test_output.py checks its triples)
        outs.append({str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
                     if p.is_file() and "store" not in p.relative_to(out).parts})
    assert outs[0] == outs[1]


def test_build_every_extracted_node_points_to_its_source_lines(built):
    g = built.graph
    for cls in (PKG.KeyTask, PKG.Target, PKG.Measure, PKG.NarrativeMeasure, PKG.DocumentGoal, PKG.Quantity,
                PKG.Pillar, PKG.Provision, PKG.Section):
        nodes = set(g.subjects(RDF.type, cls))
        assert nodes, cls
        for node in nodes:
            spans = list(g.objects(node, PROV.wasDerivedFrom))
            assert spans, node
            for span in spans:
                assert g.value(span, PKG.startLine) is not None


def test_build_outputs_parse_back_to_the_same_graph(built, tmp_path):
    from rdflib.compare import isomorphic
    files = built.files()
    for name, fmt in (("policykg.ttl", "turtle"), ("policykg.nt", "nt"), ("policykg.jsonld", "json-ld")):
        path = tmp_path / name
        path.write_bytes(files[name])
        assert isomorphic(Graph().parse(path, format=fmt), built.graph), name


@pytest.mark.skipif(shutil.which("rapper") is None and not os.environ.get("CI"),
                    reason="rapper (raptor2-utils) not installed")
def test_build_turtle_reads_in_an_independent_parser():
    for name in ("graph/docs/000_4cdbba2a142b4d11/policykg.ttl", "ontology.ttl", "shapes.ttl"):
        out = subprocess.run(["rapper", "-i", "turtle", "-c", str(ROOT / name)], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert "Parsing returned" in out.stderr


def test_build_ntriples_reads_in_pyoxigraph():
    import pyoxigraph
    store = pyoxigraph.Store()
    store.load(path=str(SEED_DIR / "policykg.nt"), format=pyoxigraph.RdfFormat.N_TRIPLES)
    assert len(store) == len(Graph().parse(SEED_DIR / "policykg.nt", format="nt"))
