"""Validate a built graph against ``shapes.ttl``: compiled checks first, pySHACL for every report.

A build that does not conform fails with the report: shapes state what every
analyst relies on (exactly one pillar per task, at least one lead unit, every
quantity has a value and a unit …).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rdflib import Graph

from policykg.resources import shapes_path


class ValidationResult:
    """What validation found: ``conforms``, the number of ``violations`` and ``warnings`` (results of
    severity sh:Violation and sh:Warning) and pySHACL's report ``text``.

    A graph the compiled shapes find nothing wrong with (:mod:`policykg.kg.shape_check`) gets its
    text from pySHACL only when the text is read.
    """

    __slots__ = ("conforms", "violations", "warnings", "_text", "_graph", "_shapes")

    def __init__(self, conforms: bool, violations: int, text: str | None = None, warnings: int = 0,
                 graph: Graph | None = None, shapes: Path | None = None) -> None:
        self.conforms, self.violations, self.warnings = conforms, violations, warnings
        self._text, self._graph, self._shapes = text, graph, shapes

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = _pyshacl(_rdflib(self._graph), self._shapes).text
            self._graph = None
        return self._text

    def __eq__(self, other) -> bool:
        return isinstance(other, ValidationResult) and (self.conforms, self.violations, self.warnings, self.text) == \
            (other.conforms, other.violations, other.warnings, other.text)

    def __repr__(self) -> str:
        return f"ValidationResult(conforms={self.conforms}, violations={self.violations}, warnings={self.warnings})"


def validate_graph(data, shapes: Path | None = None) -> ValidationResult:
    """Validate the graph as built (an rdflib graph or a document's triples) against the shapes.

    The shapes are compiled once per process into plain checks (:mod:`policykg.kg.shape_check`);
    when they find no result at all — the usual case — the graph conforms with no violation and
    no warning, as pySHACL would say (``tests/test_shape_check.py`` holds the two to the same
    counts on documents and on broken graphs). Anything found, or shapes the compiler does not
    know, and pySHACL validates the graph and reports.
    """
    from policykg.kg.shape_check import count_results

    path = Path(shapes or shapes_path())
    compiled = _compiled(*_key(path))
    if compiled is not None and count_results(data, compiled) == (0, 0):
        return ValidationResult(conforms=True, violations=0, warnings=0, graph=data, shapes=path)
    return _pyshacl(_rdflib(data), path)


def _rdflib(data) -> Graph:
    """An rdflib graph for pySHACL: ``data`` itself, or the graph of a document's triples."""
    return data if isinstance(data, Graph) else data.graph()


def _pyshacl(data: Graph, path: Path) -> ValidationResult:
    """Run pySHACL on the graph as built.

    The mapping states every node's class explicitly (a Target is never only a
    DocumentGoal by inference), so the ontology need not be mixed in: that
    would clone the whole data graph and cost a fifth of the build.
    """
    import pyshacl
    from rdflib.namespace import SH

    shapes_graph = _shapes_graph(*_key(path))
    conforms, report, text = pyshacl.validate(data, shacl_graph=shapes_graph, inference="none",
                                              advanced=False, allow_warnings=True)
    violations = sum(1 for _ in report.subjects(SH.resultSeverity, SH.Violation))
    warnings = sum(1 for _ in report.subjects(SH.resultSeverity, SH.Warning))
    return ValidationResult(conforms=bool(conforms), violations=violations, text=text, warnings=warnings)


def _key(path: Path) -> tuple[str, int, int]:
    info = path.stat()
    return str(path.resolve()), info.st_mtime_ns, info.st_size


@lru_cache(maxsize=4)
def _shapes_graph(path: str, mtime_ns: int, size: int) -> Graph:
    """The shapes, parsed once per process (a corpus worker validates hundreds of documents):
    pySHACL only reads the shapes graph when it does not run rules (``advanced=False``)."""
    return Graph().parse(path, format="turtle")


@lru_cache(maxsize=4)
def _compiled(path: str, mtime_ns: int, size: int):
    from policykg.kg.shape_check import compile_shapes
    return compile_shapes(_shapes_graph(path, mtime_ns, size))
