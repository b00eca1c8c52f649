"""Validate a built graph against ``shapes.ttl`` with pySHACL.

A build that does not conform fails with the report: shapes state what every
analyst relies on (exactly one pillar per task, at least one lead unit, every
quantity has a value and a unit …).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import Graph

from policykg.resources import shapes_path


@dataclass(frozen=True)
class ValidationResult:
    conforms: bool
    violations: int
    text: str
    warnings: int = 0


def validate_graph(data: Graph, shapes: Path | None = None) -> ValidationResult:
    """Run pySHACL on the graph as built.

    The mapping states every node's class explicitly (a Target is never only a
    DocumentGoal by inference), so the ontology need not be mixed in: that
    would clone the whole data graph and cost a fifth of the build.
    """
    import pyshacl
    from rdflib.namespace import SH

    path = Path(shapes or shapes_path())
    info = path.stat()
    shapes_graph = _shapes_graph(str(path.resolve()), info.st_mtime_ns, info.st_size)
    conforms, report, text = pyshacl.validate(data, shacl_graph=shapes_graph, inference="none",
                                              advanced=False, allow_warnings=True)
    violations = sum(1 for _ in report.subjects(SH.resultSeverity, SH.Violation))
    warnings = sum(1 for _ in report.subjects(SH.resultSeverity, SH.Warning))
    return ValidationResult(conforms=bool(conforms), violations=violations, text=text, warnings=warnings)


@lru_cache(maxsize=4)
def _shapes_graph(path: str, mtime_ns: int, size: int) -> Graph:
    """The shapes, parsed once per process (a corpus worker validates hundreds of documents):
    pySHACL only reads the shapes graph when it does not run rules (``advanced=False``)."""
    return Graph().parse(path, format="turtle")
