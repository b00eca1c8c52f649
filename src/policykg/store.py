"""Write the graph and its report to disk: deterministic, and all or nothing.

Turtle is rdflib's sorted serialisation, N-Triples is sorted line by line and
JSON-LD is written from a graph filled in sorted triple order, so two builds
of the same source are byte-identical. Files are first written into a
temporary folder beside the output folder and only then moved into place, so a
failure never leaves a half-written ``graph/``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from rdflib import Graph

GRAPH_STEM = "policykg"


def sorted_copy(graph: Graph) -> Graph:
    out = Graph()
    for prefix, ns in graph.namespaces():
        out.bind(prefix, ns, override=True, replace=True)
    for triple in sorted(graph, key=lambda t: tuple(x.n3() for x in t)):
        out.add(triple)
    return out


def serialise(graph: Graph) -> dict[str, bytes]:
    """File name → bytes for every graph format we publish."""
    ordered = sorted_copy(graph)
    nt_lines = sorted(line for line in ordered.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
                      if line.strip())
    context = {prefix: str(ns) for prefix, ns in ordered.namespaces() if prefix}
    return {
        f"{GRAPH_STEM}.ttl": ordered.serialize(format="turtle", encoding="utf-8"),
        f"{GRAPH_STEM}.nt": ("\n".join(nt_lines) + "\n").encode("utf-8"),
        f"{GRAPH_STEM}.jsonld": _stable_jsonld(ordered.serialize(format="json-ld", context=context)),
    }


def _stable_jsonld(text: str) -> bytes:
    """rdflib groups JSON-LD values through sets: sort nodes and value arrays ourselves.

    Arrays of property values in JSON-LD are unordered (we emit no ``@list``),
    so sorting them changes nothing an RDF reader sees.
    """
    doc = json.loads(text)

    def canon(value):
        if isinstance(value, dict):
            return {k: canon(v) for k, v in value.items()}
        if isinstance(value, list):
            items = [canon(v) for v in value]
            return sorted(items, key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
        return value

    doc = canon(doc)
    return (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def report_bytes(report: dict) -> bytes:
    return (json.dumps(report, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def write_text_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and ``os.replace``: never half a file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_outputs(files: dict[str, bytes], out_dir: Path) -> list[Path]:
    """Write ``files`` into ``out_dir`` atomically per file, after all are staged."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        written = []
        for name in files:
            target = out_dir / name
            os.replace(staging / name, target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
